import assert from "node:assert/strict";
import sinon from "sinon";
import { ExstreamError, type Job } from "../../../nodes/lib/exstream";
import { driverSample, EXSTREAM_DEMO, withSimulator } from "./setup";

describe("Exstream client: batch jobs and runtime queries", () => {
  const { sim, client } = withSimulator({ "job-delay-ms": "50" });
  let driver: Buffer;
  before(async () => {
    driver = await driverSample(client(), "Monthly Statement");
  });
  afterEach(async () => {
    await fetch(`${sim().url}/sim/faults`, { method: "DELETE" });
  });

  it("submits to an input channel and follows the job to complete", async () => {
    const instances = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    assert.ok(instances.length >= 1);
    assert.equal(instances[0].status, "started");
    const polled: string[] = [];
    const job = await client().waitForJob(instances[0].jobId, {
      pollIntervalMs: 10,
      timeoutMs: 10_000,
      onPoll: (j) => polled.push(j.status),
    });
    assert.equal(job.status, "complete");
    assert.equal(job.id, instances[0].jobId);
    assert.equal(typeof job.endDate, "number", "dates are epoch milliseconds");
    assert.ok(polled.length >= 1);
  });

  it("follows a job to error and reports the job's message", async () => {
    await fetch(`${sim().url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "job-error", message: "Driver record 2 has no AccountNumber", times: 1 }),
    });
    const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    await assert.rejects(client().waitForJob(instance.jobId, { pollIntervalMs: 10 }), (err: unknown) => {
      assert.ok(err instanceof ExstreamError);
      assert.equal(err.operation, "batch job");
      assert.match(err.message, /Driver record 2 has no AccountNumber/);
      return true;
    });
  });

  it("gives up at the deadline with code EDEADLINE", async () => {
    await fetch(`${sim().url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "slow-engine", delayMs: 800 }),
    });
    // The deadline is read from a fake Date that jumps past it at the first poll: the wait must end right there.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    const seen: string[] = [];
    try {
      const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
      const onPoll = (job: Job) => {
        seen.push(job.status);
        clock.tick(201);
      };
      await assert.rejects(
        client().waitForJob(instance.jobId, { pollIntervalMs: 20, timeoutMs: 200, onPoll }),
        (err: unknown) => err instanceof ExstreamError && err.code === "EDEADLINE",
      );
    } finally {
      clock.restore();
    }
    assert.equal(seen.length, 1, "no poll after the deadline");
    assert.notEqual(seen[0], "complete");
    await sim().idle();
  });

  it("answers 404 for a channel no flow model listens on", async () => {
    await assert.rejects(
      client().submitBatch({ channel: "NoSuchChannel", body: driver }),
      (err: unknown) => err instanceof ExstreamError && err.status === 404,
    );
  });

  describe("runtime queries", () => {
    const jobIds: string[] = [];
    before(async () => {
      for (let i = 0; i < 5; i++) {
        const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
        jobIds.push(instance.jobId);
      }
      for (const id of jobIds) await client().waitForJob(id, { pollIntervalMs: 10 });
    });

    it("pages through jobs with offset/count and the filter syntax, reading every page", async () => {
      const first = await client().listJobs({ statuses: ["complete", "error"] }, { offset: 0, count: 2 });
      assert.equal(first.items.length, 2);
      assert.ok((first.page.totalElements ?? 0) >= 5);
      const all: Job[] = [];
      for await (const job of client().iterateJobs({ statuses: ["complete", "error"] }, 2)) all.push(job);
      assert.equal(all.length, first.page.totalElements);
      assert.equal(new Set(all.map((j) => j.id)).size, all.length, "no job twice across pages");
      for (const id of jobIds)
        assert.ok(
          all.some((j) => j.id === id),
          `job ${id} listed`,
        );
      assert.ok(all.every((j) => j.status === "complete" || j.status === "error"));
    });

    it("filters jobs by status", async () => {
      const errors: Job[] = [];
      for await (const job of client().iterateJobs({ statuses: ["error"] }, 2)) errors.push(job);
      assert.ok(errors.length >= 1, "the failed job of the earlier test");
      assert.ok(errors.every((j) => j.status === "error"));
    });

    it("finds a job's flow instances and its communication step", async () => {
      const job = await client().getJob(jobIds[0]);
      assert.equal(job.status, "complete");
      const instances = await client().listFlowInstances({ jobId: jobIds[0] });
      assert.ok(instances.items.length >= 1);
      assert.ok(instances.items.every((fi) => fi.jobId === jobIds[0]));
      const instance = await client().getFlowInstance(instances.items[0].id);
      assert.equal(instance.jobId, jobIds[0]);
      const steps: string[] = [];
      for await (const step of client().iterateFlowSteps({
        flowInstanceId: instance.id,
        stepTypes: ["communication"],
      })) {
        steps.push(step.id);
        assert.equal(step.stepType, "communication");
        assert.equal(step.flowInstanceId, instance.id);
      }
      assert.equal(steps.length, 1);
      const step = await client().getFlowStep(steps[0]);
      assert.equal(step.deliveryFileRetrievable, true);
    });

    it("lists completed jobs since a checkpoint, oldest first", async () => {
      const ours = await Promise.all(jobIds.map((id) => client().getJob(id)));
      const endDates = ours.map((j) => j.endDate as number).sort((a, b) => a - b);
      const since = endDates[1]; // the two earliest-ending jobs are at or before the checkpoint
      const jobs = await client().completedJobsSince(since);
      const ids = jobs.map((j) => j.id);
      for (const job of ours) {
        assert.equal(ids.includes(job.id), (job.endDate as number) > since, `job ${job.id} vs checkpoint`);
      }
      assert.ok(jobs.every((j) => (j.endDate as number) > since && j.status === "complete"));
      for (let i = 1; i < jobs.length; i++) assert.ok((jobs[i].endDate as number) >= (jobs[i - 1].endDate as number));
      const none = await client().completedJobsSince(Math.max(since, ...jobs.map((j) => j.endDate as number)));
      assert.deepEqual(none, []);
    });
  });
});
