import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { INTERRUPTED_JOB_MESSAGE } from "../../../sim/exstream/jobs";
import { SimClient } from "./sim-client";

const O = "/orchestration/api/v1";
const RT = `${O}/runtime/Demo`;

describe("Exstream simulator: Orchestration on-demand and Empower", () => {
  let sim: TestExstreamSim;
  let client: SimClient;
  // Initech GmbH (C-1003): German, jurisdiction DE.
  const customer = () => JSON.stringify({ ...sim.seed.customers[2] });

  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  it("generates one output per queue in the success envelope and records an ONDEMAND job with its output tree", async () => {
    const res = await client.generate(
      "Demo",
      EXSTREAM_DEMO.communicationId,
      EXSTREAM_DEMO.driverDataSource,
      customer(),
      { externalId: "od-1" },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("set-cookie")?.startsWith("csrfToken="), true, "offers the CSRF cookie");
    assert.equal(res.json.status, "success");
    assert.deepEqual(
      res.json.data.map(
        (d: { mimeType: string; engineOutputContext: { queueName: string; customerNumber: string } }) => [
          d.mimeType,
          d.engineOutputContext.queueName,
          d.engineOutputContext.customerNumber,
        ],
      ),
      [
        ["application/pdf", "Print_PDF", "1"],
        ["text/html", "Email_HTML", "1"],
        ["text/plain", "SMS_Text", "1"],
      ],
    );
    assert.doesNotMatch(res.json.data[0].engineOutputContext.fileName, /\.pdf$/, "fileName comes without extension");
    const html = Buffer.from(res.json.data[1].content, "base64").toString("utf8");
    assert.match(html, /Initech GmbH/);
    assert.match(html, /Bundesrepublik Deutschland/, "German disclaimer variant for de/DE");

    const jobs = await client.get(`${RT}/jobs?filter=mode:ONDEMAND`);
    assert.equal(jobs.json.data.length, 1);
    assert.equal(jobs.json.data[0].externalId, null, "no request header sets a job's externalId");
    assert.equal(jobs.json.data[0].status, "complete");
    assert.equal(typeof jobs.json.data[0].startDate, "number");
    const jobDir = path.join(sim.outputRoot, "demo", "Demo", "jobs", jobs.json.data[0].id);
    assert.ok(existsSync(jobDir), "output tree written for the on-demand job");
  });

  it("returns the raw PDF with Accept: application/pdf", async () => {
    const res = await client.generate(
      "Demo",
      EXSTREAM_DEMO.communicationId,
      EXSTREAM_DEMO.driverDataSource,
      customer(),
      { Accept: "application/pdf" },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/pdf");
    assert.equal(res.body.subarray(0, 5).toString(), "%PDF-");
  });

  it("accepts XML driver data", async () => {
    const xml = `<?xml version="1.0"?><Customer><CustomerId>C-9</CustomerId><AccountNumber>ACC-9</AccountNumber><FirstName>Zoë</FirstName><LastName>Test</LastName><Language>en</Language><Jurisdiction>UK</Jurisdiction></Customer>`;
    const res = await client.request("POST", `${O}/inputs/ondemand/Demo/generate`, {
      headers: {
        "Content-Type": "application/xml",
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
      },
      body: xml,
    });
    assert.equal(res.status, 200);
    assert.match(Buffer.from(res.json.data[1].content, "base64").toString("utf8"), /Zoë/);
  });

  it("answers 400 for missing or foreign headers, 404 for unknown communications, 415 for other content types", async () => {
    const gen = (headers: Record<string, string>, body = customer()) =>
      client.request("POST", `${O}/inputs/ondemand/Demo/generate`, {
        headers: { "Content-Type": "application/json", ...headers },
        body,
      });
    const noComm = await gen({ driverDataSource: EXSTREAM_DEMO.driverDataSource });
    assert.equal(noComm.status, 400);
    assert.match(noComm.json.message, /communicationId/);
    assert.equal(noComm.json.error, "Bad Request");
    assert.equal((await gen({ communicationId: EXSTREAM_DEMO.communicationId })).status, 400);
    const foreign = await gen({
      communicationId: EXSTREAM_DEMO.communicationId,
      driverDataSource: "ClaimDecisionDriver",
    });
    assert.equal(foreign.status, 400);
    assert.match(foreign.json.message, /not the driver/);
    assert.equal(
      (await gen({ communicationId: "00000000-0000-4000-8000-00000000dead", driverDataSource: "X" })).status,
      404,
    );
    const csv = await client.request("POST", `${O}/inputs/ondemand/Demo/generate`, {
      headers: {
        "Content-Type": "text/csv",
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
      },
      body: "a,b\n1,2",
    });
    assert.equal(csv.status, 415);
    assert.equal(
      (
        await gen(
          { communicationId: EXSTREAM_DEMO.communicationId, driverDataSource: EXSTREAM_DEMO.driverDataSource },
          "{broken",
        )
      ).status,
      400,
    );
  });

  it("creates an Empower document (documentId) and fulfils it to a PDF", async () => {
    // A communication with an Empower queue: add one to the Monthly Statement set through the Design API.
    const empowerQueue = await client.upload(
      "POST",
      `/design/api/v1/resources/Demo/content?name=Empower&type=exstroutputqueue`,
      "file",
      "q.json",
      JSON.stringify({ m_strName: "Empower", driver: "Empower" }),
      "application/json",
    );
    const qid = empowerQueue.json.data.id as string;
    await client.putJson(`/design/api/v1/resources/Demo/${qid}/state`, { state: "REVIEW" });
    await client.putJson(`/design/api/v1/resources/Demo/${qid}/state`, { state: "APPROVED" });
    const setId = "c5000000-0000-4000-8000-000000000002";
    await client.putJson(`/design/api/v1/resources/Demo/${setId}/state`, { state: "DRAFT" });
    const setContent = { dataSourceRefs: ["d5000000-0000-4000-8000-000000000002"], outputQueueRefs: [qid] };
    await client.upload(
      "PUT",
      `/design/api/v1/resources/Demo/${setId}/content`,
      "file",
      "set.json",
      JSON.stringify(setContent),
      "application/json",
    );
    await client.putJson(`/design/api/v1/resources/Demo/${setId}/state`, { state: "REVIEW" });
    await client.putJson(`/design/api/v1/resources/Demo/${setId}/state`, { state: "APPROVED" });
    const comm = "c0000000-0000-4000-8000-000000000002";
    const driver = JSON.stringify({ ...sim.seed.customers[0], PolicyNumber: "POL-77" });

    assert.equal(
      (await client.generate("Demo", comm, "PolicyChangeDriver", driver)).status,
      400,
      "empowerUser required",
    );
    const full = await client.generate("Demo", comm, "PolicyChangeDriver", driver, { empowerUser: "demo-admin" });
    assert.equal(full.status, 200);
    assert.equal(full.json.data[0].mimeType, "application/vnd.exstream-empower");
    const fromEnvelope = JSON.parse(Buffer.from(full.json.data[0].content, "base64").toString()) as {
      documentId: string;
    };
    assert.match(fromEnvelope.documentId, /^[0-9a-f-]{36}$/);

    const idOnly = await client.generate("Demo", comm, "PolicyChangeDriver", driver, {
      empowerUser: "demo-admin",
      Accept: "application/json",
    });
    assert.equal(idOnly.headers.get("content-type"), "application/json");
    const documentId = idOnly.json.documentId as string;

    const fulfil = (ids: string[], headers: Record<string, string> = {}) =>
      client.postJson(
        `${O}/inputs/fulfillment/ondemand/Demo/fulfill`,
        { documents: ids },
        {
          communicationId: EXSTREAM_DEMO.communicationId,
          driverDataSource: EXSTREAM_DEMO.driverDataSource,
          preserveDocuments: "true",
          ...headers,
        },
      );
    const envelope = await fulfil([documentId]);
    assert.equal(envelope.status, 200);
    assert.equal(envelope.json.data[0].mimeType, "application/pdf");
    const pdf = await fulfil([documentId], { Accept: "application/pdf", preserveDocuments: "false" });
    assert.equal(pdf.headers.get("content-type"), "application/pdf");
    assert.equal((await fulfil([documentId])).status, 404, "not preserved after fulfilment");
    assert.equal((await fulfil([])).status, 400);
  });
});

describe("Exstream simulator: batch input channels and the runtime API", () => {
  let sim: TestExstreamSim;
  let client: SimClient;

  beforeEach(async () => {
    sim = await startTestExstreamSim({ "job-delay-ms": "150" });
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  const submit = async (body: string, type = "application/json", channel: string = EXSTREAM_DEMO.batchChannel) =>
    (await client.withCsrfCookie()).request("POST", `${O}/inputs/batch/Demo/${encodeURIComponent(channel)}`, {
      headers: { "Content-Type": type },
      body,
    });

  it("answers the version as a bare VersionConfig and published flow models with TenantFlowmodel fields", async () => {
    const version = await client.get(`${O}/version`);
    assert.deepEqual(Object.keys(version.json).sort(), ["apiIdentifier", "major", "minor", "patch", "versionString"]);
    const published = await client.get(`${O}/flow-models/Demo/published`);
    assert.equal(published.json.status, "success");
    assert.ok(published.json.data.length > 0);
    for (const model of published.json.data) {
      assert.deepEqual(Object.keys(model).sort(), ["id", "name", "type"]);
      assert.equal(model.type, "COMMUNICATION");
    }
  });

  it("runs a batch job started → complete and writes every customer into the output tree", async () => {
    const res = await submit(JSON.stringify(sim.seed.customers));
    assert.equal(res.status, 200);
    const fi = res.json.data[0];
    assert.equal(fi.status, "started");
    assert.equal(fi.endDate, null);
    assert.equal(fi.flowModelType, "COMMUNICATION");
    assert.equal(fi.executingLongRunningOp, false);
    assert.equal(fi.flowModelName, null, "as in the one real answer on record; ORC FlowInstance has no name");
    assert.equal(
      (await client.get(`${RT}/jobs/${fi.jobId}`)).json.data.status,
      "started",
      "still running during the delay",
    );

    const job = await sim.waitForJob(fi.jobId);
    assert.equal(job.status, "complete");
    const jobRes = await client.get(`${RT}/jobs/${fi.jobId}`);
    assert.equal(jobRes.json.data.mode, "BATCH");
    assert.equal(typeof jobRes.json.data.endDate, "number");
    const instances = await client.get(`${RT}/flow-instances?filter=jobId:${fi.jobId}`);
    assert.deepEqual(
      instances.json.data.map((i: { id: string; status: string }) => [i.id, i.status]),
      [[fi.id, "complete"]],
    );
    const input = await client.get(`${RT}/flow-instances/${fi.id}/input`);
    assert.deepEqual(JSON.parse(input.body.toString()), sim.seed.customers);

    const steps = await client.get(`${RT}/flow-steps?filter=flowInstanceId:${fi.id};stepTypes:communication`);
    assert.equal(steps.json.data.length, 1);
    const step = steps.json.data[0];
    assert.equal(step.deliveryFileRetrievable, true);
    assert.equal(step.status, "complete");

    const manifest = await client.get(`${RT}/flow-steps/${step.id}/delivery-file`);
    assert.equal(manifest.status, 200);
    assert.equal(manifest.body.subarray(0, 2).toString("hex"), "fffe", "UTF-16LE with BOM");
    const xml = manifest.body.toString("utf16le");
    assert.match(xml, /<!DOCTYPE outputList>/);
    assert.match(xml, /customersProcessed="4"/);
    const download = await client.get(`${RT}/flow-steps/${step.id}/delivery-file?download=true`);
    assert.match(download.headers.get("content-disposition") ?? "", /attachment/);

    const filesPage = await client.get(`${RT}/flow-steps/${step.id}/delivery-file/output-files?offset=0&count=5`);
    assert.equal(filesPage.json.page.totalElements, 13);
    assert.equal(filesPage.json.data.length, 5);
    const all = (await client.get(`${RT}/flow-steps/${step.id}/delivery-file/output-files?count=100`)).json
      .data as string[];
    const pdfFile = all.find((f) => f.endsWith(".pdf"))!;
    assert.match(pdfFile, /\//, "output files are paths below output/");
    const encodedSlash = await client.get(`${RT}/flow-steps/${step.id}/artifact/${encodeURIComponent(pdfFile)}`);
    assert.equal(encodedSlash.status, 400, "an encoded slash is refused, as Spring's firewall does");
    const asPath = pdfFile.split("/").map(encodeURIComponent).join("/");
    const artifact = await client.get(`${RT}/flow-steps/${step.id}/artifact/${asPath}`);
    assert.equal(artifact.status, 200);
    assert.equal(artifact.headers.get("content-type"), "application/pdf");
    const byName = await client.get(
      `${RT}/flow-steps/${step.id}/artifact/${encodeURIComponent(path.posix.basename(pdfFile))}`,
    );
    assert.deepEqual(byName.body, artifact.body);
    assert.equal((await client.get(`${RT}/flow-steps/${step.id}/artifact/..%2E/..%2E/etc/passwd`)).status, 404);
    const jobDir = path.join(sim.outputRoot, "demo", "Demo", "jobs", fi.jobId);
    assert.ok(statSync(jobDir).isDirectory());
    assert.equal(readdirSync(jobDir)[0], fi.id);
  });

  it("ends a batch job in error with a message when the input cannot be read", async () => {
    const res = await submit("a;b;c", "text/csv");
    assert.equal(res.status, 200);
    const job = await sim.waitForJob(res.json.data[0].jobId);
    assert.equal(job.status, "error");
    const errored = await client.get(`${RT}/jobs?filter=statuses:error`);
    assert.equal(errored.json.data.length, 1);
    assert.ok(errored.json.data[0].msg.length > 0);
    const instance = (await client.get(`${RT}/flow-instances?filter=jobId:${job.id}`)).json.data[0];
    const steps = await client.get(`${RT}/flow-steps?filter=flowInstanceId:${instance.id};stepTypes:communication`);
    assert.equal(steps.json.data[0].status, "error");
    assert.equal((await client.get(`${RT}/flow-steps/${steps.json.data[0].id}/delivery-file`)).status, 404);
  });

  it("answers 404 for a channel no flow model listens on", async () => {
    const res = await submit("{}", "application/json", "NoSuchChannel");
    assert.equal(res.status, 404);
    assert.equal(res.json.status, 404);
  });

  it("filters and pages jobs by the spec's keys in both filter syntaxes", async () => {
    sim.addInputChannel("Demo", "Batch:2", EXSTREAM_DEMO.communicationId);
    const jobIds: string[] = [];
    for (let i = 0; i < 3; i++) jobIds.push((await submit(JSON.stringify(sim.seed.customers[i]))).json.data[0].jobId);
    jobIds.push((await submit("x", "text/plain")).json.data[0].jobId);
    jobIds.push(
      (await submit(JSON.stringify(sim.seed.customers[0]), "application/json", "Batch:2")).json.data[0].jobId,
    );
    for (const id of jobIds) await sim.waitForJob(id);
    const both = await client.get(
      `${RT}/jobs?filter=${encodeURIComponent("statuses:complete,error")}&offset=0&count=10`,
    );
    assert.equal(both.json.page.totalElements, 5);
    const complete = await client.get(`${RT}/jobs?filter=statuses:complete;mode:BATCH&offset=1&count=1`);
    assert.equal(complete.json.page.totalElements, 4);
    assert.equal(complete.json.data.length, 1);
    assert.equal(complete.json.page.totalPages, 4);
    const escaped = await client.get(`${RT}/jobs?filter=${encodeURIComponent("channel:Batch/colon/2")}`);
    assert.deepEqual(
      escaped.json.data.map((j: { id: string }) => j.id),
      [jobIds[4]],
    );
    const errored = await client.get(`${RT}/jobs?filter=channel:${EXSTREAM_DEMO.batchChannel};statuses:error`);
    assert.deepEqual(
      errored.json.data.map((j: { id: string }) => j.id),
      [jobIds[3]],
    );
    const dotted = await client.get(
      `${RT}/jobs?filter.channel=${EXSTREAM_DEMO.batchChannel}&filter.statuses=complete,error&count=10`,
    );
    assert.equal(dotted.json.page.totalElements, 4, "the filterRequest object's properties as filter.<key>");
    const today = new Date(sim.clock.now()).toISOString().slice(0, 10);
    assert.equal((await client.get(`${RT}/jobs?filter=endDateStart:${today}`)).json.page.totalElements, 5);
    assert.equal((await client.get(`${RT}/jobs?filter=startDateEnd:2000-01-01`)).json.page.totalElements, 0);
    for (const notInSpec of ["colour:red", "modes:BATCH", "channels:x", "fromDate:2020-01-01"]) {
      assert.equal((await client.get(`${RT}/jobs?filter=${notInSpec}`)).status, 400, notInSpec);
    }
    assert.equal((await client.get(`${RT}/jobs?filter=statuses`)).status, 400);
  });

  it("reads only one filter syntax when told to: 400 for filter=… it cannot read, filter.<key> ignored", async () => {
    const fi = (await submit(JSON.stringify(sim.seed.customers[0]))).json.data[0];
    await sim.waitForJob(fi.jobId);
    sim.options.protocol.filterSyntax = "object";
    assert.equal((await client.get(`${RT}/flow-instances?filter=jobId:${fi.jobId}`)).status, 400);
    assert.equal((await client.get(`${RT}/flow-instances?filter.jobId=${fi.jobId}`)).json.data[0].id, fi.id);
    const other = (await submit(JSON.stringify(sim.seed.customers[1]))).json.data[0];
    await sim.waitForJob(other.jobId);
    sim.options.protocol.filterSyntax = "semicolon";
    const ignored = await client.get(`${RT}/flow-instances?filter.jobId=${fi.jobId}`);
    assert.equal(ignored.json.page.totalElements, 2, "the unbound filter.jobId is ignored: every instance");
    assert.equal((await client.get(`${RT}/flow-instances?filter=jobId:${fi.jobId}`)).json.data[0].id, fi.id);
  });

  it("writes runtime dates as epoch milliseconds, or as ISO date-time with --dates iso", async () => {
    const fi = (await submit(JSON.stringify(sim.seed.customers[0]))).json.data[0];
    assert.equal(typeof fi.startDate, "number");
    await sim.waitForJob(fi.jobId);
    await sim.close();
    sim = await startTestExstreamSim({ dates: "iso" });
    client = new SimClient(sim);
    const iso = (await submit(JSON.stringify(sim.seed.customers[0]))).json.data[0];
    assert.match(iso.startDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await sim.waitForJob(iso.jobId);
    const job = (await client.get(`${RT}/jobs/${iso.jobId}`)).json.data;
    assert.ok(Date.parse(job.endDate) >= Date.parse(job.startDate));
    const step = (await client.get(`${RT}/flow-steps?filter=flowInstanceId:${iso.id}`)).json.data[0];
    assert.equal(typeof step.queueDate, "string");
  });
});

describe("Exstream simulator: the CSRF cookie of HTTP input channels", () => {
  let sim: TestExstreamSim;
  let client: SimClient;
  const batchPath = `${O}/inputs/batch/Demo/${EXSTREAM_DEMO.batchChannel}`;
  const post = (options: { cookies?: boolean } = {}) =>
    client.request("POST", batchPath, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sim.seed.customers[0]),
      ...options,
    });

  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  it("refuses a batch submission without the cookie with a 403 naming it, and sets one to use", async () => {
    const refused = await post();
    assert.equal(refused.status, 403);
    assert.match(refused.json.message, /Missing CSRF token.*"csrfToken" cookie/);
    assert.equal(sim.counters().batchSubmissions, 0, "nothing was submitted");
    assert.ok(client.cookies.get("csrfToken"), "the 403 carries a new cookie");
    assert.equal((await post()).status, 200);
  });

  it("refuses an expired cookie, names the problem, and accepts the new one it sets", async () => {
    await client.withCsrfCookie();
    assert.equal((await post()).status, 200);
    sim.expireCsrfTokens();
    const refused = await post();
    assert.equal(refused.status, 403);
    assert.match(refused.json.message, /"csrfToken" cookie is unknown or expired/);
    assert.equal((await post()).status, 200);
  });

  it("requires it on named on-demand channels too, but not on generate and fulfil (OpenText's SDK sends none)", async () => {
    const named = await client.request("POST", `${O}/inputs/ondemand/Demo/${EXSTREAM_DEMO.batchChannel}`, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sim.seed.customers[0]),
    });
    assert.equal(named.status, 403);
    const generated = await client.generate(
      "Demo",
      EXSTREAM_DEMO.communicationId,
      EXSTREAM_DEMO.driverDataSource,
      JSON.stringify(sim.seed.customers[0]),
    );
    assert.equal(generated.status, 200);
  });

  it("accepts input without the cookie when started with --csrf off", async () => {
    await sim.close();
    sim = await startTestExstreamSim({ csrf: "off" });
    client = new SimClient(sim);
    const res = await post({ cookies: false });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("set-cookie"), null);
  });
});

describe("Exstream simulator: jobs under --data", () => {
  let data: string;
  beforeEach(() => {
    data = mkdtempSync(path.join(os.tmpdir(), "exstream-sim-jobs-"));
  });
  afterEach(() => rmSync(data, { recursive: true, force: true }));

  const start = () => startTestExstreamSim({ data, "job-delay-ms": "150" });
  const submit = async (client: SimClient, body: string) =>
    (await client.withCsrfCookie()).request("POST", `${O}/inputs/batch/Demo/${EXSTREAM_DEMO.batchChannel}`, {
      headers: { "Content-Type": "application/json" },
      body,
    });
  const listed = async (client: SimClient) =>
    Object.fromEntries(
      (await client.get(`${RT}/jobs?count=100`)).json.data.map((j: { id: string; mode: string; status: string }) => [
        j.id,
        `${j.mode} ${j.status}`,
      ]),
    );

  it("a restarted simulator lists the earlier jobs with their ids, statuses, flow instances and outputs; new ids are fresh", async () => {
    const first = await start();
    let before: Record<string, string>;
    let batch: { id: string; jobId: string };
    let interrupted: string;
    try {
      const client = new SimClient(first);
      const generated = await client.generate(
        "Demo",
        EXSTREAM_DEMO.communicationId,
        EXSTREAM_DEMO.driverDataSource,
        JSON.stringify(first.seed.customers[0]),
      );
      assert.equal(generated.status, 200);
      batch = (await submit(client, JSON.stringify(first.seed.customers))).json.data[0];
      assert.equal((await first.waitForJob(batch.jobId)).status, "complete");
      interrupted = (await submit(client, JSON.stringify(first.seed.customers[0]))).json.data[0].jobId;
      before = await listed(client);
      assert.deepEqual(Object.values(before).sort(), ["BATCH complete", "BATCH started", "ONDEMAND complete"]);
    } finally {
      await first.close();
    }
    assert.ok(existsSync(path.join(data, "jobs.json")));

    const second = await start();
    try {
      const client = new SimClient(second);
      assert.deepEqual(
        await listed(client),
        { ...before, [interrupted]: "BATCH error" },
        "same ids and statuses; the batch job stopped mid-delay ends in error",
      );
      assert.equal((await client.get(`${RT}/jobs/${interrupted}`)).json.data.msg, INTERRUPTED_JOB_MESSAGE);
      const instances = await client.get(`${RT}/flow-instances?filter=jobId:${batch.jobId}`);
      assert.deepEqual(
        instances.json.data.map((i: { id: string; status: string }) => [i.id, i.status]),
        [[batch.id, "complete"]],
      );
      const input = await client.get(`${RT}/flow-instances/${batch.id}/input`);
      assert.deepEqual(JSON.parse(input.body.toString()), second.seed.customers, "the input survived");
      const steps = await client.get(`${RT}/flow-steps?filter=flowInstanceId:${batch.id};stepTypes:communication`);
      assert.equal(steps.json.data[0].status, "complete");
      assert.equal(steps.json.data[0].deliveryFileRetrievable, true);
      assert.equal(second.outputRoot, path.join(data, "output"), "without --output the outputs live under --data");
      assert.ok(existsSync(path.join(second.outputRoot, "demo", "Demo", "jobs", batch.jobId)), "outputs stay in place");
      const page = await (await fetch(`${second.url}/sim/jobs`)).text();
      assert.match(page, new RegExp(`href="/sim/jobs/${batch.jobId}"`));

      const next = (await submit(client, JSON.stringify(second.seed.customers[0]))).json.data[0].jobId;
      assert.ok(!(next in before), "a new job gets a fresh id");
      assert.equal((await second.waitForJob(next)).status, "complete");
      assert.equal(Object.keys(await listed(client)).length, 4);
    } finally {
      await second.close();
    }
  });
});
