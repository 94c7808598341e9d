import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csConfig from "../../../nodes/cs-config/cs-config";
import csWorkflow from "../../../nodes/cs-workflow/cs-workflow";
import type { ContentServerClient } from "../../../nodes/lib/content-server";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { Collector, csClient, csConfigNode, startByName, until, USERS, uploadText } from "../../helpers/workflow-kit";

helper.init(require.resolve("node-red"));

const catchNode = require("@node-red/nodes/core/common/25-catch.js");

type User = keyof typeof USERS;

describe("cs-workflow node", function () {
  let sim: ContentServerSimulator;
  let admin: ContentServerClient;
  let integration: ContentServerClient;
  let approver: ContentServerClient;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    sim = await startSeededContentServer();
    admin = csClient(sim, "admin");
    integration = csClient(sim, "integration");
    approver = csClient(sim, "approver");
  });
  afterEach(async () => {
    await helper.unload();
    for (const client of [admin, integration, approver]) await client.close();
    await sim.close();
  });

  /** cs-workflow as `user`, wired to a helper; a Catch node on the same tab collects errors. */
  async function load(props: Record<string, unknown>, user: User = "integration") {
    const flow = [
      { id: "tab1", type: "tab" },
      csConfigNode("csc1", sim),
      { id: "wf1", z: "tab1", type: "cs-workflow", server: "csc1", x: 100, y: 100, wires: [["out1"]], ...props },
      { id: "out1", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, x: 100, y: 200, wires: [["caught1"]] },
      { id: "caught1", z: "tab1", type: "helper", x: 300, y: 200 },
    ];
    await helper.load([csConfig, csWorkflow, catchNode], flow, { csc1: { ...USERS[user] } });
    return {
      node: helper.getNode("wf1"),
      out: new Collector(helper.getNode("out1")),
      caught: new Collector(helper.getNode("caught1")),
    };
  }

  async function assignedTo(client: ContentServerClient, processId: number) {
    return (await client.workflows.listMyAssignments()).filter((a) => a.processId === processId).map((a) => a.name);
  }

  describe("start", function () {
    it("starts a workflow from a map NAME with attributes by name and attached documents", async () => {
      const docId = await uploadText(admin, "policy.txt", "policy change");
      const { node, out } = await load(
        {
          operation: "start",
          map: "Letter Generation",
          mapType: "str",
          title: "Policy change C-1001",
          titleType: "str",
          comment: "from Node-RED",
          commentType: "str",
        },
        "admin",
      );
      node.receive({
        payload: "ignored: attributes come from msg.workflow.attributes",
        workflow: { attributes: { "Customer ID": "C-1001", "Letter Type": "Policy Change" } },
        cs: { nodeId: docId },
      });
      const [msg] = await out.count(1);
      const processId = msg.workflow.processId as number;
      assert.equal(typeof processId, "number");
      assert.equal(typeof msg.workflow.draftProcessId, "number");
      assert.equal(msg.workflow.mapName, "Letter Generation");
      assert.deepEqual(msg.workflow.docIds, [docId]);
      const status = await admin.workflows.getProcessStatus(processId);
      assert.equal(status.name, "Policy change C-1001");
      assert.deepEqual(
        status.current.map((s) => s.taskName),
        ["Generate Letter"],
      );
      const attached = await admin.nodes.listChildren(status.attachmentFolderId!);
      assert.deepEqual(
        attached.items.map((n) => n.name),
        ["policy.txt"],
      );
      const form = await integration.workflows.getTaskForm({ processId, taskId: 10 });
      const byTitle = Object.fromEntries(form.fields.map((f) => [f.title, form.values[f.key]]));
      assert.equal(byTitle["Customer ID"], "C-1001");
      assert.equal(byTitle["Letter Type"], "Policy Change");
    });

    it("takes the attributes from msg.payload and a map id from msg.workflow when the fields are blank", async () => {
      const mapId = (await admin.search.search({ where: 'OTName: "Template Approval" and OTSubType: 128' })).items[0]
        .id;
      const { node, out } = await load({ operation: "start" }, "admin");
      node.receive({ payload: { "Template Name": "Disclaimer" }, workflow: { mapId } });
      const [msg] = await out.count(1);
      const status = await admin.workflows.getProcessStatus(msg.workflow.processId);
      assert.deepEqual(
        status.current.map((s) => s.taskName),
        ["Approve Template"],
      );
      assert.equal(msg.workflow.mapName, "Template Approval");
    });

    it("fails with a clear error when the map does not exist or a required attribute is missing", async () => {
      const { node, caught } = await load({ operation: "start", map: "No Such Map", mapType: "str" }, "admin");
      node.receive({ payload: { "Customer ID": "C-1" } });
      const [err] = await caught.count(1);
      assert.match(err.error.message, /ContentServerError: .*workflow map "No Such Map" not found/);
      assert.deepEqual(err.failure, {
        reason: 'findWorkflowMap: workflow map "No Such Map" not found',
        permanent: true,
      });

      await helper.unload();
      const second = await load({ operation: "start", map: "Letter Generation", mapType: "str" }, "admin");
      second.node.receive({ payload: { "Letter Type": "x" } });
      const [missing] = await second.caught.count(1);
      assert.match(missing.error.message, /Customer ID' is required/);
      assert.equal(missing.failure.permanent, true);
    });
  });

  describe("complete", function () {
    it("sends on with a comment and attribute values by name; the next step appears for its assignees", async () => {
      const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-2001" });
      const { node, out } = await load({
        operation: "complete",
        comment: "letter generated",
        commentType: "str",
        attributes: '{"Generated Document ID": 4711}',
        attributesType: "json",
      });
      node.receive({ workflow: { processId, subprocessId: processId, taskId: 10 } });
      const [msg] = await out.count(1);
      assert.deepEqual(msg.workflow.completed, {
        action: "SendOn",
        comment: "letter generated",
        values: { "Generated Document ID": 4711 },
        outcome: "completed",
      });
      assert.deepEqual(await assignedTo(integration, processId), []);
      assert.deepEqual(await assignedTo(approver, processId), ["Review Letter"]);
      const form = await approver.workflows.getTaskForm({ processId, taskId: 20 });
      const key = form.fields.find((f) => f.title === "Generated Document ID")!.key;
      assert.equal(form.values[key], 4711);
    });

    it("completes with a custom disposition: Approve ends the instance, Reject returns it to the integration user", async () => {
      const approved = await startByName(admin, "Letter Generation", { "Customer ID": "C-3001" });
      const rejected = await startByName(admin, "Letter Generation", { "Customer ID": "C-3002" });
      for (const processId of [approved, rejected]) {
        await integration.workflows.completeTask({ processId, taskId: 10 }, { action: "SendOn" });
      }
      const { node, out } = await load({ operation: "complete" }, "approver");
      node.receive({ workflow: { processId: approved, taskId: 20, customAction: "Approve", comment: "fine" } });
      node.receive({ workflow: { processId: rejected, taskId: 20, customAction: "Reject", comment: "redo" } });
      await out.count(2);
      assert.equal((await admin.workflows.getProcessStatus(approved)).status, "completed");
      assert.deepEqual(await assignedTo(integration, rejected), ["Generate Letter"]);
      assert.deepEqual(await assignedTo(approver, rejected), []);
    });

    it("configured custom action wins over msg and reports a wrong disposition as a clear error", async () => {
      const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-4001" });
      await integration.workflows.completeTask({ processId, taskId: 10 }, { action: "SendOn" });
      const { node, caught, out } = await load(
        { operation: "complete", customAction: "Escalate", customActionType: "str" },
        "approver",
      );
      node.receive({ workflow: { processId, taskId: 20, customAction: "Approve" } });
      const [err] = await caught.count(1);
      assert.match(err.error.message, /ContentServerError: completeTask: Invalid custom action 'Escalate'/);
      assert.equal(err.failure.permanent, true);
      assert.equal(out.messages.length, 0);
      assert.deepEqual(await assignedTo(approver, processId), ["Review Letter"], "nothing changed");
    });

    it("refuses an action together with a custom action before sending anything", async () => {
      const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-5001" });
      const { node, caught } = await load({ operation: "complete", action: "SendOn", actionType: "str" });
      sim.resetCounters();
      node.receive({ workflow: { processId, taskId: 10, customAction: "Approve" } });
      const [err] = await caught.count(1);
      assert.match(err.error.message, /cs-workflow\.errors\.bothActions/);
      assert.deepEqual(err.failure, { reason: err.failure.reason, permanent: true });
      assert.equal(sim.counters.requests, 0, "no request reached Content Server");
      assert.deepEqual(await assignedTo(integration, processId), ["Generate Letter"]);
    });

    it("reports a task that is not assigned to this user as a clear error", async () => {
      const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-6001" });
      const { node, caught } = await load({ operation: "complete" }, "approver");
      node.receive({ workflow: { processId, subprocessId: processId, taskId: 10 } });
      const [err] = await caught.count(1);
      assert.match(err.error.message, /Could not get a workflow for .*not assigned to this user/);
      assert.equal(err.failure.permanent, true);
      assert.deepEqual(await assignedTo(integration, processId), ["Generate Letter"]);
    });

    describe("when the send-on was applied but its answer was lost", function () {
      const taskPath = "api/v2/processes/*/subprocesses/*/tasks/*";
      for (const [label, fault] of [
        ["a reset connection", { reset: true }],
        ["a 502 from a gateway", { status: 502, error: "Bad Gateway" }],
        ["a 504 from a gateway", { status: 504, error: "Gateway Timeout" }],
      ] as const) {
        it(`settles at once after ${label}: the step moved on exactly once, the message goes on`, async () => {
          const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-8101" });
          const { node, out, caught } = await load({ operation: "complete", comment: "done", commentType: "str" });
          sim.addFault({ method: "PUT", path: taskPath, after: true, times: 1, ...fault });
          node.receive({ workflow: { processId, taskId: 10 } });
          const [msg] = await out.count(1);
          assert.equal(msg.workflow.completed.outcome, "settled");
          assert.deepEqual(caught.messages, []);
          assert.deepEqual(await assignedTo(approver, processId), ["Review Letter"]);
          const process = sim.store.data.processes[String(processId)];
          assert.deepEqual(
            process.completed.map((s) => s.stepId),
            [10],
            "the step was completed once",
          );
          assert.equal(process.comments.filter((c) => c.text === "done").length, 1, "one comment");
        });
      }

      it("sends once more at once when the failed call was not applied (the task is still assigned)", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-8102" });
        const { node, out } = await load({ operation: "complete" });
        sim.addFault({ method: "PUT", path: taskPath, status: 502, error: "Bad Gateway", times: 1 });
        node.receive({ workflow: { processId, taskId: 10 } });
        const [msg] = await out.count(1);
        assert.equal(msg.workflow.completed.outcome, "completed");
        assert.deepEqual(await assignedTo(approver, processId), ["Review Letter"]);
      });

      it("keeps the original failure when the task state cannot be read either", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-8103" });
        const { node, caught } = await load({ operation: "complete" });
        sim.addFault({ method: "PUT", path: taskPath, status: 504, error: "Gateway Timeout", times: 1 });
        sim.addFault({ method: "GET", path: "api/v1/forms/processes/tasks/update", status: 503, error: "down" });
        node.receive({ workflow: { processId, taskId: 10 } });
        const [err] = await caught.count(1);
        assert.match(err.error.message, /HTTP 504/);
        assert.equal(err.failure.permanent, false);
      });
    });

    it("asks for the task ids when msg.workflow does not carry them", async () => {
      const { node, caught } = await load({ operation: "complete" });
      node.receive({ payload: "no workflow" });
      const [err] = await caught.count(1);
      assert.match(err.error.message, /cs-workflow\.errors\.noTask/);
    });
  });

  it("shows working, then the outcome with counts and time, then the failed operation and its HTTP status", async () => {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7001" });
    const { node, out, caught } = await load({ operation: "complete" });
    const statuses: Array<Record<string, string>> = [];
    (node as unknown as NodeJS.EventEmitter).on("call:status", (call: { args: Array<Record<string, string>> }) =>
      statuses.push(call.args[0]),
    );
    node.receive({ workflow: { processId, taskId: 10 } });
    await out.count(1);
    node.receive({ workflow: { processId, taskId: 10 } });
    await caught.count(1);
    await until(() => statuses.length >= 4, 5000, "the failed status");
    const time = "\\d\\d:\\d\\d:\\d\\d";
    const expected = [
      /^blue\/dot\/cs-workflow\.status\.completing$/,
      new RegExp(`^green/dot/cs-workflow\\.status\\.completed · ✓1 · ${time}$`),
      /^blue\/dot\/cs-workflow\.status\.completing$/,
      new RegExp(`^red/ring/[\\w ]+: HTTP \\d{3} · ✓1 ✗1 · ${time}$`),
    ];
    const shown = statuses.map((s) => `${s.fill}/${s.shape}/${s.text}`);
    assert.equal(shown.length, expected.length, shown.join("\n"));
    shown.forEach((text, i) => assert.match(text, expected[i]));
  });

  it("refuses every message with a bad configuration through done(err) and msg.failure, never dropping one", async () => {
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "wf1", z: "tab1", type: "cs-workflow", server: "missing", operation: "start", wires: [["out1"]] },
      { id: "out1", z: "tab1", type: "helper" },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught1"]] },
      { id: "caught1", z: "tab1", type: "helper" },
    ];
    await helper.load([csConfig, csWorkflow, catchNode], flow);
    const node = helper.getNode("wf1");
    const caught = new Collector(helper.getNode("caught1"));
    const out = new Collector(helper.getNode("out1"));
    node.receive({ payload: 1, workflow: { mapId: 1 } });
    node.receive({ payload: 2, workflow: { mapId: 1 } });
    const errors = await caught.count(2);
    for (const err of errors) {
      // The error names the problem (the test runtime has no message catalogue: its key stands for the text).
      assert.match(err.error.message, /cs-workflow\.errors\.noServer/);
      assert.match(err.failure.reason, /cs-workflow\.errors\.noServer/);
      assert.equal(err.failure.permanent, true, "the same configuration fails every message");
    }
    assert.deepEqual(
      errors.map((e) => e.payload),
      [1, 2],
    );
    assert.equal(out.messages.length, 0);
  });
});
