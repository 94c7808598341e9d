import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findOnDemandJob, findOnDemandManifest, forEachJobCommunication } from "../../../nodes/lib/exstream";
import sinon from "sinon";
import { EXSTREAM_DEMO, withSimulator } from "./setup";

const ALICE = {
  CustomerId: "C-1001",
  AccountNumber: "ACC-1001",
  FirstName: "Alice",
  Language: "en",
  Jurisdiction: "US",
};

describe("Exstream job outputs (runtime API)", () => {
  const { sim, client } = withSimulator();

  const generate = (account: string) => {
    const driver = Buffer.from(JSON.stringify({ ...ALICE, AccountNumber: account, CustomerId: `C-${account}` }));
    return client()
      .generate({
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
        driver,
      })
      .then((result) => ({ result, driver }));
  };

  it("finds the ONDEMAND job of a generate call by the input its flow instance recorded", async () => {
    const sentAt = Date.now();
    const mine = await generate("ACC-1001");
    await generate("ACC-1002"); // newer, not ours
    const found = await findOnDemandJob(client(), { sinceMs: sentAt, input: mine.driver });
    assert.ok(found.match);
    assert.equal(found.match.matchedBy, "input");
    assert.equal(found.match.job.mode, "ONDEMAND");
    const manifest = await findOnDemandManifest(client(), mine.result.outputs, { sinceMs: sentAt, input: mine.driver });
    assert.ok(manifest);
    assert.equal(manifest.customers[0].files[0].keys.AccountNumber, "ACC-1001");
  });

  it("reads a delivery file too large to hold in memory through a temporary file, and removes it", async () => {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "ondemand-large-"));
    const tooLarge = sinon.stub(client(), "readDeliveryFile").resolves(undefined);
    const download = sinon.spy(client(), "downloadDeliveryFile");
    try {
      const sentAt = Date.now();
      const mine = await generate("ACC-5001");
      const manifest = await findOnDemandManifest(client(), mine.result.outputs, {
        sinceMs: sentAt,
        input: mine.driver,
        tmpDir,
      });
      assert.equal(manifest?.customers[0].files[0].keys.AccountNumber, "ACC-5001");
      assert.equal(download.callCount, 1, "fetched again, to a file");
      assert.deepEqual(fs.readdirSync(tmpDir), [], "the temporary file is removed");
    } finally {
      tooLarge.restore();
      download.restore();
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  });

  it("without the input, recognises the job whose manifest lists exactly the renditions of the response", async () => {
    const sentAt = Date.now();
    const mine = await generate("ACC-7001");
    await generate("ACC-7002"); // newer, not ours
    const found = await findOnDemandManifest(client(), mine.result.outputs, { sinceMs: sentAt });
    assert.ok(found, "found by its renditions");
    assert.equal(found.customers[0].files[0].keys.AccountNumber, "ACC-7001");
  });

  it("stops reading the job list at the first job older than the call while the server lists newest first", async () => {
    for (let i = 0; i < 4; i++) await generate(`ACC-OLD-${i}`);
    sim().advanceClock(10 * 60_000);
    const sentAt = Date.now() + 10 * 60_000 - 1000;
    const mine = await generate("ACC-NEW");
    const iterateJobs = client().iterateJobs.bind(client());
    let pulled = 0;
    const spy = sinon.stub(client(), "iterateJobs").callsFake(async function* (...args) {
      for await (const job of iterateJobs(...args)) {
        pulled++;
        yield job;
      }
    });
    try {
      const found = await findOnDemandJob(client(), { sinceMs: sentAt, input: mine.driver });
      assert.equal(found.match?.matchedBy, "input");
      assert.equal(pulled, 2, "the new job, then the first older one ends the scan");
    } finally {
      spy.restore();
    }
  });

  it("finds no job for a call sent after every job started", async () => {
    const { driver } = await generate("ACC-8001");
    const later = sim().clock.now() + 5 * 60_000;
    assert.deepEqual(await findOnDemandJob(client(), { sinceMs: later, input: driver }), { unchecked: 0 });
  });

  it("streams a batch job's outputs and hands out each customer once with its local files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "job-outputs-"));
    try {
      const [instance] = await client().submitBatch({
        channel: EXSTREAM_DEMO.batchChannel,
        body: [ALICE, { ...ALICE, AccountNumber: "ACC-2", CustomerId: "C-2" }],
      });
      await client().waitForJob(instance.jobId, { pollIntervalMs: 20 });
      const seen: string[] = [];
      const summary = await forEachJobCommunication(client(), instance.jobId, { destDir: dir }, (c) => {
        seen.push(c.customerNumber);
        for (const f of c.files) {
          assert.ok(f.localPath.startsWith(dir + path.sep));
          assert.equal(fs.statSync(f.localPath).size, f.bytes);
        }
        assert.equal(new Set(c.files.map((f) => f.queueName)).size, 3);
      });
      assert.deepEqual(seen.sort(), ["1", "2"]);
      assert.equal(summary.customers, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
