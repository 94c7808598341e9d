import assert from "node:assert/strict";
import { DOCUMENT_TYPE } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

describe("content-server client: search", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  for (const shape of ["schema", "pyxecm"] as const) {
    it(`reads hits from their properties whether the server answers in the ${shape} shape`, async () => {
      sim.sim.configure({ searchResultShape: shape });
      try {
        const client = sim.client();
        const hits = await client.search.search({ where: 'OTName: "Customer Communication" and OTSubType: 131' });
        assert.deepEqual(
          hits.items.map((h) => [h.id, h.name, h.type]),
          [[3000, "Customer Communication", 131]],
        );
        assert.equal(hits.items[0].regions?.OTName, shape === "pyxecm" ? "Customer Communication" : undefined);
      } finally {
        sim.sim.configure({ searchResultShape: "schema" });
      }
    });
  }

  it("finds documents by name, subtype, location and category attribute (LQL), page by page", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Search"));
    const definition = await client.categories.getCategoryDefinition("Customer Communication");
    const customerKey = definition.attributes.find((a) => a.name === "Customer ID")?.key as string;
    const marker = `CUST-${Date.now()}`;
    for (let i = 0; i < 5; i++) {
      await client.documents.uploadDocument({
        parentId: folder.id,
        name: `statement ${i}.pdf`,
        content: { buffer: Buffer.from(`statement ${i}`), fileName: `statement ${i}.pdf` },
        categories: { [customerKey]: i < 3 ? marker : "someone else" },
      });
    }
    const byName = await client.search.search({ where: `OTName: "statement 2.pdf" and OTLocation: ${folder.id}` });
    assert.deepEqual(
      byName.items.map((h) => h.name),
      ["statement 2.pdf"],
    );
    assert.equal(byName.items[0].type, DOCUMENT_TYPE);

    const [, attrId] = customerKey.split("_");
    const where = `[qlregion "Attr_${definition.id}_${attrId}"] "${marker}" and OTSubType: ${DOCUMENT_TYPE}`;
    const page1 = await client.search.search({ where, limit: 2, page: 1 });
    assert.equal(page1.items.length, 2);
    assert.equal(page1.paging.totalCount, 3);
    assert.equal(page1.paging.pageTotal, 2);
    const all = [];
    for await (const hit of client.search.searchAll({ where, limit: 2 })) all.push(hit.name);
    assert.deepEqual(all.sort(), ["statement 0.pdf", "statement 1.pdf", "statement 2.pdf"]);
    const capped = [];
    for await (const hit of client.search.searchAll({ where, limit: 2 }, 1)) capped.push(hit);
    assert.equal(capped.length, 1);
  });
});
