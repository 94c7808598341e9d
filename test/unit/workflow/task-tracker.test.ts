import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { FileStateStore, type QueueSpec, type StateStore, type WorkQueue } from "../../../nodes/lib/state";
import { WorkflowTaskTracker, type TrackedTask } from "../../../nodes/lib/workflow/task-tracker";

const task = (taskId: number): TrackedTask => ({
  processId: 100 + taskId,
  subprocessId: 100 + taskId,
  taskId: 1,
  stepName: "Generate letter",
});

/** A file store whose task queue notes which states are listed and how many items are read by id. */
function observedStore(reads: { listed: Array<string | undefined>; byId: number }): StateStore {
  const store = new FileStateStore();
  return {
    kind: store.kind,
    owner: store.owner,
    close: () => store.close(),
    async openQueue<T>(spec: QueueSpec<T>): Promise<WorkQueue<T>> {
      const queue = await store.openQueue(spec);
      if (!spec.name.endsWith("/tasks")) return queue;
      return new Proxy(queue, {
        get(target, property, receiver) {
          if (property === "list") {
            return (state?: Parameters<WorkQueue<T>["list"]>[0], limit?: number) => {
              reads.listed.push(state);
              return target.list(state, limit);
            };
          }
          if (property === "get") {
            return (id: string) => {
              reads.byId++;
              return target.get(id);
            };
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

describe("workflow task tracker", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tracker-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads only unfinished tasks and the new ones by id on a poll, however many finished ones it keeps", async () => {
    const reads = { listed: [] as Array<string | undefined>, byId: 0 };
    const tracker = new WorkflowTaskTracker({
      file: path.join(dir, "tasks.jsonl"),
      store: observedStore(reads),
      reemitAfterMs: 60_000,
      maxInFlight: 10,
    });
    try {
      for (let n = 0; n < 50; n++) {
        await tracker.reconcile([task(n)]);
        assert.equal((await tracker.due()).length, 1);
      }
      await tracker.reconcile([]);
      reads.listed.length = 0;
      reads.byId = 0;
      assert.deepEqual(await tracker.reconcile([task(50)]), { acknowledged: 0, added: 1 });
      assert.deepEqual(reads.listed.sort(), ["dead", "in-flight", "pending"], "no listing of all (finished) tasks");
      assert.equal(reads.byId, 1, "the new task looked up by id once");
    } finally {
      await tracker.close();
    }
  });

  it("records a step entered again after it was finished as the next occurrence, also after a restart", async () => {
    const file = path.join(dir, "tasks.jsonl");
    const open = () => new WorkflowTaskTracker({ file, reemitAfterMs: 60_000, maxInFlight: 10 });
    const first = open();
    await first.reconcile([task(1)]);
    assert.deepEqual(
      (await first.due()).map((due) => due.id),
      ["101/101/1#1"],
    );
    await first.reconcile([]);
    await first.reconcile([task(1)]);
    assert.deepEqual(
      (await first.due()).map((due) => due.id),
      ["101/101/1#2"],
    );
    await first.reconcile([]);
    await first.close();
    const second = open();
    try {
      await second.reconcile([task(1)]);
      assert.deepEqual(
        (await second.due()).map((due) => due.id),
        ["101/101/1#3"],
      );
      assert.equal(await second.callback(task(1)), undefined, "a callback for the occurrence in flight emits nothing");
    } finally {
      await second.close();
    }
  });

  for (const [groupCommitMs, expected] of [
    [0, { onTheEventLoop: 2, offIt: 0 }],
    ["auto", { onTheEventLoop: 0, offIt: 1 }],
  ] as const) {
    it(`fsyncs a new task's record and claim ${groupCommitMs === "auto" ? "once, off the event loop (group commit)" : "each at once (no group commit)"}`, async () => {
      const tracker = new WorkflowTaskTracker({
        file: path.join(dir, "tasks.jsonl"),
        reemitAfterMs: 60_000,
        maxInFlight: 10,
        groupCommitMs,
      });
      const onTheEventLoop = sinon.spy(fs, "fsyncSync");
      const offIt = sinon.spy(fs, "fsync");
      try {
        await tracker.counts(); // opens the journals
        onTheEventLoop.resetHistory();
        offIt.resetHistory();
        await tracker.reconcile([task(1)]);
        const due = await tracker.due();
        assert.deepEqual(
          due.map((d) => d.id),
          ["101/101/1#1"],
        );
        // A claim resolves once its record and the task's before it are fsync'd.
        assert.deepEqual({ onTheEventLoop: onTheEventLoop.callCount, offIt: offIt.callCount }, expected);
        onTheEventLoop.resetHistory();
        offIt.resetHistory();
        assert.equal(await tracker.acceptNonce("n-1"), true);
        // A nonce's record shares the fsync of its acknowledgement, as a task's shares its claim's.
        assert.deepEqual({ onTheEventLoop: onTheEventLoop.callCount, offIt: offIt.callCount }, expected);
        assert.equal(await tracker.acceptNonce("n-1"), false, "a nonce seen before is a replay");
      } finally {
        sinon.restore();
        await tracker.close();
      }
    });
  }
});
