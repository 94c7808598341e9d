import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, form, multipart } from "./cs-http";

describe("content-server simulator: search, business workspaces, records", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  const upload = async (parent: number, name: string, customer: string) =>
    (
      await cs.post(
        "api/v2/nodes",
        multipart(
          { type: 144, parent_id: parent, name, roles: { categories: { "3000_2": customer } } },
          { name, type: "application/pdf", content: name },
        ),
      )
    ).json.results.data.properties.id as number;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
  });
  after(() => sim.close());

  it("searches with OTName, OTSubType, OTLocation, attribute regions, and/or, and pages in collection.paging", async () => {
    const a = await upload(2301, "invoice 4711.pdf", "C-77");
    await upload(2301, "statement 1.pdf", "C-77");
    await upload(2302, "statement 2.pdf", "C-78");
    const search = (where: string, extra: Record<string, string> = {}) =>
      cs.post("api/v2/search", form({ where, ...extra }));
    const byName = await search('OTName: "invoice 4711.pdf" and OTSubType: 144 and OTLocation: 2300');
    assert.deepEqual(
      byName.json.results.map((r: any) => r.data.properties.id),
      [a],
    );
    const byAttr = await search('[qlregion "Attr_3000_2"] "C-77" and OTSubType:144');
    assert.equal(byAttr.json.collection.paging.total_count, 2);
    const either = await search('[qlregion "Attr_3000_2"] "C-77" or [qlregion "Attr_3000_2"] "C-78"', {
      limit: "2",
      page: "2",
    });
    assert.equal(either.json.collection.paging.total_count, 3);
    assert.equal(either.json.collection.paging.page_total, 2);
    assert.equal(either.json.results.length, 1);
    const inBody = await cs.post("api/v2/search", bodyForm({ where: "OTLocation: 2302 and OTSubType: 144" }));
    assert.equal(inBody.json.results.length, 1);
    assert.equal(inBody.json.results[0].data.properties.name, "statement 2.pdf");
    assert.equal((await search('OTName: "unclosed')).status, 400);
  });

  it("answers hits as the OpenAPI description types them, or in pyxecm's example shape behind a setting", async () => {
    const where = "OTLocation: 2302 and OTSubType: 144";
    const [schemaHit] = (await cs.post("api/v2/search", form({ where }))).json.results;
    assert.equal(schemaHit.search_result_metadata.result_type, 264);
    assert.equal(typeof schemaHit.search_result_metadata.source_id, "number");
    assert.equal("regions" in schemaHit.data, false, "the schema's regions string has no documented content");
    sim.configure({ searchResultShape: "pyxecm" });
    try {
      const [pyxecmHit] = (await cs.post("api/v2/search", form({ where }))).json.results;
      assert.equal(pyxecmHit.search_result_metadata.result_type, "264");
      assert.equal(typeof pyxecmHit.search_result_metadata.source_id, "string");
      assert.equal(pyxecmHit.data.regions.OTName, pyxecmHit.data.properties.name);
    } finally {
      sim.configure({ searchResultShape: "schema" });
    }
  });

  it("lists workspace types and finds workspaces by business object and by type + name", async () => {
    const types = await cs.get("api/v2/businessworkspacetypes?expand_templates=true");
    const names = types.json.results.map((r: any) => r.data.properties.wksp_type_name);
    assert.deepEqual(names, ["Customer", "Claim"]);
    const customer = types.json.results[0].data.properties;
    for (const field of ["ext_system_id", "bo_type", "wksp_type_icon"]) {
      assert.equal(field in customer, false, `${field} is not a type property in pyxecm's example`);
    }
    assert.deepEqual(Object.keys(customer.templates[0]).sort(), ["id", "name"], "what pyxecm's payload reads");
    assert.equal(customer.wksp_creation.location, "StaticNodeId");
    assert.match(customer.wksp_creation.location_value, /^\d+$/);
    const unfiltered = await cs.get("api/v2/businessworkspaces?where_bo_id=C-1002&expanded_view=true");
    assert.ok(unfiltered.json.results.length > 1, "where_bo_* are no evidenced filters: ignored");
    assert.equal("actions" in unfiltered.json.paging, false);
    assert.deepEqual(unfiltered.json.wksp_info, { wksp_type_icon: null }, "one wksp_info per list (pyxecm)");
    assert.equal("wksp_info" in unfiltered.json.results[0], false);
    const single = await cs.get("api/v2/businessworkspaces/5002");
    assert.deepEqual(single.json.results.data.wksp_info, { wksp_type_icon: null }, "inside data (pyxecm)");
    assert.equal(single.json.results.data.properties.wksp_type_name, "Customer");
    const path = await cs.get("api/v2/externalsystems/CRM/botypes/Customer/boids/C-1002");
    assert.equal(path.json.results.length, 1);
    assert.equal(path.json.results[0].data.properties.id, 5002);
    assert.equal(path.json.paging.total_count, 1);
    const byName = await cs.get(
      "api/v2/businessworkspaces?where_workspace_type_name=Customer&where_name=contains_glob",
    );
    assert.deepEqual(
      byName.json.results.map((r: any) => r.data.properties.id),
      [5002],
    );
    const children = await cs.get("api/v2/nodes/5101/nodes");
    assert.ok(children.json.results.some((r: any) => r.data.properties.name === "Correspondence"));
  });

  it("creates a workspace with nested categories (required enforced) and takes documents inside", async () => {
    const missing = await cs.post(
      "api/v2/businessworkspaces",
      bodyForm({ template_id: 9101, name: "No ID", roles: { categories: { "3200": { "3200_3": "x" } } } }),
    );
    assert.equal(missing.status, 400);
    const res = await cs.post(
      "api/v2/businessworkspaces",
      bodyForm({
        template_id: 9101,
        wksp_type_id: 101,
        type: 848,
        name: "Umbrella Corp",
        bo_type: "Customer",
        ext_system_id: "CRM",
        bo_id: "C-2000",
        roles: { categories: { "3200": { "3200_2": "C-2000" } } },
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = res.json.results.id;
    assert.equal(res.json.results.direct_open, true);
    const ws = await cs.get(`api/v2/businessworkspaces/${id}`);
    assert.equal(ws.json.results.data.properties.type, 848);
    assert.equal(ws.json.results.data.properties.parent_id, 2100);
    const folder = (await cs.get(`api/v2/nodes/${id}/nodes?where_name=Correspondence`)).json.results[0].data.properties
      .id;
    const doc = await upload(folder, "welcome.pdf", "C-2000");
    assert.equal(sim.store.findNode(doc)!.parentId, folder);
  });

  it("applies, reads and updates an RM classification with its token; creates, lists and applies holds", async () => {
    const doc = await upload(2301, "record.pdf", "C-1");
    const applied = await cs.post(
      `api/v1/nodes/${doc}/rmclassifications`,
      bodyForm({ class_id: 2051, apply_to_sub_items: false }),
    );
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.json, {}, "no answer body is evidenced for POST/PUT rmclassifications");
    const read = await cs.get(`api/v1/nodes/${doc}/rmclassifications`);
    assert.equal(read.json.data[0].rmclassification_id, 2051);
    assert.equal(read.json.data[0].rsi, "CORR-10Y");
    const token = read.json.rm_metadataToken;
    assert.equal((await cs.put(`api/v1/nodes/${doc}/rmclassifications`, bodyForm({ official: true }))).status, 400);
    assert.equal(
      (await cs.put(`api/v1/nodes/${doc}/rmclassifications`, bodyForm({ rm_metadataToken: token, official: true })))
        .status,
      200,
    );
    assert.equal(
      (await cs.put(`api/v1/nodes/${doc}/rmclassifications`, bodyForm({ rm_metadataToken: token, official: false })))
        .status,
      409,
    );
    const hold = await cs.post(
      "api/v1/holds",
      form({ type: "Legal", name: "Case 42", comment: "", date_applied: "2024-01-01T00:00:00" }),
    );
    assert.equal(typeof hold.json.holdID, "number");
    const holds = await cs.get("api/v2/holds");
    assert.ok(holds.json.results.data.holds.some((h: any) => h.HoldName === "Case 42"));
    assert.equal((await cs.get("api/v2/hold?holdname=Case%2042")).json.results.data.hold.HoldID, hold.json.holdID);
    assert.equal((await cs.post(`api/v1/nodes/${doc}/holds`, bodyForm({ hold_id: hold.json.holdID }))).status, 200);
    assert.equal((await cs.delete(`api/v2/nodes/${doc}`)).status, 400, "a held item cannot be deleted");
  });
});
