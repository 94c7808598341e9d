/**
 * Child process of journals-after-crash.test.ts: drives a workflow task tracker or an API-mode checkpoint through a
 * fixed script while a crash point (EXSTREAM_XECM_CRASH_AT) is armed, so the process dies at that exact moment.
 *   tsx journal-writer.ts tracker <journal file> | checkpoint <checkpoint file> | group-commit <journal file>
 * "group-commit" records with group commit on, acknowledges, waits for durable(), says so on stdout and SIGKILLs itself
 * with one more change appended and not yet synced.
 */
import { DurableCheckpoint } from "../../nodes/lib/watch/checkpoint";
import { DurableLedger } from "../../nodes/lib/reliability/ledger";
import { WorkflowTaskTracker, type TrackedTask } from "../../nodes/lib/workflow/task-tracker";

export const TASKS: TrackedTask[] = [1, 2, 3].map((n) => ({
  processId: 100 + n,
  subprocessId: 100 + n,
  taskId: 1,
  stepName: "Generate letter",
}));

export const GROUP_COMMIT_MS = 50;

if (require.main === module) void run(process.argv[2], process.argv[3]);

async function run(kind: string, file: string): Promise<void> {
  if (kind === "tracker") {
    // Two in flight at most: the first two tasks are claimed for emission, the third waits.
    const tracker = new WorkflowTaskTracker({ file, reemitAfterMs: 60_000, maxInFlight: 2 });
    await tracker.reconcile(TASKS);
    await tracker.due();
    await tracker.reconcile(TASKS.slice(1)); // the first task left the assignments: completed in CS
    await tracker.close(false);
  } else if (kind === "checkpoint") {
    const checkpoint = new DurableCheckpoint(file);
    checkpoint.write(1_000);
    checkpoint.write(2_000);
  } else if (kind === "group-commit") {
    const ledger = new DurableLedger<{ n: number }>({ file, maxAttempts: 3, groupCommitMs: GROUP_COMMIT_MS });
    ledger.add("acked", { n: 1 });
    ledger.add("waiting", { n: 2 });
    ledger.take("acked");
    ledger.acknowledge("acked", { nodeId: 7 });
    await ledger.durable();
    process.stdout.write("durable\n");
    ledger.take("waiting");
    process.kill(process.pid, "SIGKILL");
  } else {
    throw new Error(`unknown journal kind ${kind}`);
  }
}
