/*
 * Ledgers, checkpoints, delivery-log extracts and downloaded work files hold customer keys, account numbers and
 * document metadata: they are created readable by the Node-RED user only — folders 0700, files 0600 — whatever the
 * process umask lets through, and a journal an older version created 0644 is tightened when it is opened again.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DurableCheckpoint } from "../../nodes/lib/watch/checkpoint";
import { splitDeliveryLog } from "../../nodes/lib/watch/delivery-log";
import { FileStateStore } from "../../nodes/lib/state";
import { OutputWatchLedger } from "../../nodes/lib/watch/output-watch-ledger";
import { DurableLedger } from "../../nodes/lib/reliability/ledger";
import { WorkflowTaskTracker } from "../../nodes/lib/workflow/task-tracker";
import { driverSample, EXSTREAM_DEMO, withSimulator } from "../integration/exstream/setup";

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const octal = (mode: number) => `0${mode.toString(8)}`;

/** Every folder and file below `dir` (itself included) with its mode. */
function modesBelow(dir: string): Array<{ path: string; mode: string; folder: boolean }> {
  const found = [{ path: dir, mode: octal(modeOf(dir)), folder: true }];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    found.push({ path: full, mode: octal(modeOf(full)), folder: entry.isDirectory() });
  }
  return found;
}

function assertPrivate(dir: string): void {
  const wide = modesBelow(dir).filter((e) => e.mode !== (e.folder ? "0700" : "0600"));
  assert.deepEqual(wide, [], "every folder 0700, every file 0600");
}

describe("security: ledger and work files are owner-only (0700 folders, 0600 files)", function () {
  this.timeout(30_000);
  let tmp: string;
  let umask: number;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "file-modes-"));
    // The usual default: without explicit modes, folders come out 0755 and files 0644.
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the durable ledger: its folder, its journal, and the journal after compaction", () => {
    const dir = path.join(tmp, "exstream-xecm", "ledger");
    const ledger = new DurableLedger<{ account: string }>({ file: path.join(dir, "items.journal"), maxAttempts: 3 });
    ledger.add("a", { account: "ACC-1" });
    ledger.compact();
    ledger.add("b", { account: "ACC-2" });
    ledger.close();
    assertPrivate(dir);
    assert.equal(octal(modeOf(path.join(tmp, "exstream-xecm"))), "0700", "parents it created too");
  });

  it("tightens a journal an older version left 0644", () => {
    const dir = path.join(tmp, "old");
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, "items.journal");
    fs.writeFileSync(file, "", { mode: 0o644 });
    assert.equal(octal(modeOf(file)), "0644");
    new DurableLedger({ file, maxAttempts: 1 }).close();
    assert.equal(octal(modeOf(file)), "0600");
  });

  it("the output watch: both journals and the API-mode checkpoint", async () => {
    const dir = path.join(tmp, "watch");
    const store = new FileStateStore();
    const ledger = await OutputWatchLedger.open(store, {
      dir,
      name: "watch",
      maxAttempts: 3,
      retainFinishedMs: 60_000,
    });
    await ledger.settle("manifest|1|2", { path: "/x/_STDDELIVERYFILE.xml", size: 1, mtimeMs: 2 });
    await store.close();
    new DurableCheckpoint(path.join(dir, "checkpoint.json")).write(Date.now());
    assertPrivate(dir);
  });

  it("the workflow trigger's task tracker", async () => {
    const dir = path.join(tmp, "workflow");
    const tracker = new WorkflowTaskTracker({
      file: path.join(dir, "tasks.journal"),
      reemitAfterMs: 1000,
      maxInFlight: 1,
    });
    await tracker.counts();
    await tracker.close();
    assertPrivate(dir);
  });

  it("each customer's delivery-log extract", async () => {
    const log = path.join(tmp, "delivery_log.xml");
    fs.writeFileSync(
      log,
      '<deliveryLog><customer number="1" accountNumber="ACC-1"><queue name="Print" status="delivered"/></customer>' +
        '<customer number="2" accountNumber="ACC-2"><queue name="Print" status="delivered"/></customer></deliveryLog>',
    );
    const dir = path.join(tmp, "ledger", "delivery-logs", "run");
    await splitDeliveryLog(log, dir);
    assert.equal(fs.readdirSync(dir).length, 2);
    assertPrivate(path.join(tmp, "ledger"));
  });

  describe("files downloaded from Exstream into a work folder", () => {
    const { client } = withSimulator();

    it("the delivery file and every artifact", async () => {
      const driver = await driverSample(client(), "Monthly Statement");
      const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
      await client().waitForJob(instance.jobId, { pollIntervalMs: 10 });
      const [step] = (await client().listFlowSteps({ flowInstanceId: instance.id, stepTypes: ["communication"] }))
        .items;
      const work = path.join(tmp, "work");
      await client().downloadDeliveryFile(step.id, path.join(work, "job", "_STDDELIVERYFILE.xml"));
      for await (const name of client().iterateOutputFiles(step.id)) {
        await client().downloadArtifact(step.id, name, path.join(work, "job", "output", name));
      }
      assert.ok(modesBelow(work).length > 10, "files were downloaded");
      assertPrivate(work);
    });
  });
});
