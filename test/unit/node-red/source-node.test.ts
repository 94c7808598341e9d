import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import sinon from "sinon";
import type { Node, NodeAPI, NodeDef } from "node-red";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { sharedClient } from "../../../nodes/lib/node-red/connection-config";
import { defineSourceNode, SourceStatus } from "../../../nodes/lib/node-red/source-node";
import type { NodeStatus } from "../../../nodes/lib/node-red/status";
import { Collector, until } from "../../helpers/workflow-kit";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");
/** Node-RED's log level of node.error. */
const LOG_ERROR = 20;

interface PollerDef extends NodeDef {
  every?: string;
  server?: string;
}

/** What happened, in order: rounds, the poller stopping, the connection closing. */
const events: string[] = [];
const started: TestPoller[] = [];

/** A source whose rounds the test ends: each round waits until the test resolves or fails it. */
class TestPoller {
  private current: { resolve(items: number): void; reject(err: Error): void } | undefined;
  private round: Promise<void> = Promise.resolve();
  readonly commands: unknown[] = [];

  constructor(
    readonly node: Node,
    private readonly status: SourceStatus,
  ) {}

  /** Starts a round; `end` settles it: the items it found, or the error it failed with. */
  begin(): { end(items: number): void; fail(err: Error): void } {
    let settle!: { resolve(items: number): void; reject(err: Error): void };
    const found = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    this.current = settle;
    this.round = found.then(
      (items) => {
        for (let i = 0; i < items; i++) {
          this.status.emitted();
          this.node.send({ payload: i });
        }
        this.status.show("ok", "polling");
      },
      (err: Error) => this.status.failed(err),
    );
    return { end: (items) => settle.resolve(items), fail: (err) => settle.reject(err) };
  }

  async close(): Promise<void> {
    events.push("close asked");
    await this.round;
    events.push("poller stopped");
  }
}

const poller = defineSourceNode<PollerDef, { every: number }, TestPoller>({
  type: "declared-poller",
  setUp({ def, problem, connection }) {
    const every = Number(def.every ?? 1000);
    if (!(every > 0)) problem(`every must be > 0, got "${def.every}"`);
    if (def.server) connection<{ getClient(): unknown }>()?.getClient();
    return { every };
  },
  start(_config, { node, status }) {
    const source = new TestPoller(node, status);
    started.push(source);
    status.show("idle", "starting");
    return source;
  },
  input(msg, source) {
    if (msg.payload === "refuse") throw new Error("not a command");
    source.commands.push(msg.payload);
  },
});

/** A connection config node whose client says when it closes (after the work of its users, see keepOpenWhile). */
function connection(RED: NodeAPI): void {
  RED.nodes.registerType("declared-connection", function (this: Node & { getClient?: unknown }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.getClient = sharedClient(this, () => ({ close: () => void events.push("connection closed") }));
  });
}

/** The real catalogue is not loaded in tests: texts read as `key {vars}`, so that the variables can be checked. */
function withVisibleVars(register: (RED: NodeAPI) => void): (RED: NodeAPI) => void {
  return (RED) => {
    (RED as { _: unknown })._ = (key: string, vars?: object) => (vars ? `${key} ${JSON.stringify(vars)}` : key);
    register(RED);
  };
}

describe("defineSourceNode: one lifecycle for the source nodes", function () {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    events.length = 0;
    started.length = 0;
  });

  async function load(props: Record<string, unknown>) {
    const flow = [
      { id: "tab1", type: "tab" },
      // A config node (no position, global, stopped last) and flow nodes (with a position).
      { id: "conn", type: "declared-connection" },
      { id: "n1", z: "tab1", type: "declared-poller", x: 100, y: 100, wires: [["out"]], ...props },
      { id: "out", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "catcher", z: "tab1", type: "catch", x: 100, y: 200, scope: ["n1"], uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper", x: 300, y: 200 },
    ];
    await helper.load([withVisibleVars(poller), connection, catchNode], flow);
    const node = helper.getNode("n1");
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    (node as unknown as NodeJS.EventEmitter).on("call:status", (call: { args: Array<Record<string, string>> }) =>
      statuses.push(call.args[0]),
    );
    return {
      node,
      statuses,
      out: new Collector(helper.getNode("out")),
      caught: new Collector(helper.getNode("caught")),
    };
  }

  it("with a bad configuration starts nothing: red status, one error at deployment, every message fails with a permanent msg.failure", async () => {
    const { node, caught } = await load({ every: "-5", server: "missing" });
    assert.equal(started.length, 0, "nothing started");
    const logged = helper
      .log()
      .args.map((args) => args[0] as { id?: string; level?: number; msg?: unknown })
      .filter((e) => e.id === "n1" && e.level === LOG_ERROR);
    assert.equal(logged.length, 1, "one error at deployment");
    assert.match(String(logged[0].msg), /every must be > 0, got "-5"; declared-poller\.errors\.noServer/);
    const statuses: Array<Record<string, string>> = [];
    (node as unknown as NodeJS.EventEmitter).on("call:status", (call: { args: Array<Record<string, string>> }) =>
      statuses.push(call.args[0]),
    );
    node.receive({ payload: "command" });
    const [refused] = await caught.count(1);
    assert.match(refused.error.message, /every must be > 0/);
    assert.equal(refused.failure.permanent, true);
    await until(() => statuses.length > 0, 3000, "the status of the refused message");
    assert.deepEqual(statuses[0], { fill: "red", shape: "ring", text: "declared-poller.status.invalid" });
  });

  it("a failed round shows red with the operation and HTTP code; the next good round shows the state, the items and the time of the last", async () => {
    const { statuses, out } = await load({ server: "conn" });
    await until(() => started.length === 1, 3000, "started");
    const [source] = started;
    source.begin().fail(new ContentServerError({ operation: "assignments", code: "HTTP", status: 503 }));
    await until(() => statuses.some((s) => s.fill === "red"), 3000, "red status");
    const red = statuses.find((s) => s.fill === "red")!;
    assert.equal(red.shape, "ring");
    assert.match(red.text!, /^declared-poller\.status\.error .*"code":"assignments: HTTP 503"/);
    assert.match(red.text!, /"items":0,"last":""/, "no item yet");
    source.begin().end(2);
    await out.count(2);
    await until(() => statuses.at(-1)?.fill === "green", 3000, "green again");
    const green = statuses.at(-1)!;
    assert.equal(green.shape, "dot");
    assert.match(green.text!, /^declared-poller\.status\.polling .*"items":2,"last":"\d\d:\d\d:\d\d"/);
    assert.doesNotMatch(green.text!, /code/, "the error is gone");
  });

  it("closing waits for the round under way, and the connection closes only after the poller stopped", async () => {
    await load({ server: "conn" });
    await until(() => started.length === 1, 3000, "started");
    const round = started[0].begin();
    const unloading = helper.unload().then(() => events.push("unloaded"));
    await until(() => events.includes("close asked"), 3000, "the poller asked to close");
    // A window in which an unload that did not wait for the round would finish; a slow machine only widens it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(events, ["close asked"], "Node-RED still waits for the round");
    round.end(0);
    await unloading;
    assert.deepEqual(events, ["close asked", "poller stopped", "connection closed", "unloaded"]);
  });

  it("hands control messages to the started source: done() when handled, done(err) to a Catch node when refused", async () => {
    const { node, caught } = await load({});
    node.receive({ payload: "rescan" });
    node.receive({ payload: "refuse" });
    const [refused] = await caught.count(1);
    assert.match(refused.error.message, /not a command/);
    assert.deepEqual(started[0].commands, ["rescan"]);
  });
});

describe("SourceStatus", () => {
  let clock: sinon.SinonFakeTimers;
  const shown: string[] = [];
  const look = {
    idle: (t: string) => shown.push(`grey/${t}`),
    working: (t: string) => shown.push(`blue/${t}`),
    ok: (t: string) => shown.push(`green/${t}`),
    warn: (t: string) => shown.push(`yellow/${t}`),
    error: (t: string) => shown.push(`red/${t}`),
  } as unknown as NodeStatus;
  const t = (key: string, vars?: Record<string, string | number>) => `${key}(${vars?.count ?? ""})`;

  beforeEach(() => {
    clock = sinon.useFakeTimers();
    shown.length = 0;
  });
  afterEach(() => clock.restore());

  it("shows changes at most every interval, the latest winning, and nothing once closed", () => {
    const status = new SourceStatus(look, t, 250);
    status.show("working", "busy", { count: 1 });
    clock.tick(0);
    assert.deepEqual(shown, ["blue/status.busy(1)"]);
    status.show("working", "busy", { count: 2 });
    status.show("working", "busy", { count: 3 });
    clock.tick(249);
    assert.equal(shown.length, 1, "not before the interval");
    clock.tick(1);
    assert.deepEqual(shown, ["blue/status.busy(1)", "blue/status.busy(3)"]);
    status.show("ok", ["watching", "dead"]);
    status.close();
    clock.tick(1000);
    assert.equal(shown.length, 2);
  });

  it("joins several texts into one status", () => {
    const status = new SourceStatus(look, t);
    status.show("warn", ["watching", "dead"], { count: 2 });
    assert.deepEqual(shown, ["yellow/status.watching(2)status.dead(2)"]);
  });

  it("ends every state's text with the items sent and the time of the last, once one was sent", () => {
    const catalogue: Record<string, string> = {
      "status.watching": "watching",
      "status.dead": ", __dead__ dead",
      "status.error": "error: __code__",
      "status.items": " · __items__ sent · __last__",
    };
    const fill = (key: string, vars?: Record<string, string | number>) =>
      catalogue[key]?.replace(/__(\w+)__/g, (_all, name: string) => String(vars?.[name])) ?? key;
    const status = new SourceStatus(look, fill, 0, () => new Date(2026, 10, 26, 14, 5, 9));
    status.show("ok", "watching");
    status.emitted();
    status.emitted();
    status.show("warn", ["watching", "dead"], { dead: 1 });
    status.failed(new ContentServerError({ operation: "upload", code: "HTTP", status: 503 }));
    assert.deepEqual(shown, [
      "green/watching",
      "yellow/watching, 1 dead · 2 sent · 14:05:09",
      "red/error: upload: HTTP 503 · 2 sent · 14:05:09",
    ]);
  });

  it("shows the state alone where the catalogue has no items text", () => {
    const status = new SourceStatus(look, (key) => `node-type.${key}`);
    status.emitted();
    status.show("ok", "watching");
    assert.deepEqual(shown, ["green/node-type.status.watching"]);
  });
});
