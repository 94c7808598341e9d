import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { EventEmitter } from "node:events";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import type { NodeAPI } from "node-red";
import sinon from "sinon";
import csConfig from "../../../nodes/cs-config/cs-config";
import csWorkflowTrigger from "../../../nodes/cs-workflow-trigger/cs-workflow-trigger";
import type { ContentServerClient } from "../../../nodes/lib/content-server";
import { GROUP_COMMIT_SETTING } from "../../../nodes/lib/node-red/ledger-settings";
import { signCallback, signedCallbackHeaders } from "../../../nodes/lib/workflow/callback-auth";
import { awaitPolls, startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { startEmbeddedNodeRed } from "../../helpers/embedded-node-red";
import {
  Collector,
  callbackTriggerFlow,
  csClient,
  csConfigNode,
  startByName,
  until,
  uploadText,
} from "../../helpers/workflow-kit";

helper.init(require.resolve("node-red"));

const SECRET = "callback-shared-secret-for-tests";

describe("cs-workflow-trigger node", function () {
  let sim: ContentServerSimulator;
  let admin: ContentServerClient;
  let integration: ContentServerClient;
  let userDir: string;

  beforeEach(async () => {
    sim = await startSeededContentServer();
    admin = csClient(sim, "admin");
    integration = csClient(sim, "integration");
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "wf-trigger-"));
  });
  afterEach(async () => {
    sinon.restore();
    await admin.close();
    await integration.close();
    await sim.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe("in the test runtime", function () {
    before((done) => {
      helper.startServer(done);
    });
    after((done) => {
      helper.stopServer(done);
    });
    beforeEach(() => {
      helper.settings({ userDir });
    });
    afterEach(async () => {
      await helper.unload();
    });

    function flow(trigger: Record<string, unknown> = {}) {
      return [
        { id: "tab1", type: "tab" },
        csConfigNode("csc1", sim),
        {
          id: "trig1",
          z: "tab1",
          type: "cs-workflow-trigger",
          server: "csc1",
          mode: "poll",
          pollIntervalMs: "20",
          reemitAfterMs: "600000",
          maxInFlight: "10",
          x: 100,
          y: 100,
          wires: [["out1"]],
          ...trigger,
        },
        { id: "out1", z: "tab1", type: "helper", x: 300, y: 100 },
      ];
    }
    const creds = { csc1: { username: "otintegration", password: "integration" } };

    async function load(trigger: Record<string, unknown> = {}, extra: unknown[] = []) {
      await helper.load([csConfig, csWorkflowTrigger, ...(extra as never[])], flow(trigger), creds);
      return new Collector(helper.getNode("out1"));
    }

    describe("poll mode", function () {
      it("emits each new task once with its attributes by name, its attachments and a topic", async () => {
        const docId = await uploadText(admin, "offer.txt", "the offer");
        const processId = await startByName(
          admin,
          "Letter Generation",
          { "Customer ID": "C-1001", "Letter Type": "Policy Change" },
          [docId],
        );
        const out = await load();
        const [msg] = await out.count(1);
        assert.equal(msg.topic, `${processId}/10`);
        assert.equal(msg.workflow.processId, processId);
        assert.equal(msg.workflow.subprocessId, processId);
        assert.equal(msg.workflow.taskId, 10);
        assert.equal(msg.workflow.stepName, "Generate Letter");
        assert.equal(msg.workflow.mapName, "Letter Generation");
        assert.equal(typeof msg.workflow.mapId, "number");
        assert.equal(msg.workflow.attempt, 1);
        assert.equal(msg.workflow.attributes["Customer ID"], "C-1001");
        assert.equal(msg.workflow.attributes["Letter Type"], "Policy Change");
        assert.ok("Workspace ID" in msg.workflow.attributes, "every attribute of the map, by name");
        assert.deepEqual(msg.payload, msg.workflow.attributes);
        assert.equal(msg.workflow.attachments.length, 1);
        assert.equal(msg.workflow.attachments[0].name, "offer.txt");
        assert.equal(typeof msg.workflow.attachments[0].nodeId, "number");
        assert.equal(msg.workflow.attachments[0].mimeType, "text/plain");
        assert.equal(msg.workflow.attachments[0].filename, undefined, "no content unless asked for");
        // more polls: still one message while the task is in flight
        await awaitPolls(sim, 3);
        assert.equal(out.messages.length, 1);
      });

      for (const setting of [undefined, 0] as const) {
        it(`records and claims a new task ${setting === undefined ? "with one fsync off the event loop by default (group commit)" : "with an fsync each on the event loop when group commit is 0"}`, async () => {
          helper.settings({ userDir, [GROUP_COMMIT_SETTING]: setting } as Record<string, unknown>);
          const out = await load();
          await awaitPolls(sim, 2);
          const onTheEventLoop = sinon.spy(fs, "fsyncSync");
          const offIt = sinon.spy(fs, "fsync");
          await startByName(admin, "Letter Generation", { "Customer ID": "C-1001" });
          await out.count(1);
          if (setting === undefined) {
            assert.equal(onTheEventLoop.callCount, 0);
            assert.equal(offIt.callCount, 1, "the record and the claim share one fsync");
          } else {
            assert.equal(onTheEventLoop.callCount, 2);
            assert.equal(offIt.callCount, 0);
          }
        });
      }

      it("streams attachment content to files in the configured folder when enabled", async () => {
        const docId = await uploadText(admin, "contract.txt", "contract text ✓");
        await startByName(admin, "Letter Generation", { "Customer ID": "C-1002" }, [docId]);
        const dir = path.join(userDir, "attachments-here");
        const out = await load({ downloadContent: true, downloadDir: dir });
        const [msg] = await out.count(1);
        const file = msg.workflow.attachments[0].filename as string;
        assert.ok(file.startsWith(dir + path.sep), file);
        assert.equal(fs.readFileSync(file, "utf8"), "contract text ✓");
      });

      it("emits a task again when it is still assigned after the re-emit timeout", async () => {
        await startByName(admin, "Letter Generation", { "Customer ID": "C-1003" });
        const out = await load({ reemitAfterMs: "150" });
        await out.count(2, 2000);
        assert.equal(out.messages[0].workflow.attempt, 1);
        assert.equal(out.messages[1].workflow.attempt, 2);
        assert.equal(out.messages[1].workflow.taskId, out.messages[0].workflow.taskId);
      });

      it("after a restart emits a still-assigned task once more, and a completed one not at all", async () => {
        const stays = await startByName(admin, "Letter Generation", { "Customer ID": "C-2001" });
        const goes = await startByName(admin, "Letter Generation", { "Customer ID": "C-2002" });
        let out = await load();
        await out.count(2);
        await helper.unload();
        // while Node-RED is down, someone completes one of the two tasks
        await integration.workflows.completeTask({ processId: goes, taskId: 10 }, { action: "SendOn" });
        out = await load();
        const [again] = await out.count(1);
        assert.equal(again.workflow.processId, stays);
        assert.equal(again.workflow.attempt, 2);
        await awaitPolls(sim);
        assert.equal(out.messages.length, 1, "re-emitted once, the completed task not at all");
        const ledgerDir = path.join(userDir, "cs-workflow-trigger");
        assert.ok(
          fs.readdirSync(ledgerDir).some((f) => f.startsWith("trig1")),
          "durable record under the user dir",
        );
      });

      it("acknowledges a task that left the assignments and emits the step again when the workflow returns to it", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-3001" });
        const out = await load();
        await out.count(1);
        await integration.workflows.completeTask({ processId, taskId: 10 }, { action: "SendOn" });
        // a whole poll sees the step gone (the same step id coming back between two polls looks like the same task)
        await awaitPolls(sim);
        await admin.workflows.completeTask({ processId, taskId: 20 }, { customAction: "Reject", comment: "redo" });
        const [, again] = await out.count(2);
        assert.equal(again.workflow.processId, processId);
        assert.equal(again.workflow.taskId, 10);
        assert.equal(again.workflow.attempt, 1, "a new occurrence of the step, not a re-emission");
      });

      it("keeps at most maxInFlight tasks in flight and emits the next when one is completed", async () => {
        const first = await startByName(admin, "Letter Generation", { "Customer ID": "C-4001" });
        await startByName(admin, "Letter Generation", { "Customer ID": "C-4002" });
        const out = await load({ maxInFlight: "1" });
        const [msg] = await out.count(1);
        await awaitPolls(sim);
        assert.equal(out.messages.length, 1);
        await integration.workflows.completeTask(
          { processId: msg.workflow.processId, taskId: msg.workflow.taskId },
          { action: "SendOn" },
        );
        const [, second] = await out.count(2);
        assert.notEqual(second.workflow.processId, msg.workflow.processId);
        assert.ok([first, second.workflow.processId].includes(msg.workflow.processId));
      });

      it("filters by workflow map name and by step name", async () => {
        const letter = await startByName(admin, "Letter Generation", { "Customer ID": "C-5001" });
        const claim = await startByName(admin, "Case Correspondence", { "Claim Number": "CLM-1" });
        let out = await load({ maps: "Case Correspondence" });
        await out.count(1);
        await awaitPolls(sim);
        assert.deepEqual(
          out.messages.map((m) => m.workflow.processId),
          [claim],
        );
        assert.equal(out.messages[0].workflow.attributes["Claim Number"], "CLM-1");
        await helper.unload();
        fs.rmSync(path.join(userDir, "cs-workflow-trigger"), { recursive: true, force: true });
        out = await load({ steps: "Generate Letter" });
        await out.count(1);
        await awaitPolls(sim);
        assert.deepEqual(
          out.messages.map((m) => m.workflow.processId),
          [letter],
        );
      });

      describe("map filter on responses that do not name the map", function () {
        /** Starts a workflow whose instance title is not the map's name (the initiator may change it). */
        async function startTitled(map: string, title: string, attributes: Record<string, unknown>) {
          const started = await admin.workflows.startWorkflow({
            mapId: (await admin.nodes.findChildByName(2500, map))!.id,
            title,
            attributes,
          });
          return started.processId;
        }

        it("identifies the map by the instance title and skips, silently, tasks whose step no wanted map has", async () => {
          const claim = await startByName(admin, "Case Correspondence", { "Claim Number": "CLM-1" });
          await startTitled("Letter Generation", "Policy change for C-5002", { "Customer ID": "C-5002" });
          const out = await load({ maps: "Case Correspondence" });
          const trigger = helper.getNode("trig1") as unknown as EventEmitter;
          const warnings: string[] = [];
          trigger.on("call:warn", (call: { args: string[] }) => warnings.push(call.args[0]));
          const [msg] = await out.count(1);
          assert.equal(msg.workflow.processId, claim);
          assert.equal(msg.workflow.mapName, "Case Correspondence");
          assert.equal(msg.workflow.mapId, 2502);
          await awaitPolls(sim);
          assert.equal(out.messages.length, 1);
          assert.deepEqual(warnings, [], "a task of another map is no warning");
        });

        /** A second map with the same steps as "Case Correspondence" but other workflow attributes. */
        function lookalikeMap(): string {
          const source = sim.store.data.workflowMaps["2502"];
          const node = sim.store.createNode({ parentId: 2500, name: "Claims (EU)", type: 128, userId: 1000 });
          sim.store.data.workflowMaps[String(node.id)] = {
            ...structuredClone(source),
            id: node.id,
            title: "Claims (EU)",
            attributes: source.attributes.slice(0, 2),
          };
          return "Claims (EU)";
        }

        it("identifies a renamed instance of a wanted map by its step and its workflow attributes", async () => {
          const renamed = await startTitled("Case Correspondence", "Claim CLM-4 letters", { "Claim Number": "CLM-4" });
          const out = await load({ maps: "Case Correspondence" });
          const [msg] = await out.count(1);
          assert.equal(msg.workflow.processId, renamed);
          assert.equal(msg.workflow.mapId, 2502);
          assert.equal(msg.workflow.title, "Claim CLM-4 letters");
        });

        it("holds a task whose map it cannot identify: warning status and one log line per poll, never silent", async () => {
          const renamed = await startTitled(lookalikeMap(), "Claim CLM-2 letters", { "Claim Number": "CLM-2" });
          const out = await load({ maps: "Case Correspondence", pollIntervalMs: "40" });
          const trigger = helper.getNode("trig1") as unknown as EventEmitter;
          const warnings: string[] = [];
          const statuses: string[] = [];
          trigger.on("call:warn", (call: { args: string[] }) => warnings.push(call.args[0]));
          trigger.on("call:status", (call: { args: Array<Record<string, string>> }) =>
            statuses.push(call.args[0].text),
          );
          await until(() => warnings.length >= 2, 3000, "warnings on two polls");
          assert.match(
            warnings[0],
            new RegExp(`${renamed}/${renamed}/10 "Generate Case Letter" of "Claim CLM-2 letters"`),
          );
          assert.match(warnings[0], /cannot be identified/);
          assert.ok(statuses.includes("cs-workflow-trigger.status.unidentified"), statuses.join());
          const polls = statuses.filter((s) => s.startsWith("cs-workflow-trigger.status.")).length;
          assert.ok(warnings.length <= polls, `${warnings.length} warnings for ${polls} polls`);
          assert.equal(out.messages.length, 0, "held, not emitted");
        });

        it("emits such a task when configured to, without a map id", async () => {
          const renamed = await startTitled(lookalikeMap(), "Claim CLM-3 letters", { "Claim Number": "CLM-3" });
          const out = await load({ maps: "Case Correspondence", unidentifiedMaps: "emit" });
          const [msg] = await out.count(1);
          assert.equal(msg.workflow.processId, renamed);
          assert.equal(msg.workflow.title, "Claim CLM-3 letters");
          assert.equal(msg.workflow.mapId, undefined);
        });
      });

      it("shows polling, tasks in flight and the last error in its status", async () => {
        const out = await load();
        const trigger = helper.getNode("trig1") as unknown as EventEmitter;
        const statuses: Array<Record<string, string>> = [];
        trigger.on("call:status", (call: { args: Array<Record<string, string>> }) => statuses.push(call.args[0]));
        await until(() => statuses.some((s) => s.text === "cs-workflow-trigger.status.polling"), 2000, "polling");
        await startByName(admin, "Letter Generation", { "Customer ID": "C-6001" });
        await out.count(1);
        await until(() => statuses.some((s) => s.text === "cs-workflow-trigger.status.inFlight"), 2000, "in flight");
        assert.equal(statuses.find((s) => s.text === "cs-workflow-trigger.status.inFlight")?.shape, "dot");
        sim.addFault({
          method: "GET",
          path: "api/v2/members/assignments",
          status: 400,
          error: "Assignments are broken",
        });
        await until(() => statuses.some((s) => s.text === "cs-workflow-trigger.status.error"), 2000, "error status");
        const error = statuses.find((s) => s.text === "cs-workflow-trigger.status.error")!;
        assert.equal(error.fill, "red");
        assert.equal(error.shape, "ring");
      });
    });

    describe("callback mode", function () {
      let httpNode: http.Server | undefined;
      let url = "";

      /** A node module that only captures the runtime API, to serve RED.httpNode over real HTTP. */
      function captureHttpNode(RED: NodeAPI): void {
        const app = RED.httpNode as unknown as http.RequestListener;
        httpNode = http.createServer((req, res) => app(req, res));
      }

      async function loadCallback(extra: Record<string, unknown> = {}) {
        const nodes = flow({ mode: "callback", callbackPath: "/wf/callback", ...extra });
        await helper.load([csConfig, csWorkflowTrigger, captureHttpNode as never], nodes, {
          ...creds,
          trig1: { callbackSecret: SECRET },
        });
        await new Promise<void>((resolve) => httpNode!.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(httpNode!.address() as AddressInfo).port}/wf/callback`;
        return new Collector(helper.getNode("out1"));
      }

      afterEach(async () => {
        await new Promise<void>((resolve) => (httpNode ? httpNode.close(() => resolve()) : resolve()));
        httpNode = undefined;
      });

      const post = (body: string, headers: Record<string, string>) =>
        fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

      it("answers a correctly signed callback with 202, then reads the task and emits it", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7001" });
        const out = await loadCallback();
        const body = JSON.stringify({ processId, subprocessId: processId, taskId: 10 });
        const res = await post(body, signedCallbackHeaders(SECRET, body));
        assert.equal(res.status, 202);
        const [msg] = await out.count(1);
        assert.equal(msg.workflow.processId, processId);
        assert.equal(msg.workflow.stepName, "Generate Letter");
        assert.equal(msg.workflow.attributes["Customer ID"], "C-7001");
        assert.equal(msg.workflow.mapName, "Letter Generation");
      });

      it("accepts a base64 signature over a form-encoded body", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7002" });
        const out = await loadCallback();
        const body = `process_id=${processId}&task_id=10`;
        const signed = signedCallbackHeaders(SECRET, body);
        const call = { timestamp: signed["x-callback-timestamp"], nonce: signed["x-callback-nonce"], body };
        const res = await fetch(url, {
          method: "POST",
          body,
          headers: {
            ...signed,
            "content-type": "application/x-www-form-urlencoded",
            "x-signature": signCallback(SECRET, call, "base64"),
          },
        });
        assert.equal(res.status, 202);
        assert.equal((await out.count(1))[0].workflow.processId, processId);
      });

      it("refuses a bad or missing signature with 401 and emits nothing; compares with timingSafeEqual", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7003" });
        const out = await loadCallback();
        const spy = sinon.spy(crypto, "timingSafeEqual");
        const body = JSON.stringify({ processId, taskId: 10 });
        const wrong = signedCallbackHeaders("some-other-secret", body);
        assert.equal((await post(body, wrong)).status, 401);
        assert.ok(spy.called, "the signature is compared with crypto.timingSafeEqual");
        const [a, b] = spy.firstCall.args as unknown as [Buffer, Buffer];
        assert.equal(a.length, b.length);
        assert.equal((await post(body, {})).status, 401);
        const tampered = JSON.stringify({ processId, taskId: 20 });
        assert.equal((await post(tampered, signedCallbackHeaders(SECRET, body))).status, 401);
        // A refused callback is answered when its handling has ended and messages leave in order: a good callback
        // for another process, sent afterwards, is the first message only if the refused ones emitted nothing.
        const later = await startByName(admin, "Letter Generation", { "Customer ID": "C-7013" });
        const good = JSON.stringify({ processId: later, taskId: 10 });
        assert.equal((await post(good, signedCallbackHeaders(SECRET, good))).status, 202);
        const [first] = await out.count(1);
        assert.equal(first.workflow.processId, later, "the refused callbacks emitted nothing");
      });

      it("authenticates by shared secret header when configured so", async () => {
        const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7004" });
        const out = await loadCallback({ callbackAuth: "secret", callbackHeader: "x-wf-secret" });
        const body = JSON.stringify({ processId, taskId: 10 });
        assert.equal((await post(body, { "x-wf-secret": "nope" })).status, 401);
        assert.equal((await post(body, { "x-wf-secret": SECRET })).status, 202);
        assert.equal((await out.count(1))[0].workflow.processId, processId);
      });

      it("removes its route when closed", async () => {
        await loadCallback();
        const body = JSON.stringify({ processId: 1, taskId: 10 });
        assert.equal((await post(body, {})).status, 401);
        await helper.unload();
        assert.equal((await post(body, {})).status, 404);
      });
    });
  });

  describe("in a full Node-RED runtime", function () {
    it("serves the callback under the HTTP node root; the emitted task is sent on by cs-workflow", async () => {
      const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-8001" });
      const nr = await startEmbeddedNodeRed({ nodeTypes: ["cs-config", "cs-workflow-trigger", "cs-workflow"] });
      try {
        const received = new Promise<Record<string, any>>((resolve) =>
          nr.RED.hooks.add(
            "onReceive.wftrigger",
            (event: { destination: { id: string }; msg: Record<string, any> }) => {
              if (event.destination.id === "dbg1") resolve(event.msg);
            },
          ),
        );
        await nr.deploy([
          ...callbackTriggerFlow(sim, "/hooks/wf", SECRET, "dbg1"),
          {
            id: "dbg1",
            z: "tab1",
            type: "cs-workflow",
            server: "csc1",
            operation: "complete",
            x: 300,
            y: 100,
            wires: [],
          },
        ]);
        // the admin API answers the deploy before the flows have started
        await until(() => Boolean(nr.RED.nodes.getNode("trig1")), 3000, "the deployed trigger");
        const body = JSON.stringify({ processId, taskId: 10 });
        const endpoint = `${nr.url}/api/hooks/wf`;
        const headers = { "content-type": "application/json" };
        assert.equal((await fetch(endpoint, { method: "POST", body, headers })).status, 401);
        const signed = { ...headers, ...signedCallbackHeaders(SECRET, body) };
        assert.equal((await fetch(endpoint, { method: "POST", body, headers: signed })).status, 202);
        const msg = await received;
        assert.equal(msg.workflow.processId, processId);
        assert.equal(msg.payload["Customer ID"], "C-8001");
        await until(
          async () => (await admin.workflows.getProcessStatus(processId)).current[0]?.taskName === "Review Letter",
          3000,
          "the step sent on by cs-workflow",
        );
      } finally {
        nr.RED.hooks.remove("*.wftrigger");
        await nr.stop();
      }
    });
  });
});
