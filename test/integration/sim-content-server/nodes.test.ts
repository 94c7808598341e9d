import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, form } from "./cs-http";

describe("content-server simulator: nodes", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
  });
  after(() => sim.close());

  it("GET v2 node: results.data.properties is an object; fields filters properties", async () => {
    const res = await cs.get("api/v2/nodes/2000?fields=properties{id,name,type}");
    assert.equal(res.status, 200);
    assert.ok(!Array.isArray(res.json.results));
    assert.deepEqual(res.json.results.data.properties, { id: 2000, name: "Enterprise Workspace", type: 141 });
    assert.ok(res.json.links.data.self);
  });

  it("GET v1 node: data + definitions", async () => {
    const res = await cs.get("api/v1/nodes/2100");
    assert.equal(res.json.data.id, 2100);
    assert.equal(res.json.data.container, true);
    assert.ok(res.json.definitions.name);
    assert.ok(Array.isArray(res.json.definitions_order));
  });

  it("missing node: 400 'Could not get a node for {id}', 404 when configured, 500 on sub-resources", async () => {
    const v2 = await cs.get("api/v2/nodes/999999");
    assert.equal(v2.status, 400);
    assert.deepEqual(v2.json, { error: "Could not get a node for 999999" });
    assert.equal((await cs.get("api/v1/nodes/999999")).status, 400);
    assert.equal((await cs.get("api/v2/nodes/999999/nodes")).status, 500);
    sim.configure({ missingNodeStatus: 404 });
    try {
      assert.equal((await cs.get("api/v2/nodes/999999")).status, 404);
    } finally {
      sim.configure({ missingNodeStatus: 400 });
    }
  });

  it("suppress_response_codes answers 200 with statusCode", async () => {
    const res = await cs.get("api/v2/nodes/999999?suppress_response_codes");
    assert.equal(res.status, 200);
    assert.equal(res.json.statusCode, 400);
  });

  it("unknown API routes answer 400 from the mappings registry", async () => {
    const res = await cs.get("api/v2/nosuchthing");
    assert.equal(res.status, 400);
    assert.match(res.json.error, /mappings registry/);
  });

  it("creates folders: v2 body JSON → element, v1 plain fields → {id}; duplicates 500 (v2) / 400 (v1)", async () => {
    const v2 = await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2301, name: "Folder A" }));
    assert.equal(v2.status, 200);
    const id = v2.json.results.data.properties.id;
    assert.equal(v2.json.results.data.properties.parent_id, 2301);
    const v1 = await cs.post("api/v1/nodes", form({ type: 0, parent_id: 2301, name: "Folder B" }));
    assert.equal(v1.status, 200);
    assert.equal(typeof v1.json.id, "number");
    const dup2 = await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2301, name: "Folder A" }));
    assert.equal(dup2.status, 500);
    assert.equal(dup2.json.error, "An item with the name 'Folder A' already exists.");
    const dup1 = await cs.post("api/v1/nodes", form({ type: 0, parent_id: 2301, name: "Folder A" }));
    assert.equal(dup1.status, 400);
    assert.ok(id > 0);
  });

  it("lists children with where_name (substring), where_type, sort, page and limit", async () => {
    const parent = (await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2000, name: "Paging" }))).json.results
      .data.properties.id;
    for (const name of ["c-report", "a-report", "b-letter", "d-report", "e-report"]) {
      await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: parent, name }));
    }
    const page = await cs.get(`api/v2/nodes/${parent}/nodes?where_name=report&sort=desc_name&limit=2&page=2`);
    assert.deepEqual(page.json.collection.paging, {
      page: 2,
      limit: 2,
      page_total: 2,
      range_min: 3,
      range_max: 4,
      total_count: 4,
    });
    assert.deepEqual(
      page.json.results.map((r: any) => r.data.properties.name),
      ["c-report", "a-report"],
    );
    const docs = await cs.get(`api/v2/nodes/${parent}/nodes?where_type=144`);
    assert.equal(docs.json.results.length, 0);
    const v1 = await cs.get(`api/v1/nodes/${parent}/nodes?limit=3`);
    assert.equal(v1.json.total_count, 5);
    assert.equal(v1.json.page_total, 2);
    assert.equal(v1.json.data.length, 3);
    assert.equal(v1.json.data[0].name, "a-report");
  });

  it("renames, moves (metadata_token: stale → 409), copies and deletes", async () => {
    const id = (await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2301, name: "Movable" }))).json.results
      .data.properties.id;
    const state = await cs.get(`api/v2/nodes/${id}?state`);
    const token = state.json.results.state.properties.metadata_token;
    const renamed = await cs.put(
      `api/v2/nodes/${id}`,
      bodyForm({ name: "Moved", parent_id: 2302, metadata_token: token }),
    );
    assert.equal(renamed.status, 200);
    assert.equal(renamed.json.results.data.properties.parent_id, 2302);
    const stale = await cs.put(`api/v2/nodes/${id}`, bodyForm({ name: "Again", metadata_token: token }));
    assert.equal(stale.status, 409);
    const copy = await cs.post("api/v2/nodes", bodyForm({ original_id: id, parent_id: 2301, name: "Copy" }));
    assert.equal(copy.status, 200);
    const copyId = copy.json.results.data.properties.id;
    assert.notEqual(copyId, id);
    assert.equal((await cs.delete(`api/v2/nodes/${copyId}`)).status, 200);
    assert.equal((await cs.get(`api/v2/nodes/${copyId}`)).status, 400);
  });

  it("POST api/v1/validation/nodes/names reports the names that are taken", async () => {
    const res = await cs.post(
      "api/v1/validation/nodes/names",
      bodyForm({ parent_id: 2300, names: ["Archive", "Free"] }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.results.map((r: any) => [r.name, r.id]),
      [["Archive", 2301]],
    );
  });
});
