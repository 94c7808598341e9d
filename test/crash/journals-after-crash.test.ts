/*
 * The workflow trigger's task record and the API-mode checkpoint after a real crash (SIGKILL at a crash point in a
 * child process, see journal-writer.ts): what was recorded before the crash is kept, the record cut in half is
 * dropped, and the journal goes on whole.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DurableCheckpoint } from "../../nodes/lib/watch/checkpoint";
import { DurableLedger } from "../../nodes/lib/reliability/ledger";
import { WorkflowTaskTracker, taskKey } from "../../nodes/lib/workflow/task-tracker";
import { TASKS } from "./journal-writer";

const WRITER = path.join(__dirname, "journal-writer.ts");

function crashWriter(kind: string, file: string, point: string): void {
  const child = spawnSync(process.execPath, ["--require", "tsx/cjs", WRITER, kind, file], {
    env: { ...process.env, EXSTREAM_XECM_CRASH_AT: point },
    encoding: "utf8",
  });
  assert.equal(child.signal, "SIGKILL", `the writer died at ${point}: ${child.stderr}`);
  assert.match(child.stderr, new RegExp(`crash point ${point.replace(/@\d+$/, "")} reached`));
}

function wholeLines(file: string): void {
  for (const line of fs.readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    assert.doesNotThrow(() => JSON.parse(line), `a whole journal record: ${line}`);
  }
}

describe("journals after a SIGKILL at an exact point", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-crash-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const openTracker = (file: string) => new WorkflowTaskTracker({ file, reemitAfterMs: 60_000, maxInFlight: 5 });

  it("task record cut in the middle of the second emission: the first is emitted again, none lost or doubled", async () => {
    const file = path.join(dir, "tasks.journal");
    crashWriter("tracker", file, "ledger:append:take@2");
    const tracker = openTracker(file);
    assert.deepEqual(await tracker.reconcile(TASKS), { acknowledged: 0, added: 0 }, "all three were recorded, once");
    const due = await tracker.due();
    assert.deepEqual(
      due.map((d) => [taskKey(d.task), d.attempt]),
      [
        [taskKey(TASKS[0]), 2],
        [taskKey(TASKS[1]), 1],
        [taskKey(TASKS[2]), 1],
      ],
      "the first emission counts; the torn second one never happened",
    );
    await tracker.close();
    wholeLines(file);
  });

  it("task record cut in the middle of a completion: the task is completed again at the next poll", async () => {
    const file = path.join(dir, "tasks.journal");
    crashWriter("tracker", file, "ledger:append:ack@1");
    const tracker = openTracker(file);
    assert.equal((await tracker.counts()).pending, 3, "the two emitted tasks are due again, the third still pending");
    assert.deepEqual(await tracker.reconcile(TASKS.slice(1)), { acknowledged: 1, added: 0 });
    assert.equal((await tracker.counts()).pending, 2);
    await tracker.close();
    wholeLines(file);
  });

  it("group commit: an acknowledgement confirmed durable survives a SIGKILL right after the confirmation", () => {
    const file = path.join(dir, "group.journal");
    const child = spawnSync(process.execPath, ["--require", "tsx/cjs", WRITER, "group-commit", file], {
      encoding: "utf8",
    });
    assert.equal(child.signal, "SIGKILL", child.stderr);
    assert.equal(child.stdout, "durable\n", "durable() resolved before the kill");
    const ledger = new DurableLedger<{ n: number }>({ file, maxAttempts: 3 });
    assert.equal(ledger.get("acked")?.state, "done");
    assert.deepEqual(ledger.get("acked")?.outcome, { nodeId: 7 });
    assert.equal(ledger.get("waiting")?.state, "pending", "unacknowledged: handed out again");
    ledger.close();
    wholeLines(file);
  });

  it("checkpoint cut between its temp file and the rename: the previous mark stays, the next write succeeds", () => {
    const file = path.join(dir, "checkpoint.json");
    crashWriter("checkpoint", file, "checkpoint:write@2");
    const checkpoint = new DurableCheckpoint(file);
    assert.equal(checkpoint.read(), 1_000);
    checkpoint.write(3_000);
    assert.equal(new DurableCheckpoint(file).read(), 3_000);
  });
});
