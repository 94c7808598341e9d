/*
 * The client against each reading of the wire the evidence allows: the CSRF cookie of HTTP input channels, the batch
 * input path, both runtime filter syntaxes (and servers that honour only one), epoch and ISO dates, artifact paths.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ExstreamError, type ExstreamClient } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { clientFor, driverSample } from "./setup";

describe("Exstream client: each reading of the wire", () => {
  let sim: TestExstreamSim;
  let client: ExstreamClient;
  let driver: Buffer;

  async function start(flags: Record<string, string> = {}, options: Parameters<typeof clientFor>[2] = {}) {
    client?.close();
    await sim?.close();
    sim = await startTestExstreamSim(flags);
    client = clientFor(sim, {}, options);
    driver ??= await driverSample(client, "Monthly Statement");
  }
  const submit = () => client.submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
  const completedJob = async () => {
    const [instance] = await submit();
    await client.waitForJob(instance.jobId, { pollIntervalMs: 10 });
    return instance;
  };

  afterEach(async () => {
    client?.close();
    await sim?.close();
  });

  describe("the CSRF cookie of HTTP input channels", () => {
    it("is sent with a batch submission, the value the server sets adopted after its 403", async () => {
      await start();
      await client.getDesignVersion(); // the token, and no orchestration response that would set the cookie
      const before = sim.counters().requests;
      await submit();
      assert.equal(sim.counters().batchSubmissions, 1);
      assert.equal(sim.counters().requests - before, 2, "refused once without a known cookie, then accepted");
      await submit();
      assert.equal(sim.counters().requests - before, 3, "the adopted cookie is kept");
    });

    it("is replaced once when the server says it expired", async () => {
      await start();
      await submit();
      sim.expireCsrfTokens();
      await submit();
      assert.equal(sim.counters().batchSubmissions, 2);
    });

    it("is not replayed when a 403 is about something else, and the error names the server's reason", async () => {
      await start();
      sim.faults.add({ type: "http", status: 403, path: "/inputs/batch/", times: 2 });
      const err = await submit().then(
        () => assert.fail("expected 403"),
        (e: unknown) => e as ExstreamError,
      );
      assert.equal(err.status, 403);
      assert.equal(sim.faults.snapshot().http[0]?.times, 1, "sent once: one of the two faults left");
    });

    it("goes under a configured cookie name, with the value also in a header when configured", async () => {
      await start({ "csrf-cookie": "XSRF-TOKEN" }, { csrf: { cookieName: "XSRF-TOKEN", headerName: "X-XSRF-TOKEN" } });
      await submit();
      assert.equal(sim.counters().batchSubmissions, 1);
    });

    it("costs nothing against a server that does not ask for it (--csrf off)", async () => {
      await start({ csrf: "off" });
      await client.getDesignVersion();
      const before = sim.counters().requests;
      await submit();
      assert.equal(sim.counters().requests - before, 1);
    });
  });

  it("submits batches to a configured input path, {domain} and {channel} encoded", async () => {
    await start({}, { batchInputPath: "/channels/{domain}/{channel}/input" });
    const err = await submit().then(
      () => assert.fail("expected 404"),
      (e: unknown) => e as ExstreamError,
    );
    assert.equal(err.status, 404);
    assert.equal(err.path, `/orchestration/api/v1/channels/Demo/${EXSTREAM_DEMO.batchChannel}/input`);
  });

  describe("runtime filters", () => {
    it("sends filter=… and, when a server answers 400, switches to filter.<key> for good", async () => {
      await start({ "filter-syntax": "object" });
      const instance = await completedJob();
      const before = sim.counters().requests;
      const first = await client.listFlowInstances({ jobId: instance.jobId });
      assert.deepEqual(
        first.items.map((i) => i.id),
        [instance.id],
      );
      assert.equal(sim.counters().requests - before, 2, "one 400, then the object syntax");
      await client.listFlowInstances({ jobId: instance.jobId });
      assert.equal(sim.counters().requests - before, 3, "the object syntax is kept");
    });

    it("keeps a configured syntax: object against a server that ignores it still lists only the job's instances", async () => {
      await start({ "filter-syntax": "semicolon" }, { runtimeFilterStyle: "object" });
      const mine = await completedJob();
      await completedJob();
      const everything = await client.listFlowInstances();
      assert.equal(everything.items.length, 2);
      const listed = await client.listFlowInstances({ jobId: mine.jobId });
      assert.deepEqual(
        listed.items.map((i) => i.jobId),
        [mine.jobId],
        "the other job's instance the server returned is dropped",
      );
      assert.equal(listed.received, 2);
      const iterated = [];
      for await (const i of client.iterateFlowInstances({ jobId: mine.jobId }, 1)) iterated.push(i.id);
      assert.deepEqual(iterated, [mine.id], "paging advances by what the server sent");
    });

    it("fails with the server's 400 when the configured syntax is refused (no fallback)", async () => {
      await start({ "filter-syntax": "object" }, { runtimeFilterStyle: "semicolon" });
      const err = await client.listJobs({ statuses: "complete" }).then(
        () => assert.fail("expected 400"),
        (e: unknown) => e as ExstreamError,
      );
      assert.equal(err.status, 400);
    });
  });

  for (const dates of ["epoch", "iso"]) {
    it(`reads ${dates} runtime dates into epoch milliseconds (jobs, completed-since, flow steps)`, async () => {
      await start({ dates });
      const sentAt = Date.now() - 1000;
      const instance = await completedJob();
      const job = await client.getJob(instance.jobId);
      assert.equal(typeof job.startDate, "number");
      assert.ok((job.endDate as number) >= (job.startDate as number));
      const since = await client.completedJobsSince(sentAt);
      assert.deepEqual(
        since.map((j) => j.id),
        [instance.jobId],
      );
      assert.deepEqual(await client.completedJobsSince((job.endDate as number) + 1), []);
      const steps = await client.listFlowSteps({ flowInstanceId: instance.id });
      assert.ok(steps.items.every((s) => typeof s.queueDate === "number"));
    });
  }

  it("downloads an output file whose name holds folders, each folder a path segment", async () => {
    await start();
    const instance = await completedJob();
    const [step] = (await client.listFlowSteps({ flowInstanceId: instance.id, stepTypes: "communication" })).items;
    const names = (await client.listOutputFiles(step.id, { count: 100 })).items;
    const nested = names.find((n) => n.includes("/") && n.endsWith(".pdf"));
    assert.ok(nested, "the simulator lists paths below output/");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "artifact-"));
    try {
      const file = await client.downloadArtifact(step.id, nested, path.join(dir, "a.pdf"));
      assert.equal(fs.readFileSync(file.path).subarray(0, 5).toString("latin1"), "%PDF-");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
