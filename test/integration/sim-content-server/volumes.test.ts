import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller } from "./cs-http";

describe("content-server simulator: volumes by subtype (GET api/v2/volumes/{type})", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
  });
  afterEach(() => sim.configure({ volumesRoute: true }));
  after(() => sim.close());

  for (const [type, id, name] of [
    [141, 2000, "Enterprise Workspace"],
    [133, 2004, "Categories"],
    [198, 2060, "Classifications"],
    [550, 2050, "Records Management"],
  ] as const) {
    it(`answers volume type ${type} with its root node as a v2 element (results.data.properties)`, async () => {
      const res = await cs.get(`api/v2/volumes/${type}`);
      assert.equal(res.status, 200);
      const properties = res.json.results.data.properties;
      assert.equal(properties.id, id);
      assert.equal(properties.type, type);
      assert.equal(properties.name, name);
      assert.equal(properties.parent_id, -1);
    });
  }

  it("answers with the OpenAPI description's errors: not a root subtype, not registered, not a number", async () => {
    const document = await cs.get("api/v2/volumes/144");
    assert.equal(document.status, 500);
    assert.equal(document.json.error, "Subtype 144 is not a root subtype");
    const unknown = await cs.get("api/v2/volumes/4711");
    assert.equal(unknown.status, 500);
    assert.equal(unknown.json.error, "Subtype 4711 not registered");
    const text = await cs.get("api/v2/volumes/categories");
    assert.equal(text.status, 400);
  });

  it("refuses the route with 400 like an installation without it (volumesRoute off)", async () => {
    sim.configure({ volumesRoute: false });
    const res = await cs.get("api/v2/volumes/133");
    assert.equal(res.status, 400);
    assert.match(res.json.error, /could not be found in the mappings registry/);
  });
});
