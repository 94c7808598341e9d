/*
 * API mode with replicas sharing a ledger folder: a step is claimed before anything of it is downloaded, so a step
 * another replica holds is neither downloaded into the same folder nor counted as done by the checkpoint.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiJobSource, type FetchedStep } from "../../../nodes/lib/watch/api-job-source";
import { driverSample, EXSTREAM_DEMO, withSimulator } from "../exstream/setup";

describe("API job source: claim before download", function () {
  this.timeout(30_000);
  const { client } = withSimulator();
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "api-source-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function completedJob(): Promise<string> {
    const driver = await driverSample(client(), "Monthly Statement");
    const [instance] = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    await client().waitForJob(instance.jobId, { pollIntervalMs: 10 });
    return instance.jobId;
  }

  /** A source whose claims are answered by `claimable`; handled steps are settled. */
  function source(claimable: (key: string) => boolean) {
    const settled = new Set<string>();
    const claims: Array<{ key: string; manifestPath: string }> = [];
    const api = new ApiJobSource({
      client: client(),
      workRoot: path.join(dir, "work"),
      checkpointFile: path.join(dir, "checkpoint.json"),
      manifestName: "_STDDELIVERYFILE.xml",
      startFrom: "all",
      isSettled: async (key) => settled.has(key),
      claim: async (key, manifestPath) => {
        claims.push({ key, manifestPath });
        return claimable(key);
      },
      shouldStop: () => false,
    });
    const handled: FetchedStep[] = [];
    const poll = () =>
      api.poll(async (step) => {
        handled.push(step);
        settled.add(step.key);
      });
    return { api, claims, handled, poll };
  }

  it("downloads nothing of a step another replica holds, handles the rest, and keeps the checkpoint before its job", async () => {
    const first = await completedJob();
    const second = await completedJob();
    const held = (key: string) => key.startsWith(`api:${first}/`);
    const replica = source((key) => !held(key));
    const before = replica.api.since();
    await replica.poll();

    const claimedFirst = replica.claims.filter((c) => held(c.key));
    assert.ok(claimedFirst.length > 0, "the held job's steps were asked for");
    for (const { manifestPath } of claimedFirst) {
      assert.equal(fs.existsSync(path.dirname(manifestPath)), false, `nothing downloaded into ${manifestPath}`);
    }
    assert.ok(replica.handled.length > 0, "the other job's steps are handled meanwhile");
    assert.ok(replica.handled.every((step) => step.job.id === second));
    for (const step of replica.handled) {
      assert.ok(fs.existsSync(step.manifestPath), "claimed first, then downloaded");
      assert.ok(replica.claims.some((c) => c.key === step.key && c.manifestPath === step.manifestPath));
    }
    assert.equal(replica.api.since(), before, "the checkpoint stays before the held job");

    // The other replica died: its claim ran out and this one may claim the step now.
    const after = source(() => true);
    await after.poll();
    assert.deepEqual(
      [...new Set(after.handled.map((step) => step.job.id))].sort(),
      [first, second].sort(),
      "fetched again from the checkpoint",
    );
    assert.ok(after.api.since() > before, "and the checkpoint moves on");
  });
});
