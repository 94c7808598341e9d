/*
 * Workflow callbacks (cs-workflow-trigger, callback mode) as an attacker sees them: a captured callback replayed
 * later or after a restart, a stale or re-stamped one, a repeated one; and the route removal, which must leave a
 * user's own HTTP In route on the same path alone.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import sinon from "sinon";
import type { NodeAPI } from "node-red";
import csConfig from "../../nodes/cs-config/cs-config";
import csWorkflowTrigger from "../../nodes/cs-workflow-trigger/cs-workflow-trigger";
import type { ContentServerClient } from "../../nodes/lib/content-server";
import { signedCallbackHeaders } from "../../nodes/lib/workflow/callback-auth";
import { WorkflowTaskTracker } from "../../nodes/lib/workflow/task-tracker";
import { startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { USERS, callbackTriggerFlow, csClient, startByName, until } from "../helpers/workflow-kit";

const SECRET = "callback-secret-for-security-tests";
const CALLBACK_PATH = "/hooks/wf";

helper.init(require.resolve("node-red"));
const httpIn = require("@node-red/nodes/core/network/21-httpin.js");

describe("security: removing the workflow callback route", function () {
  let sim: ContentServerSimulator;
  let server: http.Server | undefined;

  /** A node module that only captures the runtime API, to serve RED.httpNode over real HTTP. */
  function serveHttpNode(RED: NodeAPI): void {
    const app = RED.httpNode as unknown as http.RequestListener;
    server = http.createServer((req, res) => app(req, res));
  }

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    sim = await startSeededContentServer();
    helper.settings({ userDir: fs.mkdtempSync(path.join(os.tmpdir(), "wf-route-security-")) });
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    await sim.close();
  });

  it("leaves a user's own HTTP In route on the same path in place when the trigger closes", async () => {
    const flow = [
      ...callbackTriggerFlow(sim, CALLBACK_PATH, SECRET, "out1").map(({ credentials: _c, ...n }) => n),
      { id: "out1", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "in1", z: "tab1", type: "http in", url: CALLBACK_PATH, method: "post", x: 100, y: 200, wires: [["res1"]] },
      { id: "res1", z: "tab1", type: "http response", statusCode: "", headers: {}, x: 300, y: 200, wires: [] },
    ];
    await helper.load([csConfig, csWorkflowTrigger, httpIn, serveHttpNode as never], flow, {
      csc1: { ...USERS.integration },
      trig1: { callbackSecret: SECRET },
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}${CALLBACK_PATH}`;
    const call = () => fetch(url, { method: "POST", body: "mine", headers: { "content-type": "text/plain" } });
    assert.equal((await call()).status, 401, "the trigger's route answers first");

    // The trigger goes (removed or redeployed); the user's nodes keep running.
    await new Promise<void>((resolve) =>
      helper
        .getNode("trig1")
        .close(true)
        .then(() => resolve()),
    );
    const answer = await call();
    assert.equal(answer.status, 200, "the user's route still answers");
    assert.equal(await answer.text(), "mine", "answered by the user's flow (it echoes the body)");
  });
});

describe("security: workflow callbacks", function () {
  this.timeout(30_000);
  let sim: ContentServerSimulator;
  let admin: ContentServerClient;
  let userDir: string;
  let nr: EmbeddedNodeRed | undefined;
  let received: Array<Record<string, any>>;

  beforeEach(async () => {
    sim = await startSeededContentServer();
    admin = csClient(sim, "admin");
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "wf-callback-security-"));
  });
  afterEach(async () => {
    if (nr) await stop();
    await admin.close();
    await sim.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  function triggerFlow(extra: unknown[] = []) {
    return [
      ...callbackTriggerFlow(sim, CALLBACK_PATH, SECRET, "sink"),
      { id: "sink", z: "tab1", type: "junction", x: 300, y: 100, wires: [] },
      ...extra,
    ];
  }

  /** Starts Node-RED on the shared user dir (ledgers survive a restart) and deploys the trigger flow. */
  async function start(extra: unknown[] = []): Promise<EmbeddedNodeRed> {
    nr = await startEmbeddedNodeRed({
      nodeTypes: ["cs-config", "cs-workflow-trigger"],
      userDir,
    });
    received = [];
    nr.RED.hooks.add("onReceive.wfsecurity", (event: { destination: { id: string }; msg: Record<string, any> }) => {
      if (event.destination.id === "sink") received.push(event.msg);
    });
    await nr.deploy(triggerFlow(extra));
    await until(() => Boolean(nr!.RED.nodes.getNode("trig1")), 3000, "the deployed trigger");
    return nr;
  }

  async function stop(): Promise<void> {
    nr!.RED.hooks.remove("*.wfsecurity");
    await nr!.stop();
    nr = undefined;
  }

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${nr!.url}/api${CALLBACK_PATH}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  /**
   * Sends a good callback for a task of another process and waits for its message. Messages leave in order and a
   * refused callback is answered after its handling ended: whatever earlier callbacks emitted arrives before this one.
   */
  async function laterGoodCallback(customerId: string): Promise<number> {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": customerId });
    const body = JSON.stringify({ processId, taskId: 10 });
    const seen = received.length;
    assert.equal((await post(body, signedCallbackHeaders(SECRET, body))).status, 202);
    await until(() => received.some((msg) => msg.workflow.processId === processId), 5000, "the later good callback");
    assert.equal(received.length, seen + 1, "only the later good callback emitted meanwhile");
    return processId;
  }

  /** Waits until the trigger has recorded `n` callbacks in all (a repeat is recorded as one: nothing due). */
  async function recordedCallbacks(spy: sinon.SinonSpy, n: number): Promise<void> {
    await until(() => spy.callCount >= n, 5000, `${n} recorded callbacks`);
    assert.equal(spy.callCount, n);
    await spy.lastCall.returnValue; // the record is asynchronous: it is complete once its promise settles
    // A message sent right after the record would have reached the sink on these turns of the event loop.
    for (let turn = 0; turn < 3; turn++) await new Promise((r) => setImmediate(r));
  }

  it("refuses a captured callback replayed after a restart, and emits nothing", async () => {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-9101" });
    const body = JSON.stringify({ processId, taskId: 10 });
    const captured = signedCallbackHeaders(SECRET, body);
    await start();
    assert.equal((await post(body, captured)).status, 202);
    await until(() => received.length === 1, 5000, "the task");
    await stop();

    await start();
    const replay = await post(body, captured);
    assert.equal(replay.status, 401, "the replayed callback is refused");
    assert.deepEqual(await replay.json(), { error: "replayed" });
    const later = await laterGoodCallback("C-9111");
    assert.deepEqual(
      received.map((msg) => msg.workflow.processId),
      [later],
      "the replayed callback emitted nothing after the restart",
    );
  });

  it("refuses a callback signed more than five minutes ago or ahead, and one whose nonce was swapped", async () => {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-9102" });
    const body = JSON.stringify({ processId, taskId: 10 });
    await start();
    for (const offsetMs of [-6 * 60_000, 6 * 60_000]) {
      const res = await post(body, signedCallbackHeaders(SECRET, body, { nowMs: Date.now() + offsetMs }));
      assert.equal(res.status, 401, `timestamp ${offsetMs / 60_000} min away`);
      assert.deepEqual(await res.json(), { error: "stale" });
    }
    const signed = signedCallbackHeaders(SECRET, body);
    const swapped = { ...signed, "x-callback-nonce": "a-fresh-nonce-the-attacker-made" };
    assert.equal((await post(body, swapped)).status, 401, "the nonce is covered by the signature");
    const unstamped = { "x-signature": signed["x-signature"] };
    assert.equal((await post(body, unstamped)).status, 401, "timestamp and nonce are required");
    const later = await laterGoodCallback("C-9112");
    assert.deepEqual(
      received.map((msg) => msg.workflow.processId),
      [later],
      "the refused callbacks emitted nothing",
    );
  });

  it("records callback tasks durably: a repeat is no second message; after a restart the task counts on", async () => {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-9103" });
    const body = JSON.stringify({ processId, taskId: 10 });
    const recorded = sinon.spy(WorkflowTaskTracker.prototype, "callback");
    try {
      await start();
      assert.equal((await post(body, signedCallbackHeaders(SECRET, body))).status, 202);
      await until(() => received.length === 1, 5000, "the task");
      assert.equal((await post(body, signedCallbackHeaders(SECRET, body))).status, 202);
      await recordedCallbacks(recorded, 2);
      assert.equal(await recorded.lastCall.returnValue, undefined, "the repeat is not due");
      assert.equal(received.length, 1, "a repeated callback is no second message");
      await stop();

      // As for polled tasks: the message in flight was lost with the runtime, so the task goes out once more — as
      // attempt 2 of the same recorded occurrence — and a further callback is again no new message.
      await start();
      assert.equal((await post(body, signedCallbackHeaders(SECRET, body))).status, 202);
      await until(() => received.length === 1, 5000, "the task after the restart");
      assert.equal(received[0].workflow.attempt, 2, "the durable task record counts the emissions");
      assert.equal((await post(body, signedCallbackHeaders(SECRET, body))).status, 202);
      await recordedCallbacks(recorded, 4);
      assert.equal(await recorded.lastCall.returnValue, undefined, "the repeat after the restart is not due");
      assert.equal(received.length, 1);
    } finally {
      recorded.restore();
    }
  });
});
