import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, multipart } from "./cs-http";

describe("content-server simulator: documents, versions, download", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
  });
  after(() => sim.close());

  const pdf = { name: "letter.pdf", type: "application/pdf", content: "%PDF-1.4 letter" };

  it("uploads with v2 (flat categories) and stores name, MIME type, size and category values", async () => {
    const res = await cs.post(
      "api/v2/nodes",
      multipart(
        {
          type: 144,
          parent_id: 2301,
          name: "letter.pdf",
          roles: { categories: { "3000_2": "C-1001", "3000_11": ["v1", "v2"] } },
        },
        pdf,
      ),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const props = res.json.results.data.properties;
    assert.equal(props.mime_type, "application/pdf");
    assert.equal(props.size, Buffer.byteLength(pdf.content));
    const node = sim.store.findNode(props.id)!;
    assert.equal(node.categories["3000"].values["3000_2"], "C-1001");
    assert.deepEqual(node.categories["3000"].values["3000_11"], ["v1", "v2"]);
    assert.equal(node.versions![0].sha256, createHash("sha256").update(pdf.content).digest("hex"));
  });

  it("uploads with v1: nested categories, and flat fields with a file part", async () => {
    const nested = await cs.post(
      "api/v1/nodes",
      multipart(
        { type: 144, parent_id: 2301, name: "nested.pdf", roles: { categories: { "3000": { "3000_2": "C-2" } } } },
        pdf,
      ),
    );
    assert.equal(nested.status, 200);
    assert.equal(sim.store.findNode(nested.json.id)!.categories["3000"].values["3000_2"], "C-2");
    const flat = new FormData();
    flat.append("type", "144");
    flat.append("parent_id", "2301");
    flat.append("name", "flat.pdf");
    flat.append("file", new Blob([pdf.content], { type: pdf.type }), "flat.pdf");
    const res = await cs.post("api/v1/nodes", flat);
    assert.equal(res.status, 200);
    assert.equal(typeof res.json.id, "number");
  });

  it("refuses v2 nested categories, v1 flat categories, missing required attributes and a missing file", async () => {
    const v2nested = await cs.post(
      "api/v2/nodes",
      multipart(
        { type: 144, parent_id: 2301, name: "x1.pdf", roles: { categories: { "3000": { "3000_2": "C" } } } },
        pdf,
      ),
    );
    assert.equal(v2nested.status, 400);
    const required = await cs.post(
      "api/v2/nodes",
      multipart({ type: 144, parent_id: 2301, name: "x2.pdf", roles: { categories: { "3000_3": "acct" } } }, pdf),
    );
    assert.equal(required.status, 400);
    assert.match(required.json.error, /Customer ID/);
    const noFile = await cs.post("api/v2/nodes", multipart({ type: 144, parent_id: 2301, name: "x3.pdf" }));
    assert.equal(noFile.status, 400);
    assert.equal((await cs.get("api/v2/nodes/2301/nodes?where_name=x")).json.results.length, 0);
  });

  it("adds versions (v1 and v2), lists them, answers v1 latest and downloads each version streamed", async () => {
    const id = (
      await cs.post(
        "api/v2/nodes",
        multipart(
          { type: 144, parent_id: 2301, name: "versioned.txt" },
          { name: "versioned.txt", type: "text/plain", content: "one" },
        ),
      )
    ).json.results.data.properties.id;
    const v2 = new FormData();
    v2.append("description", "second");
    v2.append("file", new Blob(["two!"], { type: "text/plain" }), "versioned.txt");
    const added = await cs.post(`api/v2/nodes/${id}/versions`, v2);
    assert.equal(added.status, 200);
    assert.equal(added.json.results.data.versions.version_number, 2);
    const v1 = new FormData();
    v1.append("file", new Blob(["three"], { type: "text/plain" }), "versioned.txt");
    const addedV1 = await cs.post(`api/v1/nodes/${id}/versions`, v1);
    assert.deepEqual(addedV1.json, { id, version_number: 3 });
    const list = await cs.get(`api/v2/nodes/${id}/versions`);
    assert.deepEqual(
      list.json.results.map((r: any) => r.data.versions.version_number),
      [1, 2, 3],
    );
    assert.equal(list.json.results[1].data.versions.description, "second");
    const latest = await cs.get(`api/v1/nodes/${id}/versions/latest`);
    assert.equal(latest.json.data.version_number, 3);
    const noFile = await cs.post(`api/v2/nodes/${id}/versions`, new FormData());
    assert.equal(noFile.status, 400);

    const download = await fetch(`${sim.url}/api/v1/nodes/${id}/content`, { headers: { OTCSTicket: cs.ticket } });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("content-type"), "text/plain");
    assert.equal(download.headers.get("content-length"), "5");
    assert.match(download.headers.get("content-disposition")!, /versioned\.txt/);
    assert.equal(await download.text(), "three");
    const old = await fetch(`${sim.url}/api/v1/nodes/${id}/versions/2/content?action=download`, {
      headers: { OTCSTicket: cs.ticket },
    });
    assert.equal(old.headers.get("content-type"), "application/octet-stream");
    assert.equal(await old.text(), "two!");
    const missing = await fetch(`${sim.url}/api/v1/nodes/424242/content`, { headers: { OTCSTicket: cs.ticket } });
    assert.equal(missing.status, 500);
    assert.deepEqual(await missing.json(), { error: "Could not locate node: 424242" });
  });
});
