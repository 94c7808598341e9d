/*
 * Starting a workflow when Content Server carried out the draft or the Initiate but its answer was lost: a lost draft
 * fails the start visibly (nothing started); a lost Initiate is looked up, so the map runs exactly once.
 */
import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

const WORKFLOW_MAP_TYPE = 128;

describe("content-server client: workflow start with a lost answer", function () {
  let sim: TestSim;
  let mapId: number;

  before(async () => {
    sim = await startSim();
    const client = sim.client();
    const folder = await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, "Workflow Maps");
    const map = await client.nodes.findChildByName(folder!.id, "Letter Generation", { type: WORKFLOW_MAP_TYPE });
    mapId = map!.id;
  });
  after(() => sim.close());
  afterEach(() => sim.clearFaults());

  /** Processes (drafts apart from started ones) the simulator holds that were not there before. */
  function newProcesses(before: Set<string>): { drafts: number; started: number } {
    const added = Object.entries(sim.sim.store.data.processes)
      .filter(([id]) => !before.has(id))
      .map(([, p]) => p);
    return {
      drafts: added.filter((p) => p.status === "draft").length,
      started: added.filter((p) => p.status !== "draft").length,
    };
  }

  const start = (title: string) =>
    sim
      .client()
      .workflows.startWorkflow({ mapId, title, attributes: { "Customer ID": "C-1", "Letter Type": "Welcome" } });
  // The second PUT on the draft: the first stores the title and attributes (formUpdate), the second is Initiate.
  const initiate = { method: "PUT", path: "api/v2/draftprocesses/*", every: 2, times: 1 };

  for (const [label, lost] of [
    ["a 502", { status: 502 }],
    ["a dropped connection", { reset: true }],
  ] as const) {
    it(`fails without sending again when the draft was created but ${label} replaced its answer`, async () => {
      const before = new Set(Object.keys(sim.sim.store.data.processes));
      await sim.addFault({ method: "POST", path: "api/v2/draftprocesses", after: true, times: 1, ...lost });
      const err = await start(uniqueName("Lost draft")).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, JSON.stringify(err));
      assert.deepEqual(newProcesses(before), { drafts: 1, started: 0 }, "one draft, nothing started");
    });

    it(`finds the process the Initiate started when ${label} replaced its answer, and starts no second one`, async () => {
      const before = new Set(Object.keys(sim.sim.store.data.processes));
      await sim.addFault({ ...initiate, after: true, ...lost });
      const started = await start(uniqueName("Lost start"));
      assert.deepEqual(newProcesses(before), { drafts: 0, started: 1 }, "exactly one process");
      const [process] = Object.entries(sim.sim.store.data.processes).filter(([id]) => !before.has(id));
      assert.equal(started.processId, Number(process[0]), "the process that was started");
    });
  }

  it("sends the Initiate once more when it failed before CS carried it out", async () => {
    const before = new Set(Object.keys(sim.sim.store.data.processes));
    await sim.addFault({ ...initiate, status: 502 });
    const started = await start(uniqueName("Retried start"));
    assert.deepEqual(newProcesses(before), { drafts: 0, started: 1 });
    assert.ok(sim.sim.store.data.processes[String(started.processId)]);
  });
});
