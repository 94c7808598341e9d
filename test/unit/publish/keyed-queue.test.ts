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

/** Two tasks handed to one queue under the keys given, neither started yet. */
function twoTasks(firstKey: string, secondKey: string) {
  const queue = new KeyedQueue();
  const log: string[] = [];
  const first = gate(log, "first");
  const second = gate(log, "second");
  const results = [queue.run(firstKey, first.task), queue.run(secondKey, second.task)];
  return { log, first, second, results };
}

describe("publish: one task per key at a time", () => {
  it("starts a key's next task only after the one before it has ended", async () => {
    const { log, first, second, results } = twoTasks("disclaimer", "disclaimer");
    await tick();
    assert.deepEqual(log, ["start first"]);
    first.release();
    await tick();
    assert.deepEqual(log, ["start first", "start second"]);
    second.release();
    assert.deepEqual(await Promise.all(results), ["first", "second"]);
  });

  it("runs tasks of different keys side by side", async () => {
    const { log, first, second, results } = twoTasks("one", "other");
    await tick();
    assert.deepEqual(log, ["start first", "start second"]);
    second.release();
    first.release();
    assert.deepEqual(await Promise.all(results), ["first", "second"]);
  });

  it("runs the next task after a failed one, and the failure reaches only its own caller", async () => {
    const { log, first, second, results } = twoTasks("key", "key");
    await tick();
    first.fail(new Error("HTTP 409"));
    await assert.rejects(results[0], /HTTP 409/);
    await tick();
    assert.deepEqual(log, ["start first", "start second"]);
    second.release();
    assert.equal(await results[1], "second");
  });

  it("forgets a key once its last task has ended", async () => {
    const queue = new KeyedQueue();
    await queue.run("a", async () => 1);
    await assert.rejects(queue.run("b", () => Promise.reject(new Error("no"))));
    await tick();
    assert.equal(queue.size, 0);
  });
});
