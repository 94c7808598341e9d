/*
 * Nodes against a Content Server that carries a call out and then loses its answer (the simulator's after-processing
 * faults): cs-workflow starts one process, cs-archive adds one version and sets category values, each reporting
 * success once, never a second change.
 */
import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csArchive from "../../../nodes/cs-archive/cs-archive";
import csConfig from "../../../nodes/cs-config/cs-config";
import csWorkflow from "../../../nodes/cs-workflow/cs-workflow";
import type { ContentServerClient } from "../../../nodes/lib/content-server";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { Collector, csClient, csConfigNode, until, USERS, uploadText } from "../../helpers/workflow-kit";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");

const ARCHIVE_FOLDER = 2301;
const LOST = [
  ["a 502", { status: 502 }],
  ["a dropped connection", { reset: true }],
] as const;

describe("nodes under lost answers (CS carried the call out, the answer never arrived)", function () {
  this.timeout(20_000);
  let sim: ContentServerSimulator;
  let admin: ContentServerClient;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    sim = await startSeededContentServer();
    admin = csClient(sim, "admin");
  });
  afterEach(async () => {
    await helper.unload();
    await admin.close();
    await sim.close();
  });

  /** One node as admin, wired to a helper; a Catch node on the same tab collects errors. */
  async function load(node: { type: string } & Record<string, unknown>) {
    const flow = [
      { id: "tab1", type: "tab" },
      csConfigNode("csc1", sim),
      { id: "n1", z: "tab1", server: "csc1", x: 100, y: 100, wires: [["out1"]], ...node },
      { id: "out1", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, x: 100, y: 200, wires: [["caught1"]] },
      { id: "caught1", z: "tab1", type: "helper", x: 300, y: 200 },
    ];
    await helper.load([csConfig, csWorkflow, csArchive, catchNode], flow, { csc1: { ...USERS.admin } });
    const out = new Collector(helper.getNode("out1"));
    const caught = new Collector(helper.getNode("caught1"));
    let sent = 0;
    /** The node's answer to `msg`: its output message; an error a Catch node saw fails the test. */
    const answer = async (msg: Record<string, unknown>) => {
      sent++;
      helper.getNode("n1").receive(msg);
      await until(() => out.messages.length + caught.messages.length >= sent, 10_000, "the node's answer");
      assert.deepEqual(
        caught.messages.map((m) => m.error?.message),
        [],
      );
      return out.messages[sent - 1];
    };
    return answer;
  }

  for (const [label, lost] of LOST) {
    it(`cs-workflow start: one process, reported once, when ${label} replaced the Initiate's answer`, async () => {
      const before = new Set(Object.keys(sim.store.data.processes));
      const answer = await load({ type: "cs-workflow", operation: "start", map: "Letter Generation", mapType: "str" });
      // The second PUT on the draft is the Initiate (the first stores the attributes).
      const injected = sim.faults.injected;
      sim.addFault({ method: "PUT", path: "api/v2/draftprocesses/*", every: 2, times: 1, after: true, ...lost });
      const msg = await answer({ workflow: { attributes: { "Customer ID": "C-1", "Letter Type": "Welcome" } } });
      assert.equal(sim.faults.injected - injected, 1, "one answer was lost");
      const started = Object.entries(sim.store.data.processes).filter(
        ([id, p]) => !before.has(id) && p.status !== "draft",
      );
      assert.equal(started.length, 1, "exactly one process");
      assert.equal(msg.workflow.processId, Number(started[0][0]));
    });

    it(`cs-archive policy version: one new version when ${label} replaced the add-version answer`, async () => {
      const folder = (await admin.nodes.createFolder(ARCHIVE_FOLDER, `lost-${label}-${Date.now()}`)).id;
      const answer = await load({
        type: "cs-archive",
        folderId: String(folder),
        category: "Customer Communication",
        checksumAttribute: "SHA-256",
        ambiguousSettleMs: "0",
      });
      const letter = (text: string) => ({
        payload: Buffer.from(text),
        document: { fileName: "0001.pdf" },
        categories: { "3000_2": "C-1" },
      });
      const first = await answer(letter("v1"));
      const injected = sim.faults.injected;
      sim.addFault({ method: "POST", path: "api/v2/nodes/*/versions", after: true, times: 1, ...lost });
      const second = await answer(letter("v2"));
      assert.equal(sim.faults.injected - injected, 1, "one answer was lost");
      assert.equal(second.cs.outcome, "versioned");
      assert.equal((await admin.documents.listVersions(first.cs.nodeId)).length, 2, "exactly one new version");
    });

    it(`cs-archive updateMetadata: the values set and no error when ${label} replaced the apply's answer`, async () => {
      const docId = await uploadText(admin, `template-${Date.now()}.docx`, "tpl");
      const answer = await load({
        type: "cs-archive",
        operation: "updateMetadata",
        category: "Exstream Deployment Record",
        checksumAttribute: "",
      });
      const injected = sim.faults.injected;
      sim.addFault({ method: "POST", path: "api/v2/nodes/*/categories", after: true, times: 1, ...lost });
      const msg = await answer({ cs: { nodeId: docId }, categories: { "3100_3": "res-7" } });
      assert.equal(sim.faults.injected - injected, 1, "one answer was lost");
      assert.equal(msg.cs.outcome, "updated");
      assert.equal((await admin.categories.getCategory(docId, 3100))?.values["3100_3"], "res-7");
    });
  }
});
