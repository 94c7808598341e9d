import assert from "node:assert/strict";
import { KeyedQueue } from "../../../nodes/lib/publish";

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (err: Error) => void;
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      release = () => resolve(name);
      fail = reject;
    });
  };
  return { task, release: () => release(), fail: (err: Error) => fail(err) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("publish: one task per key at a time", () => {
  it("starts a key's next task only after the one before it has ended", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const first = gate(log, "v1");
    const second = gate(log, "v2");
    const results = [queue.run("disclaimer", first.task), queue.run("disclaimer", second.task)];
    await tick();
    assert.deepEqual(log, ["start v1"]);
    first.release();
    await tick();
    assert.deepEqual(log, ["start v1", "start v2"]);
    second.release();
    assert.deepEqual(await Promise.all(results), ["v1", "v2"]);
  });

  it("runs tasks of different keys side by side", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const a = gate(log, "a");
    const b = gate(log, "b");
    const results = [queue.run("one", a.task), queue.run("other", b.task)];
    await tick();
    assert.deepEqual(log, ["start a", "start b"]);
    b.release();
    a.release();
    assert.deepEqual(await Promise.all(results), ["a", "b"]);
  });

  it("runs the next task after a failed one, and the failure reaches only its own caller", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const failing = gate(log, "bad");
    const next = gate(log, "good");
    const failed = queue.run("key", failing.task);
    const succeeded = queue.run("key", next.task);
    await tick();
    failing.fail(new Error("HTTP 409"));
    await assert.rejects(failed, /HTTP 409/);
    await tick();
    next.release();
    assert.equal(await succeeded, "good");
    assert.deepEqual(log, ["start bad", "start good"]);
  });

  it("forgets a key once its last task has ended", async () => {
    const queue = new KeyedQueue();
    await queue.run("a", async () => 1);
    await assert.rejects(queue.run("b", () => Promise.reject(new Error("no"))));
    await tick();
    assert.equal(queue.size, 0);
  });
});
