import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { DurableLedger } from "../../../nodes/lib/reliability/ledger";

/** Every string reachable from `root` through own properties, Maps, Sets and arrays (typed arrays hold numbers). */
function reachableStrings(root: unknown): string[] {
  const seen = new Set<object>();
  const strings: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    if (value === null || typeof value !== "object" || seen.has(value) || ArrayBuffer.isView(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k);
        visit(v);
      }
    } else if (value instanceof Set) for (const v of value) visit(v);
    else for (const key of Object.getOwnPropertyNames(value)) visit((value as Record<string, unknown>)[key]);
  };
  visit(root);
  return strings;
}

describe("durable ledger", () => {
  let dir: string;
  let clock: number;
  const open = (maxAttempts = 3, extra = {}) =>
    new DurableLedger<{ file: string }>({
      file: path.join(dir, "ledger", "journal.jsonl"),
      maxAttempts,
      now: () => clock,
      ...extra,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-"));
    clock = 1_000;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("records each id once and hands it out until acknowledged", () => {
    const ledger = open();
    assert.equal(ledger.add("a", { file: "a.pdf" }), true);
    assert.equal(ledger.add("a", { file: "other.pdf" }), false);
    assert.deepEqual(
      ledger.due(60_000).map((e) => e.id),
      ["a"],
    );
    ledger.take("a");
    assert.deepEqual(ledger.due(60_000), [], "in flight and not timed out");
    clock += 60_000;
    assert.deepEqual(
      ledger.due(60_000).map((e) => e.id),
      ["a"],
      "timed out without acknowledgement",
    );
    ledger.acknowledge("a", { nodeId: 42 });
    assert.deepEqual(ledger.due(0), []);
    assert.deepEqual(ledger.get("a")?.outcome, { nodeId: 42 });
    ledger.close();
  });

  it("dead-letters an item with its reason once its attempts are used up", () => {
    const ledger = open(2);
    ledger.add("b", { file: "b.pdf" });
    ledger.take("b");
    assert.equal(ledger.fail("b", "HTTP 500").state, "pending");
    ledger.take("b");
    const dead = ledger.fail("b", "HTTP 400: name invalid");
    assert.equal(dead.state, "dead");
    assert.equal(dead.reason, "HTTP 400: name invalid");
    assert.equal(dead.attempts, 2);
    assert.deepEqual(ledger.due(0), []);
    assert.deepEqual(ledger.counts(), { pending: 0, "in-flight": 0, done: 0, dead: 1 });
    ledger.close();
  });

  it("survives a restart: finished items stay finished, in-flight items come back", () => {
    const first = open();
    first.add("done", { file: "1" });
    first.add("flying", { file: "2" });
    first.add("waiting", { file: "3" });
    first.take("done");
    first.acknowledge("done");
    first.take("flying");
    first.close();

    const second = open();
    assert.deepEqual(
      second
        .due(60_000)
        .map((e) => e.id)
        .sort(),
      ["flying", "waiting"],
    );
    assert.equal(second.get("flying")?.attempts, 1, "the attempt before the crash still counts");
    assert.equal(second.add("done", { file: "1" }), false, "a finished item is not recorded again");
    second.close();
  });

  it("ignores a torn last line left by a crash mid-write and keeps writing cleanly", () => {
    const first = open();
    first.add("a", { file: "a" });
    first.close();
    const file = path.join(dir, "ledger", "journal.jsonl");
    fs.appendFileSync(file, '{"op":"add","id":"torn","it');

    const second = open();
    assert.equal(second.get("torn"), undefined);
    second.add("b", { file: "b" });
    second.close();
    const third = open();
    assert.deepEqual(
      third
        .list()
        .map((e) => e.id)
        .sort(),
      ["a", "b"],
    );
    third.close();
  });

  it("compacts the journal without losing state and drops old finished items", () => {
    const ledger = open(3, { compactAfterRecords: 10, retainFinishedMs: 5_000 });
    for (let i = 0; i < 20; i++) {
      ledger.add(`x${i}`, { file: `${i}` });
      ledger.take(`x${i}`);
      if (i % 2 === 0) ledger.acknowledge(`x${i}`);
    }
    const lines = fs
      .readFileSync(path.join(dir, "ledger", "journal.jsonl"), "utf8")
      .trim()
      .split("\n");
    // 50 records were written; a compaction rewrites one snapshot line per entry (20) and then at most the
    // threshold (10) + 1 records follow before the next one.
    assert.ok(lines.length <= 20 + 10 + 1, `journal was compacted automatically (${lines.length} of 50 lines)`);
    assert.match(lines[0], /"op":"snapshot"/, "the journal starts with the snapshot of a compaction");
    clock += 10_000;
    ledger.compact();
    ledger.close();
    const reopened = open();
    assert.deepEqual(reopened.counts(), { pending: 10, "in-flight": 0, done: 0, dead: 0 });
    reopened.close();
  });

  it("compaction copies a pending item's add record unchanged and rewrites an item that changed since", () => {
    const ledger = open(3);
    ledger.add("untouched", { file: "waiting.pdf" });
    ledger.add("released", { file: "back.pdf" });
    ledger.take("released");
    ledger.release("released");
    const addLine = fs
      .readFileSync(path.join(dir, "ledger", "journal.jsonl"), "utf8")
      .split("\n")
      .find((line) => line.includes('"untouched"'));
    const parse = sinon.spy(JSON, "parse");
    try {
      ledger.compact();
      const parsedLines = parse.getCalls().map((call) => String(call.args[0]));
      assert.equal(parsedLines.filter((text) => text.includes('"untouched"')).length, 0, "not parsed to be copied");
    } finally {
      parse.restore();
    }
    ledger.compact();
    const lines = fs
      .readFileSync(path.join(dir, "ledger", "journal.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.deepEqual(lines[0], addLine, "the add record, byte for byte, after two compactions");
    assert.match(lines[1], /"op":"snapshot".*"attempts":1/, "a changed item is a snapshot with its attempt count");
    ledger.close();
    const reopened = open(3);
    assert.deepEqual(reopened.get("untouched"), {
      id: "untouched",
      state: "pending",
      item: { file: "waiting.pdf" },
      attempts: 0,
      updatedAt: 1_000,
    });
    assert.equal(reopened.get("released")?.attempts, 1);
    reopened.close();
  });

  it("keeps only the summary of an acknowledged item, also after a restart and a compaction", () => {
    const summarizeFinished = (item: { file: string }) => ({ file: item.file.slice(0, 1) });
    const ledger = open(3, { summarizeFinished });
    ledger.add("a", { file: "archived.pdf" });
    ledger.add("b", { file: "waiting.pdf" });
    ledger.take("a");
    ledger.acknowledge("a");
    assert.deepEqual(ledger.get("a")?.item, { file: "a" });
    assert.deepEqual(ledger.get("b")?.item, { file: "waiting.pdf" }, "unfinished items stay whole");
    ledger.close();
    const replayed = open(3, { summarizeFinished });
    assert.deepEqual(replayed.get("a")?.item, { file: "a" });
    replayed.compact();
    replayed.close();
    const compacted = fs.readFileSync(path.join(dir, "ledger", "journal.jsonl"), "utf8");
    assert.ok(!compacted.includes("archived.pdf"), "the compacted journal holds the summary");
    assert.ok(compacted.includes("waiting.pdf"));
  });

  it("keeps apart ids sharing their fingerprint, through hand-outs, a restart and a compaction", () => {
    // The two ids share the first word of their SHA-256 (the index's fingerprint).
    const [a, b] = ["job-7/customer-36460.pdf", "job-7/customer-84368.pdf"];
    const ledger = open(3);
    assert.equal(ledger.add(a, { file: "a.pdf" }), true);
    assert.equal(ledger.add(b, { file: "b.pdf" }), true, "not taken for a duplicate of the other");
    ledger.take(b);
    ledger.acknowledge(b, { nodeId: 2 });
    ledger.take(a);
    ledger.close();
    const reopened = open(3);
    assert.equal(reopened.get(a)?.state, "pending", "in flight at the restart, handed out again");
    assert.equal(reopened.get(a)?.attempts, 1);
    assert.deepEqual(reopened.get(b)?.outcome, { nodeId: 2 });
    reopened.compact();
    reopened.fail(a, "HTTP 503");
    assert.equal(reopened.get(a)?.reason, "HTTP 503");
    assert.equal(reopened.get(b)?.state, "done");
    assert.deepEqual(reopened.counts(), { pending: 1, "in-flight": 0, done: 1, dead: 0 });
    reopened.close();
  });

  it("keeps pending items on disk: memory holds an index without the items or their ids, read back by position", () => {
    const ledger = open(3, { compactAfterRecords: 50 });
    for (let i = 0; i < 1000; i++) ledger.add(`id-${i}`, { file: `payload-${i}-${"x".repeat(200)}` });
    for (let i = 0; i < 400; i++) ledger.take(`id-${i}`);
    for (let i = 0; i < 50; i++) ledger.acknowledge(`id-${i}`, { nodeId: `outcome-${i}` });
    ledger.fail("id-60", "reason-60 HTTP 500");
    const strings = reachableStrings(ledger);
    assert.ok(
      strings.some((s) => s.endsWith("journal.jsonl")),
      "the walk reaches the ledger (its journal's path)",
    );
    assert.ok(
      strings.filter((s) => /^id-\d+$/.test(s)).length <= 257,
      "ids are read back from the journal (only the 256 last read back and the last one hashed are kept)",
    );
    assert.deepEqual(
      strings.filter((s) => /payload-|outcome-|reason-/.test(s)),
      [],
      "no item, outcome or reason is held in memory",
    );
    // Compactions ran (threshold 50) and moved every record: positions must have followed.
    assert.equal(ledger.get("id-7")?.item.file.startsWith("payload-7-"), true);
    assert.deepEqual(ledger.get("id-7")?.outcome, { nodeId: "outcome-7" });
    assert.equal(ledger.get("id-60")?.reason, "reason-60 HTTP 500");
    assert.equal(ledger.get("id-999")?.item.file.startsWith("payload-999-"), true);
    assert.deepEqual(ledger.counts(), { pending: 601, "in-flight": 349, done: 50, dead: 0 });
    ledger.close();
  });

  it("group commit: appends of one window share one fsync, and durable() resolves after it", async () => {
    const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const fsync = sinon.spy(fs, "fsyncSync");
    try {
      const ledger = open(3, { groupCommitMs: 5 });
      fsync.resetHistory();
      for (let i = 0; i < 10; i++) ledger.add(`g${i}`, { file: `${i}` });
      ledger.take("g0");
      ledger.acknowledge("g0");
      let durable = false;
      const waiting = ledger.durable().then(() => (durable = true));
      await Promise.resolve();
      assert.equal(fsync.callCount, 0, "nothing synced before the window ends");
      assert.equal(durable, false, "not durable before the fsync");
      await clock.tickAsync(5);
      await waiting;
      assert.equal(fsync.callCount, 1, "twelve appends, one fsync");
      assert.equal(durable, true);
      await ledger.durable(); // nothing unsynced: at once
      ledger.close();
    } finally {
      fsync.restore();
      clock.restore();
    }
  });

  it('group commit "auto": one fsync off the event loop per batch of appends, and those made while it runs share the next', async () => {
    const fsync = sinon.spy(fs, "fsync");
    const fsyncSync = sinon.spy(fs, "fsyncSync");
    try {
      const ledger = open(3, { groupCommitMs: "auto" });
      fsyncSync.resetHistory();
      for (let i = 0; i < 10; i++) ledger.add(`g${i}`, { file: `${i}` });
      const first = ledger.durable();
      assert.equal(fsync.callCount, 0, "started once this turn has made its appends");
      await first;
      assert.equal(fsync.callCount, 1, "ten appends, one fsync");
      ledger.take("g0");
      let secondDone = false;
      const second = ledger.durable().then(() => (secondDone = true));
      await new Promise(setImmediate);
      assert.equal(fsync.callCount, 2, "the take's fsync is running");
      ledger.acknowledge("g0");
      ledger.take("g1");
      let thirdDone = false;
      const third = ledger.durable().then(() => (thirdDone = true));
      await second;
      assert.equal(thirdDone, false, "what was appended while an fsync ran waits for the next one");
      await third;
      assert.equal(secondDone && thirdDone, true);
      assert.equal(fsync.callCount, 3, "appends made during the second fsync share the third");
      assert.equal(fsyncSync.callCount, 0, "no fsync on the event loop");
      await ledger.durable(); // nothing unsynced: at once
      ledger.close();
    } finally {
      fsync.restore();
      fsyncSync.restore();
    }
  });

  it('group commit "auto": a compaction while an fsync runs leaves everything durable, and later appends get theirs', async () => {
    const fsync = sinon.spy(fs, "fsync");
    try {
      const ledger = open(3, { groupCommitMs: "auto" });
      ledger.add("a", { file: "a" });
      ledger.take("a");
      await new Promise(setImmediate);
      assert.equal(fsync.callCount, 1, "an fsync runs on the thread pool");
      ledger.compact(); // the journal is replaced under it
      await ledger.durable(); // the compaction's own fsync covers a
      ledger.add("b", { file: "b" });
      await ledger.durable();
      assert.equal(fsync.callCount, 2, "b has an fsync of its own");
      ledger.close();
      const reopened = open();
      assert.deepEqual(reopened.counts(), { pending: 2, "in-flight": 0, done: 0, dead: 0 });
      reopened.close();
    } finally {
      fsync.restore();
    }
  });

  it("without group commit every append is fsync'd before its method returns", () => {
    const ledger = open();
    const fsync = sinon.spy(fs, "fsyncSync");
    try {
      ledger.add("a", { file: "a" });
      ledger.take("a");
      assert.equal(fsync.callCount, 2);
    } finally {
      fsync.restore();
      ledger.close();
    }
  });

  it("revives a dead letter: pending again with all its attempts, also after a restart", () => {
    const ledger = open(1);
    ledger.add("d", { file: "d" });
    ledger.take("d");
    assert.equal(ledger.fail("d", "HTTP 400").state, "dead");
    assert.throws(() => ledger.revive("nope"), /no item/);
    const revived = ledger.revive("d");
    assert.deepEqual([revived.state, revived.attempts, revived.reason], ["pending", 0, undefined]);
    assert.throws(() => ledger.revive("d"), /is pending/, "only a dead letter is revived");
    ledger.close();
    const reopened = open(1);
    assert.deepEqual([reopened.get("d")?.state, reopened.get("d")?.attempts], ["pending", 0]);
    reopened.close();
  });

  it("refuses operations on unknown items or in the wrong state", () => {
    const ledger = open();
    assert.throws(() => ledger.take("nope"), /no item "nope"/);
    ledger.add("a", { file: "a" });
    ledger.take("a");
    ledger.acknowledge("a");
    assert.throws(() => ledger.fail("a", "late"), /is done/);
    ledger.close();
  });
});
