import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, startProxy, startSim, uniqueName, type TestSim } from "./support";

const CATEGORY = "Customer Communication";

describe("content-server client: categories", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  for (const shape of ["forms", "schema"] as const) {
    it(`reads a category definition whether the create form comes in the ${shape} shape`, async () => {
      sim.sim.configure({ categoryForms: shape });
      try {
        const definition = await sim.client().categories.getCategoryDefinition(CATEGORY);
        assert.equal(definition.name, CATEGORY);
        const channel = definition.attributes.find((a) => a.name === "Channel");
        assert.match(channel?.key ?? "", new RegExp(`^${definition.id}_\\d+$`));
        assert.ok(definition.attributes.some((a) => a.name === "SHA-256"));
      } finally {
        sim.sim.configure({ categoryForms: "forms" });
      }
    });
  }

  it("reads a category definition by name and resolves attribute names to {cat}_{attr} keys", async () => {
    const client = sim.client();
    const definition = await client.categories.getCategoryDefinition(CATEGORY);
    assert.equal(definition.name, CATEGORY);
    assert.ok(definition.id > 0);
    const names = definition.attributes.map((a) => a.name);
    for (const expected of ["Customer ID", "Account Number", "Document Type", "SHA-256"]) {
      assert.ok(names.includes(expected), `definition has "${expected}" (has ${names.join(", ")})`);
    }
    for (const attribute of definition.attributes) assert.match(attribute.key, new RegExp(`^${definition.id}_\\d+`));
    const resolved = await client.categories.resolveCategoryValues(CATEGORY, {
      "customer id": "C-1",
      Channel: "email",
    });
    assert.equal(resolved.categoryId, definition.id);
    assert.deepEqual(
      Object.keys(resolved.values).sort(),
      [
        definition.attributes.find((a) => a.name === "Channel")?.key,
        definition.attributes.find((a) => a.name === "Customer ID")?.key,
      ].sort(),
    );
  });

  it("caches definitions and category ids by name", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const client = sim.client({ baseUrl: proxy.url });
      await client.categories.getCategoryDefinition(CATEGORY);
      const first = proxy.requests.length;
      await client.categories.getCategoryDefinition(CATEGORY);
      await client.categories.resolveCategoryValues(CATEGORY, { "Customer ID": "x" });
      assert.equal(proxy.requests.length, first, "no further requests");
    } finally {
      await proxy.close();
    }
  });

  it("applies, reads, updates and removes a category on a node", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Cat"));
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "plain.txt",
      content: { buffer: Buffer.from("plain"), fileName: "plain.txt" },
    });
    const definition = await client.categories.getCategoryDefinition(CATEGORY);
    const key = (name: string) => definition.attributes.find((a) => a.name === name)?.key as string;
    await client.categories.applyCategory(doc.id, CATEGORY, { "Customer ID": "C-42", "Document Type": "Letter" });
    let applied = await client.categories.getCategory(doc.id, CATEGORY);
    assert.equal(applied?.values[key("Customer ID")], "C-42");
    assert.equal(applied?.values[key("Document Type")], "Letter");
    assert.equal(applied?.categoryId, definition.id);

    await client.categories.updateCategory(doc.id, definition.id, { [key("Customer ID")]: "C-43" });
    applied = await client.categories.getCategory(doc.id, definition.id);
    assert.equal(applied?.values[key("Customer ID")], "C-43");
    assert.equal(applied?.values[key("Document Type")], "Letter", "other values stay");

    const err = await client.categories.applyCategory(doc.id, CATEGORY).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.status, 400);
    assert.match(err.csMessage ?? "", /already exists/);

    await client.categories.setCategoryValues(doc.id, CATEGORY, { "Customer ID": "C-44" });
    assert.equal((await client.categories.getCategory(doc.id, CATEGORY))?.values[key("Customer ID")], "C-44");

    await client.categories.removeCategory(doc.id, CATEGORY);
    assert.equal(await client.categories.getCategory(doc.id, CATEGORY), undefined);
    await client.categories.setCategoryValues(doc.id, CATEGORY, { "Customer ID": "C-45" });
    assert.equal((await client.categories.getCategory(doc.id, CATEGORY))?.values[key("Customer ID")], "C-45");
  });

  it("rejects unknown attribute names and unknown categories with a clear message", async () => {
    const client = sim.client();
    const unknownAttr = await client.categories
      .resolveCategoryValues(CATEGORY, { "No Such Attribute": 1 })
      .catch((e: unknown) => e);
    assert.ok(unknownAttr instanceof ContentServerError);
    assert.equal(unknownAttr.code, "INVALID_REQUEST");
    assert.match(unknownAttr.message, /No Such Attribute/);
    const unknownCategory = await client.categories.getCategoryDefinition("No Such Category").catch((e: unknown) => e);
    assert.ok(unknownCategory instanceof ContentServerError);
    assert.equal(unknownCategory.code, "NOT_FOUND");
  });
});
