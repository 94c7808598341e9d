import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ExstreamError, openDeliveryManifest, type CustomerCommunication } from "../../../nodes/lib/exstream";
import { driverSample, EXSTREAM_DEMO, withSimulator } from "./setup";

describe("Exstream client: delivery file and artifacts", () => {
  const { client } = withSimulator();
  let stepId: string;
  let dir: string;

  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "exstream-artifacts-"));
    const driver = await driverSample(client(), "Monthly Statement");
    const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    await client().waitForJob(instance.jobId, { pollIntervalMs: 10 });
    const steps = await client().listFlowSteps({ flowInstanceId: instance.id, stepTypes: ["communication"] });
    stepId = steps.items[0].id;
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("streams the delivery file to disk and it parses as the run's manifest", async () => {
    const dest = path.join(dir, "job", "_STDDELIVERYFILE.xml");
    const file = await client().downloadDeliveryFile(stepId, dest);
    assert.equal(file.path, dest);
    assert.equal((await fsp.stat(dest)).size, file.bytes);
    await assert.rejects(fsp.stat(`${dest}.part`), "no partial file left behind");
    const manifest = await openDeliveryManifest(dest);
    const customers: CustomerCommunication[] = [];
    for await (const c of manifest.customers()) customers.push(c);
    assert.equal(customers.length, 4);
    assert.equal(manifest.summary.customersProcessed, 4);
    for (const c of customers) {
      assert.deepEqual(c.files.map((f) => f.queueName).sort(), ["Email_HTML", "Print_PDF", "SMS_Text"]);
      assert.ok(c.files[0].keys.AccountNumber, "customer keys");
    }
    assert.ok(manifest.summary.reportFiles.length >= 1, "delivery log report");
  });

  it("reads a small delivery file into memory (the same bytes) and reads no further into a larger one", async () => {
    const dest = path.join(dir, "compare", "_STDDELIVERYFILE.xml");
    const file = await client().downloadDeliveryFile(stepId, dest);
    const inMemory = await client().readDeliveryFile(stepId, file.bytes);
    assert.deepEqual(inMemory, await fsp.readFile(dest));
    assert.equal(await client().readDeliveryFile(stepId, file.bytes - 1), undefined, "one byte over the limit");
    const customers: CustomerCommunication[] = [];
    for await (const c of (await openDeliveryManifest(inMemory!)).customers()) customers.push(c);
    assert.equal(customers.length, 4);
  });

  it("lists the output files over pages and streams every artifact to disk", async () => {
    const names: string[] = [];
    for await (const name of client().iterateOutputFiles(stepId, 5)) names.push(name);
    assert.ok(names.length >= 12, `${names.length} output files`);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) {
      const dest = path.join(dir, "out", name);
      const file = await client().downloadArtifact(stepId, name, dest);
      assert.ok(file.bytes > 0, name);
      assert.equal((await fsp.stat(dest)).size, file.bytes);
    }
    const pdf = names.find((n) => n.endsWith(".pdf"));
    assert.ok(pdf);
    const head = await fsp.readFile(path.join(dir, "out", pdf), { encoding: "latin1" });
    assert.ok(head.startsWith("%PDF-"));
  });

  it("maps a missing artifact to ExstreamError 404 and leaves no file", async () => {
    const dest = path.join(dir, "missing.pdf");
    await assert.rejects(
      client().downloadArtifact(stepId, "Queue_9_Nope/none.pdf", dest),
      (err: unknown) => err instanceof ExstreamError && err.status === 404,
    );
    await assert.rejects(fsp.stat(dest));
    await assert.rejects(fsp.stat(`${dest}.part`));
  });
});
