import assert from "node:assert/strict";
import { startSim, type TestSim } from "./support";

/**
 * Names are found inside volumes (GET api/v2/volumes/{type}, then the volume's tree); an installation that refuses
 * the volumes route is searched instead. The search is made to fail where it must not be used, so each test proves
 * which path found the item.
 */
describe("content-server client: volumes and names inside them", function () {
  let sim: TestSim;
  const refuseSearch = () => sim.addFault({ method: "POST", path: "api/v2/search", status: 400, error: "no search" });

  before(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.clearFaults();
    sim.sim.configure({ volumesRoute: true });
  });
  after(async () => sim.close());

  it("reads volumes by subtype: Enterprise 141, Categories 133, Classifications 198, Records Management 550", async () => {
    const client = sim.client();
    for (const [type, id] of [
      [141, 2000],
      [133, 2004],
      [198, 2060],
      [550, 2050],
    ]) {
      const volume = await client.volumes.getVolume(type);
      assert.equal(volume.id, id);
      assert.equal(volume.type, type);
    }
  });

  it("finds a category by name in the Categories volume without searching", async () => {
    await refuseSearch();
    const client = sim.client();
    assert.equal(await client.categories.resolveCategoryId("customer communication"), 3000);
  });

  it("falls back to search when the installation refuses the volumes route", async () => {
    sim.sim.configure({ volumesRoute: false });
    assert.equal(await sim.client().categories.resolveCategoryId("Customer Communication"), 3000);
    await refuseSearch();
    await assert.rejects(sim.client().categories.resolveCategoryId("Customer Communication"), /no search/);
  });

  it("finds RM Classifications (551) and Classifications (199) by name in the file plan, walked or searched", async () => {
    await refuseSearch();
    let client = sim.client();
    assert.equal((await client.records.findClassificationByName("Customer Correspondence"))?.id, 2051);
    const classification = await client.records.findClassificationByName("supplier correspondence");
    assert.equal(classification?.id, 2054);
    assert.equal(classification?.type, 199);

    await sim.clearFaults();
    assert.equal(await client.records.findClassificationByName("No Such Classification"), undefined);
    sim.sim.configure({ volumesRoute: false });
    client = sim.client();
    assert.equal((await client.records.findClassificationByName("Regulatory Evidence"))?.id, 2053);
    assert.equal((await client.records.findClassificationByName("Supplier Correspondence"))?.id, 2054);
  });
});
