import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { SimClient } from "./sim-client";
import { optionsFromFlags } from "../../../sim/exstream/options";

const RT = "/orchestration/api/v1/runtime/Demo";

describe("Exstream simulator: faults, clock and retention", () => {
  let sim: TestExstreamSim;
  let client: SimClient;
  const sendFault = (fault: Record<string, unknown>) =>
    fetch(`${sim.url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fault),
    });
  const generate = (headers: Record<string, string> = {}) =>
    client.generate(
      "Demo",
      EXSTREAM_DEMO.communicationId,
      EXSTREAM_DEMO.driverDataSource,
      JSON.stringify(sim.seed.customers[0]),
      headers,
    );

  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  it("forces HTTP 500/409/401 through /sim/faults for a number of requests, with the error envelope", async () => {
    await client.token();
    assert.equal(
      (await sendFault({ type: "http", status: 500, path: "/design/", times: 2, message: "database down" })).status,
      200,
    );
    const first = await client.get("/design/api/v1/domains");
    assert.equal(first.status, 500);
    assert.equal(first.json.message, "database down");
    assert.equal(first.json.error, "Internal Server Error");
    assert.equal((await client.get("/design/api/v1/domains")).status, 500);
    assert.equal((await client.get("/design/api/v1/domains")).status, 200, "fault used up after 2 requests");

    await sendFault({ type: "http", status: 409, path: "/state", method: "PUT", times: 1 });
    assert.equal(
      (
        await client.putJson("/design/api/v1/resources/Demo/b1000000-0000-4000-8000-000000000041/state", {
          state: "DRAFT",
        })
      ).status,
      409,
    );

    await sendFault({ type: "http", status: 401, times: 1 });
    assert.equal((await client.get("/design/api/v1/domains")).status, 401);
    assert.equal(((await fetch(`${sim.url}/sim/faults`).then((r) => r.json())) as { http: unknown[] }).http.length, 0);
    assert.equal((await client.get("/design/api/v1/domains")).status, 200);
  });

  it("runs a request and then loses its answer with an after-processing fault (502 or a dropped connection)", async () => {
    const onDemandJobs = async () => (await client.get(`${RT}/jobs?filter=mode:ONDEMAND`)).json.data.length;
    await client.token();
    await sendFault({
      type: "http",
      status: 502,
      path: "/generate",
      after: true,
      times: 1,
      message: "gateway lost it",
    });
    const lost = await generate();
    assert.equal(lost.status, 502);
    assert.equal(lost.json.message, "gateway lost it");
    assert.equal(await onDemandJobs(), 1, "the job ran although its answer was lost");

    await sendFault({ type: "http", status: 500, path: "/generate", after: true, reset: true, times: 1 });
    await assert.rejects(generate(), (err: Error) => /fetch failed/.test(err.message));
    assert.equal(await onDemandJobs(), 2, "the job ran although the connection was dropped");

    await sendFault({ type: "http", status: 500, path: "/generate", reset: true, times: 1 });
    await assert.rejects(generate(), (err: Error) => /fetch failed/.test(err.message));
    assert.equal(await onDemandJobs(), 2, "a fault without after drops the connection before the request runs");
    assert.equal((await generate()).status, 200, "each fault was used up");
    assert.equal(await onDemandJobs(), 3);
  });

  it("slows the engine down and makes jobs end in error with the given message", async () => {
    await sendFault({ type: "slow-engine", delayMs: 300 });
    const started = Date.now();
    assert.equal((await generate()).status, 200);
    assert.ok(Date.now() - started >= 300);
    await fetch(`${sim.url}/sim/faults`, { method: "DELETE" });

    await sendFault({ type: "job-error", message: "Engine exited with code 8", times: 1 });
    const failed = await generate();
    assert.equal(failed.status, 500);
    assert.match(failed.json.message, /Engine exited with code 8/);
    const errored = await client.get(`${RT}/jobs?filter=statuses:error`);
    assert.equal(errored.json.data[0].msg, "Engine exited with code 8");
    assert.equal((await generate()).status, 200, "only one job was to fail");

    sim.faults.add({ type: "job-error", message: "batch broke" });
    const batch = await (
      await client.withCsrfCookie()
    ).request("POST", `/orchestration/api/v1/inputs/batch/Demo/${EXSTREAM_DEMO.batchChannel}`, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sim.seed.customers),
    });
    const job = await sim.waitForJob(batch.json.data[0].jobId);
    assert.equal(job.status, "error");
    assert.equal(job.msg, "batch broke");
  });

  it("applies faults given as CLI flags", async () => {
    await sim.close();
    sim = await startTestExstreamSim({
      "fault-status": "503",
      "fault-path": "/orchestration/",
      "fault-times": "1",
      "job-error": "flagged failure",
    });
    client = new SimClient(sim);
    assert.equal((await generate()).status, 503);
    const second = await generate();
    assert.equal(second.status, 500);
    assert.match(second.json.message, /flagged failure/);
  });

  it("writes the output tree in slow mode (chunked, manifest last) as well", async () => {
    await sim.close();
    sim = await startTestExstreamSim({ "write-mode": "slow", "chunk-delay-ms": "2" });
    client = new SimClient(sim);
    assert.equal((await generate()).status, 200);
    const job = (await client.get(`${RT}/jobs?filter=mode:ONDEMAND`)).json.data[0];
    const instance = (await client.get(`${RT}/flow-instances?filter=jobId:${job.id}`)).json.data[0];
    const step = (await client.get(`${RT}/flow-steps?filter=flowInstanceId:${instance.id};stepTypes:communication`))
      .json.data[0];
    const manifest = await client.get(`${RT}/flow-steps/${step.id}/delivery-file`);
    assert.match(manifest.body.toString("utf16le"), /<\/outputList>/);
  });

  it("deletes whole jobs/<jobId> trees of jobs older than the retention", async () => {
    await sim.close();
    sim = await startTestExstreamSim({ "retention-ms": "60000" });
    client = new SimClient(sim);
    await generate();
    const job = (await client.get(`${RT}/jobs?filter=mode:ONDEMAND`)).json.data[0];
    const jobDir = path.join(sim.outputRoot, "demo", "Demo", "jobs", job.id);
    assert.ok(existsSync(jobDir));
    assert.deepEqual(await sim.runCleanup(), [], "not old enough yet");
    const clock = await fetch(`${sim.url}/sim/clock`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ advanceMs: 61_000 }),
    });
    assert.equal(clock.status, 200);
    await client.token().then(() => undefined);
    const cleaned = (await fetch(`${sim.url}/sim/cleanup`, { method: "POST" }).then((r) => r.json())) as {
      deletedJobs: string[];
    };
    assert.deepEqual(cleaned.deletedJobs, [job.id]);
    assert.equal(existsSync(jobDir), false);
    const fresh = new SimClient(sim);
    assert.equal((await fresh.get(`${RT}/jobs?filter=ids:${job.id}`)).json.data.length, 0);
    assert.equal((await fresh.get(`${RT}/jobs?filter=ids:${job.id}&fetchDeleted=true`)).json.data[0].status, "deleted");
  });

  it("resets to the seed and reports counters on /sim/state", async () => {
    await client.upload(
      "POST",
      "/design/api/v1/resources/Demo/content?name=Temp&type=samplefile",
      "file",
      "t.json",
      "{}",
    );
    const state = (await fetch(`${sim.url}/sim/state`).then((r) => r.json())) as { counters: { tokensIssued: number } };
    assert.equal(state.counters.tokensIssued, 1);
    assert.equal((await fetch(`${sim.url}/sim/reset`, { method: "POST" })).status, 200);
    const fresh = new SimClient(sim);
    assert.equal((await fresh.get("/design/api/v1/resources/Demo?filter.name=Temp")).json.data.length, 0);
  });

  it("changes the wire readings at run time through /sim/settings and back to the flags on reset", async () => {
    const settings = (body: unknown) =>
      fetch(`${sim.url}/sim/settings`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const changed = await settings({ dates: "iso", csrf: "off", filterSyntax: "object" });
    assert.equal(changed.status, 200);
    assert.deepEqual(await changed.json(), {
      csrf: "off",
      csrfCookie: "csrfToken",
      dates: "iso",
      filterSyntax: "object",
    });
    await generate();
    const jobs = await client.get(`${RT}/jobs?filter.mode=ONDEMAND`);
    assert.equal(typeof jobs.json.data[0].startDate, "string");
    assert.equal((await settings({ dates: "julian" })).status, 400);
    const csrfExpire = await fetch(`${sim.url}/sim/csrf/expire`, { method: "POST" });
    assert.equal(csrfExpire.status, 200);
    await fetch(`${sim.url}/sim/reset`, { method: "POST" });
    assert.equal(sim.options.protocol.dates, "epoch");
    assert.equal(sim.options.protocol.csrf, "required");
  });

  it("refuses an unknown wire reading on the command line, naming the flag and its values", () => {
    assert.throws(() => optionsFromFlags({ dates: "julian" }), /--dates must be epoch or iso/);
    assert.throws(() => optionsFromFlags({ csrf: "maybe" }), /--csrf must be required or off/);
    assert.throws(
      () => optionsFromFlags({ "filter-syntax": "xml" }),
      /--filter-syntax must be both or semicolon or object/,
    );
  });

  it("lets a test add a batch channel for any communication", async () => {
    const res = await fetch(`${sim.url}/sim/channels`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        domain: "Demo",
        name: "Reminders",
        communicationId: "c0000000-0000-4000-8000-000000000006",
      }),
    });
    assert.equal(res.status, 201);
    const batch = await (
      await client.withCsrfCookie()
    ).request("POST", "/orchestration/api/v1/inputs/batch/Demo/Reminders", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sim.seed.customers[0]),
    });
    assert.equal((await sim.waitForJob(batch.json.data[0].jobId)).status, "complete");
  });
});
