/*
 * Starting a workflow when Content Server carried out the draft or the Initiate but its answer was lost: the start
 * fails visibly and is not sent again, so the map runs at most once (exactly once when the Initiate landed).
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

  for (const [step, fault, expected] of [
    ["the draft", { method: "POST", path: "api/v2/draftprocesses" }, { drafts: 1, started: 0 }],
    // The second PUT on the draft: the first stores the title and attributes (formUpdate), the second is Initiate.
    ["the Initiate", { method: "PUT", path: "api/v2/draftprocesses/*", every: 2 }, { drafts: 0, started: 1 }],
  ] as const) {
    for (const [label, lost] of [
      ["a 502", { status: 502 }],
      ["a dropped connection", { reset: true }],
    ] as const) {
      it(`fails without sending again when ${step} was carried out but ${label} replaced its answer`, async () => {
        const title = uniqueName("Lost start");
        const before = new Set(Object.keys(sim.sim.store.data.processes));
        await sim.addFault({ ...fault, after: true, times: 1, ...lost });
        const err = await sim
          .client()
          .workflows.startWorkflow({ mapId, title, attributes: { "Customer ID": "C-1", "Letter Type": "Welcome" } })
          .catch((e: unknown) => e);
        assert.ok(err instanceof ContentServerError, JSON.stringify(err));
        assert.deepEqual(
          newProcesses(before),
          expected,
          "nothing sent twice: at most one process, exactly one started",
        );
      });
    }
  }
});
