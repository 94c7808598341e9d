/*
 * The ledger under disk faults and damaged journals: a write cut short by a full disk leaves nothing behind, a fault
 * the ledger cannot repair stops it with an error naming the file, and lines that cannot be read at start are moved
 * aside and reported while the node starts with everything else.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { DurableLedger } from "../../../nodes/lib/reliability/ledger";

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

describe("durable ledger under disk faults", () => {
  let dir: string;
  let file: string;
  const warnings: string[] = [];
  const open = () =>
    new DurableLedger<{ file: string }>({ file, maxAttempts: 3, onWarning: (message) => warnings.push(message) });
  const wholeLines = () =>
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { op: string; id?: string });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-faults-"));
    file = path.join(dir, "journal.jsonl");
    warnings.length = 0;
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a write cut short by a full disk is cut back: the caller gets ENOSPC, the journal stays whole", () => {
    const ledger = open();
    ledger.add("a", { file: "a.pdf" });
    const realWrite = fs.writeSync.bind(fs) as (fd: number, buffer: Buffer, offset: number, length: number) => number;
    let calls = 0;
    sinon.stub(fs, "writeSync").callsFake(((fd: number, buffer: Buffer, offset: number, length: number) => {
      calls++;
      // The disk takes half of the record, then is full.
      if (calls === 1) return realWrite(fd, buffer, offset, Math.floor(length / 2));
      throw enospc();
    }) as never);
    assert.throws(
      () => ledger.add("b", { file: "b.pdf" }),
      (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, "ENOSPC");
        assert.match(err.message, /journal\.jsonl: write failed \(ENOSPC\); nothing was recorded/);
        return true;
      },
    );
    assert.equal(calls, 2, "a short write is continued, not taken for the whole record");
    sinon.restore();
    assert.equal(ledger.get("b"), undefined, "the failed add changed nothing");
    assert.equal(ledger.failure, undefined, "cut back: the ledger goes on");
    assert.equal(ledger.add("b", { file: "b.pdf" }), true, "the same add succeeds once there is room");
    ledger.close();
    assert.deepEqual(
      wholeLines().map((r) => r.id),
      ["a", "b"],
      "no half record between them",
    );
    const reopened = open();
    assert.deepEqual(reopened.quarantined, []);
    assert.equal(reopened.get("b")?.item.file, "b.pdf");
    reopened.close();
  });

  it("stops with an error naming the file when a failed write cannot be cut back, and hands nothing out", () => {
    const ledger = open();
    ledger.add("a", { file: "a.pdf" });
    sinon.stub(fs, "writeSync").throws(enospc());
    sinon.stub(fs, "ftruncateSync").throws(Object.assign(new Error("EIO"), { code: "EIO" }));
    assert.throws(() => ledger.add("b", { file: "b.pdf" }), /journal\.jsonl: write failed \(ENOSPC\).*cut back.*EIO/);
    sinon.restore();
    assert.match(String(ledger.failure?.message), /journal\.jsonl.*the ledger stopped/);
    assert.throws(() => ledger.take("a"), /the ledger stopped/, "no hand-out after the failure");
    assert.equal(ledger.get("a")?.state, "pending", "what was recorded can still be read");
    ledger.close();
  });

  it("stops when fsync fails (what reached the disk is unknown) and rejects durable()", async () => {
    const ledger = open();
    sinon.stub(fs, "fsyncSync").throws(Object.assign(new Error("EIO"), { code: "EIO" }));
    assert.throws(() => ledger.add("a", { file: "a.pdf" }), /fsync failed \(EIO\)/);
    sinon.restore();
    await assert.rejects(ledger.durable(), /the ledger stopped/);
    assert.throws(() => ledger.add("b", { file: "b.pdf" }), /the ledger stopped/);
    ledger.close();
  });

  it('group commit "auto": an fsync that fails in the background rejects the waiting durable() and stops the ledger', async () => {
    const ledger = new DurableLedger<{ file: string }>({ file, maxAttempts: 3, groupCommitMs: "auto" });
    const eio = Object.assign(new Error("EIO"), { code: "EIO" });
    sinon.stub(fs, "fsync").callsFake((_fd, callback) => void setImmediate(() => callback(eio)));
    ledger.add("a", { file: "a.pdf" });
    await assert.rejects(ledger.durable(), /fsync failed \(EIO\).*the ledger stopped/);
    sinon.restore();
    assert.throws(() => ledger.add("b", { file: "b.pdf" }), /the ledger stopped/);
    ledger.close();
  });

  it("moves unreadable middle lines aside, names file and line, keeps a record glued onto a torn one, and starts", () => {
    const first = open();
    first.add("a", { file: "a.pdf" });
    first.add("b", { file: "b.pdf" });
    first.close();
    const take = JSON.stringify({ op: "take", id: "a", at: 5 });
    // Line 3: half a record with a whole one appended onto it (the old failure); line 4: garbage.
    fs.appendFileSync(file, `{"op":"add","id":"torn","it${take}\n#garbage#\n`);
    fs.appendFileSync(file, JSON.stringify({ op: "add", id: "c", item: { file: "c.pdf" }, at: 6 }) + "\n");

    const second = open();
    assert.deepEqual(
      second.quarantined.map((q) => [path.basename(q.file), q.lineNumber, path.basename(q.quarantineFile)]),
      [
        ["journal.jsonl", 3, "journal.jsonl.quarantine"],
        ["journal.jsonl", 4, "journal.jsonl.quarantine"],
      ],
    );
    assert.match(
      warnings.join("\n"),
      /journal\.jsonl line 3: record unreadable.*moved to .*journal\.jsonl\.quarantine/,
    );
    assert.deepEqual(fs.readFileSync(`${file}.quarantine`, "utf8").split("\n").filter(Boolean), [
      '{"op":"add","id":"torn","it',
      "#garbage#",
    ]);
    assert.equal(second.get("a")?.attempts, 1, "the take glued onto the torn record counts");
    assert.equal(second.get("c")?.item.file, "c.pdf", "records after the damage are kept");
    assert.equal(second.get("torn"), undefined);
    second.close();
    assert.doesNotThrow(wholeLines, "the journal was rewritten without the damaged lines");
    const third = open();
    assert.deepEqual(third.quarantined, [], "nothing left to quarantine");
    assert.deepEqual(
      third.list().map((e) => e.id),
      ["a", "b", "c"],
    );
    third.close();
  });

  it("after a quarantined add, a record naming that item changes no other item sharing its id's fingerprint", () => {
    // The two ids share the first word of their SHA-256 (the index's fingerprint).
    const [lost, kept] = ["job-7/customer-36460.pdf", "job-7/customer-84368.pdf"];
    const first = open();
    first.add(kept, { file: "kept.pdf" });
    first.close();
    fs.appendFileSync(file, `{"op":"add","id":"${lost}",#damaged#\n`);
    fs.appendFileSync(file, JSON.stringify({ op: "ack", id: lost, at: 7 }) + "\n");
    const second = open();
    assert.deepEqual(
      second.quarantined.map((q) => q.lineNumber),
      [2],
    );
    assert.equal(second.get(kept)?.state, "pending", "the ack of the lost item did not land on its namesake");
    assert.equal(second.get(lost), undefined);
    second.close();
  });

  it("quarantines a torn last line and reports it with its line number", () => {
    const first = open();
    first.add("a", { file: "a.pdf" });
    first.close();
    fs.appendFileSync(file, '{"op":"ack","id":"a","at":');
    const second = open();
    assert.deepEqual(
      second.quarantined.map((q) => q.lineNumber),
      [2],
    );
    assert.equal(second.get("a")?.state, "pending");
    second.close();
    assert.equal(fs.readFileSync(file, "utf8").endsWith("\n"), true, "cut back to the last whole line");
  });
});
