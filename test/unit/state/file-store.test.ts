/*
 * The file state store on the durable ledger: with group commit a change that hands something on resolves only once
 * it is on disk, a disk fault fails the call and stops the queue, and a journal held by a queue is free again once the
 * queue is closed (a second try to open the store must not find its own lock).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { FileStateStore } from "../../../nodes/lib/state";

describe("file state store", () => {
  let dir: string;
  let store: FileStateStore;
  const spec = (extra: object = {}) => ({ name: "q", file: path.join(dir, "q.journal"), maxAttempts: 3, ...extra });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-store-"));
    store = new FileStateStore();
  });
  afterEach(async () => {
    sinon.restore();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("with group commit resolves a claim, an acknowledgement and a revival only after their fsync", async () => {
    const queue = await store.openQueue<{ n: number }>(spec({ groupCommitMs: 50 }));
    await queue.add("a", { n: 1 });
    await queue.add("b", { n: 2 });
    const fsync = sinon.spy(fs, "fsyncSync");
    await queue.claim(2, { leaseMs: 60_000 });
    assert.ok(fsync.callCount >= 1, "the claim is on disk when it resolves");
    fsync.resetHistory();
    assert.equal(await queue.acknowledge("a"), "acknowledged");
    assert.ok(fsync.callCount >= 1, "the acknowledgement is on disk when it resolves");
    await queue.fail("b", "refused", true);
    fsync.resetHistory();
    assert.deepEqual(await queue.revive(), ["b"]);
    assert.ok(fsync.callCount >= 1, "the revival is on disk when it resolves");
  });

  it('"auto" group commit: a claim made in the turn of an acknowledgement shares its fsync; nothing to claim or expire waits for none', async () => {
    const queue = await store.openQueue<{ n: number }>(spec({ groupCommitMs: "auto" }));
    await queue.add("a", { n: 1 });
    await queue.add("b", { n: 2 });
    await queue.claim(1, { leaseMs: 60_000 });
    const fsync = sinon.spy(fs, "fsync");
    const acknowledged = queue.acknowledge("a");
    assert.deepEqual(await queue.expire(60_000, "late"), [], "nothing expired");
    assert.equal(fsync.callCount, 0, "and nothing waited for");
    const claimed = await queue.claim(1, { leaseMs: 60_000 });
    assert.equal(await acknowledged, "acknowledged");
    assert.deepEqual(
      claimed.map((entry) => entry.id),
      ["b"],
    );
    assert.equal(fsync.callCount, 1, "the acknowledgement and the claim are on disk with one fsync");
    assert.deepEqual(await queue.claim(1, { leaseMs: 60_000 }), []);
    assert.equal(fsync.callCount, 1, "an empty claim waits for none");
  });

  it("fails the acknowledgement with the journal's error when a write cannot be cut back, and stops the queue", async () => {
    const queue = await store.openQueue<{ n: number }>(spec());
    await queue.add("a", { n: 1 });
    await queue.claim(1, { leaseMs: 60_000 });
    sinon.stub(fs, "writeSync").throws(Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }));
    sinon.stub(fs, "ftruncateSync").throws(Object.assign(new Error("EIO"), { code: "EIO" }));
    await assert.rejects(queue.acknowledge("a"), /q\.journal: write failed \(ENOSPC\)/);
    sinon.restore();
    assert.match(String(queue.failure()?.message), /the ledger stopped/);
    await assert.rejects(queue.claim(1, { leaseMs: 60_000 }), /the ledger stopped/, "nothing handed out any more");
  });

  it("frees a queue's journal when the queue is closed, so the same process may open it again", async () => {
    const first = await store.openQueue<{ n: number }>(spec());
    await assert.rejects(store.openQueue(spec()), /already open in this process/);
    await first.close();
    const again = await store.openQueue<{ n: number }>(spec());
    assert.deepEqual(await again.counts(), { pending: 0, inFlight: 0, done: 0, dead: 0 });
  });
});
