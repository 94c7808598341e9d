import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findOnDemandManifest, forEachJobCommunication } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, withSimulator } from "./setup";

const ALICE = {
  CustomerId: "C-1001",
  AccountNumber: "ACC-1001",
  FirstName: "Alice",
  Language: "en",
  Jurisdiction: "US",
};

describe("Exstream job outputs (runtime API)", () => {
  const { client } = withSimulator();

  it("finds the ONDEMAND job of a generate call by its correlation id", async () => {
    const sentAt = Date.now();
    const result = await client().generate({
      communicationId: EXSTREAM_DEMO.communicationId,
      driverDataSource: EXSTREAM_DEMO.driverDataSource,
      driver: ALICE,
      headers: { externalId: "corr-1" },
    });
    const found = await findOnDemandManifest(client(), result.outputs, { externalId: "corr-1", sinceMs: sentAt });
    assert.ok(found);
    assert.equal(found.job.externalId, "corr-1");
    assert.equal(found.customers[0].files[0].keys.AccountNumber, "ACC-1001");
  });

  it("falls back to recent ONDEMAND jobs whose manifest lists exactly the renditions of the response", async () => {
    const sentAt = Date.now();
    const generate = (account: string) =>
      client().generate({
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
        driver: { ...ALICE, AccountNumber: account, CustomerId: `C-${account}` },
      });
    const mine = await generate("ACC-7001");
    await generate("ACC-7002"); // newer, not ours
    const found = await findOnDemandManifest(client(), mine.outputs, { externalId: "not-recorded", sinceMs: sentAt });
    assert.ok(found, "found without a recorded correlation id");
    assert.equal(found.customers[0].files[0].keys.AccountNumber, "ACC-7001");
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
