/*
 * Dead letters of exstream-output-watch through the admin API of a real Node-RED runtime (adminAuth on): listed with
 * reason, attempts and time (read permission), replayed one or all (write permission) through the ledger — recorded
 * in its journal, handed out again and acknowledged exactly once — with the ledger's group commit switched on.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readLedgerJournal } from "../../../bench/soak/verify";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../../helpers/embedded-node-red";
import { customerPdf as pdf, writeHandMadeRun } from "../../helpers/output-tree";

const TYPE = "exstream-output-watch";

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface DeadLetterAnswer {
  total: number;
  deadLetters: Array<{ id: string; reason: string; attempts: number; at: number; fileName: string }>;
}

describe("exstream-output-watch: dead letters through the admin API", function () {
  this.timeout(60_000);
  let tmp: string;
  let nr: EmbeddedNodeRed;
  let reader: string;
  let writer: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "watch-dead-"));
    nr = await startEmbeddedNodeRed({
      nodeTypes: [TYPE],
      // Group commit on: replays, hand-outs and acknowledgements wait for their shared fsync.
      settings: { exstreamXecmLedgerGroupCommitMs: 5 },
      users: [
        { username: "admin", password: "admin-pass", permissions: "*" },
        { username: "reader", password: "reader-pass", permissions: ["flows.read", `${TYPE}.read`] },
        { username: "writer", password: "writer-pass", permissions: ["flows.read", `${TYPE}.read`, `${TYPE}.write`] },
      ],
    });
    reader = await nr.token("reader", "reader-pass");
    writer = await nr.token("writer", "writer-pass");
  });
  after(async () => {
    await nr?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const call = async (token: string, method: "GET" | "POST", route: string, body?: unknown) => {
    const res = await fetch(`${nr.adminUrl}/${TYPE}/${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const list = async (): Promise<DeadLetterAnswer> => (await call(reader, "GET", "watch/dead-letters")).body;

  it("lists dead letters with reason, attempts and time, and replays one and then all, each archived once", async () => {
    const root = path.join(tmp, "share");
    // Two communications whose files are missing (dead-lettered at once with grace 0), one whole.
    await writeHandMadeRun({
      root,
      jobId: "job-dead",
      files: [pdf("good.pdf", "1", "%PDF good"), pdf("missing-2.pdf", "2"), pdf("missing-3.pdf", "3")],
    });
    const admin = await nr.token("admin", "admin-pass");
    await nr.deploy(
      [
        { id: "tab", type: "tab", label: "dead letters" },
        {
          id: "watch",
          z: "tab",
          type: TYPE,
          source: "folder",
          root,
          rootType: "str",
          stabilityWindowMs: "50",
          missingFileGraceMs: "0",
          wires: [["archive"], []],
        },
        // Stands in for cs-archive: acknowledges every communication it receives (msg.cs = success).
        {
          id: "archive",
          z: "tab",
          type: "function",
          func: 'msg.cs = { outcome: "created" }; return msg;',
          outputs: 1,
          wires: [["watch"]],
        },
      ],
      admin,
    );
    const journal = path.join(nr.userDir, "exstream-xecm", "watch", "communications.journal");
    await until("two dead letters and one archived", async () => {
      const entries = [...readLedgerJournal(journal).values()];
      return entries.filter((e) => e.state === "dead").length === 2 && entries.some((e) => e.state === "done");
    });

    const before = Date.now();
    const listed = await list();
    assert.equal(listed.total, 2);
    assert.deepEqual(listed.deadLetters.map((d) => d.fileName).sort(), ["missing-2.pdf", "missing-3.pdf"]);
    for (const letter of listed.deadLetters) {
      assert.match(letter.reason, /does not exist/);
      assert.equal(letter.attempts, 0, "refused before any hand-out");
      assert.ok(letter.at > 0 && letter.at <= before, "dead-lettered at a time");
    }

    const [first, second] = listed.deadLetters;
    assert.equal((await call(reader, "POST", "watch/dead-letters/replay", { ids: [first.id] })).status, 401);
    const refused = await call(writer, "POST", "watch/dead-letters/replay", { id: first.id });
    assert.equal(refused.status, 400, "a body without ids or all is refused");
    assert.equal((await call(writer, "GET", "nope/dead-letters")).status, 404, "no such running node");

    const one = await call(writer, "POST", "watch/dead-letters/replay", { ids: [first.id] });
    assert.deepEqual(one, { status: 200, body: { replayed: [first.id] } });
    await until("the replayed one archived", () => readLedgerJournal(journal).get(first.id)?.state === "done");
    assert.deepEqual(
      (await list()).deadLetters.map((d) => d.id),
      [second.id],
    );
    const again = await call(writer, "POST", "watch/dead-letters/replay", { ids: [first.id] });
    assert.deepEqual(again.body, { replayed: [] }, "no longer a dead letter: nothing replayed twice");

    const all = await call(writer, "POST", "watch/dead-letters/replay", { all: true });
    assert.deepEqual(all.body, { replayed: [second.id] });
    await until("the other archived", () => readLedgerJournal(journal).get(second.id)?.state === "done");
    assert.equal((await list()).total, 0);

    // The journal tells the story: each replayed item revived once, handed out once, acknowledged once.
    const records = fs
      .readFileSync(journal, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { op: string; id?: string });
    for (const id of [first.id, second.id]) {
      const ops = records.filter((r) => r.id === id).map((r) => r.op);
      assert.deepEqual(ops, ["add", "fail", "revive", "take", "ack"], `journal of ${id}`);
    }
  });
});
