import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, form, multipart } from "./cs-http";

describe("content-server simulator: categories", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  let doc: number;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
    doc = (
      await cs.post(
        "api/v2/nodes",
        multipart({ type: 144, parent_id: 2301, name: "c.txt" }, { name: "c.txt", type: "text/plain", content: "c" }),
      )
    ).json.results.data.properties.id;
  });
  after(() => sim.close());

  it("applies a category with plain form fields (repeated keys = multi-value), refuses it twice", async () => {
    const res = await cs.post(
      `api/v2/nodes/${doc}/categories`,
      form({
        category_id: 3000,
        "3000_2": "C-1001",
        "3000_5": "2024-05-10",
        "3000_11": ["a", "b"],
        "3000_21_2_22": "Email",
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const again = await cs.post(`api/v2/nodes/${doc}/categories`, form({ category_id: 3000, "3000_2": "x" }));
    assert.equal(again.status, 400);
    assert.match(again.json.error, /already exists/);
  });

  it("reads flat values and, with metadata, the definition (types, multi-value, set keys)", async () => {
    const res = await cs.get(`api/v2/nodes/${doc}/categories?metadata`);
    const [cat] = res.json.results;
    assert.equal(cat.data.categories["3000_2"], "C-1001");
    assert.equal(cat.data.categories["3000_5"], "2024-05-10T00:00:00");
    assert.deepEqual(cat.data.categories["3000_11"], ["a", "b"]);
    assert.equal(cat.data.categories["3000_21_2_22"], "Email");
    assert.ok("3000_21_1_22" in cat.data.categories, "set row 1 keeps its keys");
    assert.equal(cat.metadata.categories["3000_5"].type_name, "Date");
    assert.equal(cat.metadata.categories["3000_11"].multi_value, true);
    assert.equal(cat.metadata.categories["3000_21"].persona, "set");
    assert.ok(cat.metadata.categories["3000_21_x_24"]);
    assert.deepEqual(cat.metadata_order.categories, ["3000"]);
    const single = await cs.get(`api/v2/nodes/${doc}/categories/3000`);
    assert.ok(!Array.isArray(single.json.results));
    assert.equal((await cs.get(`api/v2/nodes/${doc}/categories/3100`)).status, 400);
  });

  it("updates values with the token from the update form; a stale token answers 409", async () => {
    const formRes = await cs.get(`api/v1/forms/nodes/categories/update?id=${doc}&category_id=3000`);
    const token = formRes.json.forms[0].data["3000_1"].metadata_token;
    assert.equal(typeof token, "string");
    const ok = await cs.put(
      `api/v2/nodes/${doc}/categories/3000`,
      bodyForm({ "3000_1": { metadata_token: token }, "3000_16": "Delivered" }),
    );
    assert.equal(ok.status, 200);
    const stale = await cs.put(
      `api/v2/nodes/${doc}/categories/3000`,
      bodyForm({ "3000_1": { metadata_token: token }, "3000_16": "Late" }),
    );
    assert.equal(stale.status, 409);
    assert.equal(sim.store.findNode(doc)!.categories["3000"].values["3000_16"], "Delivered");
  });

  it("refuses foreign keys, bad dates, emptied required attributes", async () => {
    assert.equal((await cs.put(`api/v2/nodes/${doc}/categories/3000`, form({ "3100_2": "true" }))).status, 400);
    assert.equal((await cs.put(`api/v2/nodes/${doc}/categories/3000`, form({ "3000_5": "10/05/2024" }))).status, 400);
    const emptied = await cs.put(`api/v2/nodes/${doc}/categories/3000`, form({ "3000_2": "" }));
    assert.equal(emptied.status, 400);
    assert.match(emptied.json.error, /required/);
  });

  it("serves the create form in forms[] (pyxecm) or bare (OpenAPI, --category-forms schema) and removes a category", async () => {
    const res = await cs.get(`api/v1/forms/nodes/categories/create?id=${doc}&category_id=3100`);
    const [f] = res.json.forms;
    assert.equal(f.data.category_id, 3100);
    assert.equal(f.schema.properties["3100_3"].title, "Exstream Resource ID");
    assert.equal(f.schema.properties["3100_9"].type, "array");
    sim.configure({ categoryForms: "schema" });
    try {
      const bare = (await cs.get(`api/v1/forms/nodes/categories/create?id=${doc}&category_id=3100`)).json;
      assert.equal(bare.forms, undefined, "the OpenAPI shape has data/options/schema at the top level");
      assert.deepEqual(bare, f);
    } finally {
      sim.configure({ categoryForms: "forms" });
    }
    assert.equal((await cs.delete(`api/v2/nodes/${doc}/categories/3000`)).status, 200);
    assert.equal((await cs.get(`api/v2/nodes/${doc}/categories`)).json.results.length, 0);
  });

  it("takes the category form shape from --category-forms and refuses other values", async () => {
    const bare = await startSeededContentServer({ "category-forms": "schema" });
    try {
      const caller = await new CsCaller(bare.url).login();
      const res = await caller.get(`api/v1/forms/nodes/categories/create?id=2000&category_id=3100`);
      assert.equal(res.json.forms, undefined);
      assert.equal(res.json.schema.properties["3100_3"].title, "Exstream Resource ID");
    } finally {
      await bare.close();
    }
    await assert.rejects(startSeededContentServer({ "category-forms": "wrapped" }), /forms or schema/);
  });
});
