import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import type { NodeDef, NodeMessage } from "node-red";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { defineNode } from "../../../nodes/lib/node-red/define-node";
import { applyMigrations } from "../../../nodes/lib/node-red/migrations";
import { Collector, until } from "../../helpers/workflow-kit";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");

interface EchoDef extends NodeDef {
  greeting?: string;
  greetingType?: string;
  limit?: string;
  renamedLater?: string;
}

type Msg = NodeMessage & { greeting?: unknown; who?: string; fail?: "http" | "plain"; split?: number };

/** Gates that let a test decide when each run ends. */
const gates: Array<() => void> = [];
const closed: string[] = [];

/** A declared node small enough to read in the test: greets, fails on request, sends several messages on request. */
const echo = defineNode<EchoDef, { limit: number }>({
  type: "declared-echo",
  inputs: { greeting: { msg: (m) => (m as Msg).who, default: "hello" } },
  migrations: [{ version: 1, up: ({ oldLimit, ...rest }) => ({ ...rest, limit: rest.limit ?? oldLimit }) }],
  setUp({ def, problem }) {
    const limit = Number(def.limit ?? 10);
    if (!(limit > 0)) problem(`limit must be > 0, got "${def.limit}"`);
    return { limit };
  },
  working: "working",
  async run(message, state, ctx) {
    const msg = message as Msg;
    if (msg.payload === "wait") await new Promise<void>((resolve) => gates.push(resolve));
    if (msg.fail === "http") throw new ContentServerError({ operation: "upload", code: "HTTP", status: 400 });
    if (msg.fail === "plain") throw new Error("plain failure");
    msg.greeting = await ctx.input(msg, "greeting");
    if (msg.split) {
      for (let i = 0; i < msg.split; i++) ctx.send({ payload: i });
      return { status: "split", forward: false };
    }
    msg.payload = state.limit;
    return { status: "greeted" };
  },
  close: () => void closed.push("closed"),
});

describe("defineNode: one input lifecycle for every action node", function () {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    gates.length = 0;
  });

  async function load(props: Record<string, unknown>) {
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "n1", z: "tab1", type: "declared-echo", wires: [["out"]], ...props },
      { id: "out", z: "tab1", type: "helper" },
      { id: "catcher", z: "tab1", type: "catch", scope: ["n1"], uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper" },
    ];
    await helper.load([echo, catchNode], flow);
    const node = helper.getNode("n1");
    const statuses: string[] = [];
    (node as unknown as NodeJS.EventEmitter).on("call:status", (call: { args: Array<Record<string, string>> }) =>
      statuses.push(`${call.args[0].fill ?? ""}/${call.args[0].text ?? ""}`),
    );
    return {
      node,
      statuses,
      out: new Collector(helper.getNode("out")),
      caught: new Collector(helper.getNode("caught")),
    };
  }

  it("resolves a declared input: the configured value wins, a blank one falls back to msg, then to the default", async () => {
    const configured = await load({ greeting: "moin", greetingType: "str" });
    configured.node.receive({ who: "ignored" });
    assert.equal((await configured.out.count(1))[0].greeting, "moin");
    await helper.unload();
    const blank = await load({ greeting: "", greetingType: "str" });
    blank.node.receive({ who: "from msg" });
    blank.node.receive({});
    const [fromMsg, fromDefault] = await blank.out.count(2);
    assert.equal(fromMsg.greeting, "from msg");
    assert.equal(fromDefault.greeting, "hello");
  });

  it("with a bad configuration: red status, and every message fails through done(err) with a permanent msg.failure", async () => {
    const { node, out, caught, statuses } = await load({ limit: "-1" });
    const logged = helper.log().args.map((args) => args[0] as { id?: string; msg?: unknown });
    assert.ok(
      logged.some((e) => e.id === "n1" && /limit must be > 0/.test(String(e.msg))),
      "the problem is logged at deployment",
    );
    node.receive({ payload: 1 });
    node.receive({ payload: 2 });
    const errors = await caught.count(2);
    assert.deepEqual(
      errors.map((e) => e.payload),
      [1, 2],
    );
    assert.match(errors[0].error.message, /limit must be > 0, got "-1"/);
    assert.equal(errors[0].failure.permanent, true);
    assert.equal(out.messages.length, 0);
    await until(() => statuses.length >= 2, 3000, "the status of each refused message");
    assert.deepEqual(new Set(statuses), new Set(["red/declared-echo.status.invalid"]), "red at deployment and after");
  });

  it("a failure sets msg.failure and turns the status red with the operation and HTTP code; a success turns it green", async () => {
    const { node, caught, out, statuses } = await load({});
    node.receive({ fail: "http" });
    const [err] = await caught.count(1);
    assert.deepEqual(err.failure, { reason: "upload: HTTP (HTTP 400)", permanent: true });
    node.receive({ fail: "plain" });
    await caught.count(2);
    assert.equal(caught.messages[1].failure.permanent, false);
    node.receive({});
    await out.count(1);
    const time = /\d\d:\d\d:\d\d$/;
    const [, failedHttp, , failedPlain, , green] = statuses;
    assert.match(failedHttp, /^red\/upload: HTTP 400 · ✓0 ✗1 · /);
    assert.match(failedPlain, /^red\/declared-echo\.status\.failed · ✓0 ✗2 · /);
    assert.match(green, /^green\/declared-echo\.status\.greeted · ✓1 ✗2 · /);
    for (const s of [failedHttp, failedPlain, green]) assert.match(s, time);
  });

  it("counts messages in progress and stays busy until the last one is done", async () => {
    const { node, out, statuses } = await load({});
    node.receive({ payload: "wait" });
    node.receive({ payload: "wait" });
    await until(() => gates.length === 2, 3000, "both runs waiting");
    gates.shift()!();
    await out.count(1);
    gates.shift()!();
    await out.count(2);
    assert.deepEqual(statuses.slice(0, 3), [
      "blue/declared-echo.status.working",
      "blue/declared-echo.status.working",
      "blue/declared-echo.status.working",
    ]);
    assert.match(statuses[3], /^green\/declared-echo\.status\.greeted · ✓2 · /);
  });

  it("a run that sends its own messages does not forward its input", async () => {
    const { node, out, statuses } = await load({});
    node.receive({ split: 3 });
    const sent = await out.count(3);
    // Green once nothing is in progress: the run has ended and its input was forwarded or not.
    await until(() => statuses.at(-1)?.startsWith("green/") === true, 3000, "the run ended");
    assert.deepEqual(
      sent.map((m) => m.payload),
      [0, 1, 2],
    );
  });

  it("upgrades saved properties by the node's migrations before its set-up, and closes its state", async () => {
    const { node, out } = await load({ oldLimit: "7" });
    node.receive({});
    assert.equal((await out.count(1))[0].payload, 7);
    closed.length = 0;
    await helper.unload();
    assert.deepEqual(closed, ["closed"]);
  });
});

describe("migrations", () => {
  const migrations = [
    { version: 2, up: (p: Record<string, unknown>) => ({ ...p, b: `${p.a}!` }) },
    { version: 1, up: (p: Record<string, unknown>) => ({ ...p, a: String(p.a ?? "") + "1" }) },
  ];

  it("apply every migration above the saved schemaVersion, oldest first, without changing the saved object", () => {
    const saved = { a: "x" };
    assert.deepEqual(applyMigrations(saved, migrations), { a: "x1", b: "x1!", schemaVersion: 2 });
    assert.deepEqual(saved, { a: "x" });
    assert.deepEqual(applyMigrations({ a: "y", schemaVersion: 1 }, migrations), { a: "y", b: "y!", schemaVersion: 2 });
    const current = { a: "z", schemaVersion: 2 };
    assert.equal(applyMigrations(current, migrations), current);
  });
});
