import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import exstreamConfig from "../../../nodes/exstream-config/exstream-config";
import exstreamGenerate from "../../../nodes/exstream-generate/exstream-generate";
import {
  EXSTREAM_DEMO,
  MONTHLY_STATEMENT_DRIVER,
  startTestExstreamSim,
  type TestExstreamSim,
} from "../../helpers/exstream-sim";

const catchNode = require("@node-red/nodes/core/common/25-catch.js");

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

const ALICE = MONTHLY_STATEMENT_DRIVER;

function pdfText(pdf: Buffer): string {
  const file = path.join(os.tmpdir(), `generate-test-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("exstream-generate node", function () {
  this.timeout(20_000);
  let sim: TestExstreamSim;
  let outputDir: string;

  before(async () => {
    sim = await startTestExstreamSim();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.close();
  });
  beforeEach(() => {
    outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "exstream-generate-test-"));
  });
  afterEach(async () => {
    await helper.unload();
    sim.reset();
    fs.rmSync(outputDir, { recursive: true, force: true });
  });

  const fault = (spec: Record<string, unknown>) =>
    fetch(`${sim.url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(spec),
    }).then((r) => assert.equal(r.status, 200));

  /** Loads config + generate (+ catch) and returns a function that sends a msg and waits for the outcome. */
  async function load(props: Record<string, unknown>, configProps: Record<string, unknown> = {}) {
    const flow = [
      { id: "tab1", type: "tab" },
      {
        id: "exs1",
        type: "exstream-config",
        baseUrl: sim.url,
        domain: EXSTREAM_DEMO.domain,
        tenant: EXSTREAM_DEMO.tenant,
        grantType: "client_credentials",
        clientAuth: "body",
        timeoutMs: "10000",
        maxConcurrent: "4",
        retryAttempts: "1",
        ...configProps,
      },
      {
        id: "gen1",
        z: "tab1",
        type: "exstream-generate",
        server: "exs1",
        mode: "ondemand",
        communication: "Monthly Statement",
        communicationType: "str",
        driverDataSource: "",
        driverDataSourceType: "str",
        channel: "",
        channelType: "str",
        outputDir,
        readKeys: true,
        wires: [["out1"]],
        ...props,
      },
      { id: "out1", z: "tab1", type: "helper" },
      { id: "catch1", z: "tab1", type: "catch", scope: ["gen1"], uncaught: false, wires: [["err1"]] },
      { id: "err1", z: "tab1", type: "helper" },
    ];
    await helper.load([exstreamConfig, exstreamGenerate, catchNode], flow, {
      exs1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
    const out = helper.getNode("out1");
    const err = helper.getNode("err1");
    const outputs: Msg[] = [];
    const errors: Msg[] = [];
    out.on("input", (m: Msg) => outputs.push(m));
    err.on("input", (m: Msg) => errors.push(m));
    return {
      outputs,
      errors,
      send(msg: Msg) {
        helper.getNode("gen1").receive(msg);
      },
      /** Resolves with the first output or error message after sending `msg`. */
      async run(msg: Msg): Promise<{ out?: Msg; err?: Msg }> {
        const before = { o: outputs.length, e: errors.length };
        helper.getNode("gen1").receive(msg);
        return waitFor(() =>
          outputs.length > before.o
            ? { out: outputs[before.o] }
            : errors.length > before.e
              ? { err: errors[before.e] }
              : undefined,
        );
      },
    };
  }

  async function waitFor<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error("timed out waiting");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  describe("on-demand", () => {
    it("generates a communication chosen by name: the PDF in msg.payload, every queue's output, manifest keys", async () => {
      const t = await load({});
      const { out, err } = await t.run({ payload: ALICE });
      assert.equal(err, undefined, err?.error?.message);
      const msg = out!;
      assert.ok(Buffer.isBuffer(msg.payload), "payload is a Buffer");
      assert.equal(msg.payload.subarray(0, 5).toString(), "%PDF-");
      assert.match(pdfText(msg.payload), /closing balance of 1,250.40 USD/);
      assert.equal(msg.filename, undefined);

      assert.equal(msg.exstream.communicationId, EXSTREAM_DEMO.communicationId);
      assert.equal(msg.exstream.communicationName, "Monthly Statement");
      assert.ok(msg.exstream.jobId, "the ONDEMAND job was found");
      const queues = msg.exstream.outputs.map((o: Msg) => o.queueName).sort();
      assert.deepEqual(queues, ["Email_HTML", "Print_PDF", "SMS_Text"]);
      for (const o of msg.exstream.outputs) {
        assert.ok(o.fileName && o.mimeType && o.customerNumber && o.size > 0, JSON.stringify(o));
      }

      const doc = msg.document;
      assert.equal(doc.mimeType, "application/pdf");
      assert.equal(doc.queue, "Print_PDF");
      assert.equal(doc.size, msg.payload.length);
      assert.equal(doc.sha256, sha256(msg.payload));
      assert.match(doc.fileName, /\.pdf$/);
      assert.equal(doc.keys.AccountNumber, "ACC-1001");
      assert.equal(doc.keys.CustomerId, "C-1001");
      assert.equal(doc.keys.CommunicationId, EXSTREAM_DEMO.communicationId);
      assert.match(doc.keys.ContentVersions, /b1000000-0000-4000-8000-000000000041@1/);
      assert.equal(doc.variant.Language, "en");
      assert.equal(doc.variant.Jurisdiction, "US");
      assert.equal(doc.job.runId !== undefined, true);
      assert.equal(doc.job.jobId, msg.exstream.jobId);
      assert.equal(doc.job.domain, "Demo");
      assert.equal(doc.related.length, 2);
      const html = doc.related.find((r: Msg) => r.mimeType === "text/html");
      assert.equal(html.keys.AccountNumber, "ACC-1001");
      assert.ok(Buffer.isBuffer(html.content) && html.content.toString("utf8").includes("Alice"));
    });

    it("finds the ONDEMAND job and its manifest keys when the runtime sends ISO date-time dates", async () => {
      sim.options.protocol.dates = "iso";
      const t = await load({});
      const { out, err } = await t.run({ payload: ALICE });
      assert.equal(err, undefined, err?.error?.message);
      assert.ok(out!.exstream.jobId, "the ONDEMAND job was found");
      assert.equal(out!.document.keys.AccountNumber, "ACC-1001");
    });

    it("looks a generation that timed out up instead of sending it again, and delivers the job's outputs", async () => {
      await fault({ type: "slow-engine", delayMs: 2500 });
      const before = sim.counters().generateCalls;
      const t = await load({ timeoutS: "1" });
      const { out, err } = await t.run({ payload: ALICE });
      assert.equal(err, undefined, err?.error?.message);
      assert.equal(sim.counters().generateCalls - before, 1, "generated once");
      assert.equal(out!.payload.subarray(0, 5).toString(), "%PDF-");
      assert.ok(out!.exstream.jobId);
      assert.equal(out!.document.keys.AccountNumber, "ACC-1001");
      assert.deepEqual(out!.exstream.outputs.map((o: Msg) => o.queueName).sort(), [
        "Email_HTML",
        "Print_PDF",
        "SMS_Text",
      ]);
    });

    it("also takes the communication id and the driver data source from msg", async () => {
      const t = await load({ communication: "" });
      const { out, err } = await t.run({
        payload: ALICE,
        communication: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
      });
      assert.equal(err, undefined, err?.error?.message);
      assert.equal(out!.exstream.communicationId, EXSTREAM_DEMO.communicationId);
    });

    it("writes a rendition above the payload limit to a file in the folder and gives it as msg.filename", async () => {
      const t = await load({ payloadLimitMb: "0.001" });
      const { out, err } = await t.run({ payload: ALICE });
      assert.equal(err, undefined, err?.error?.message);
      const msg = out!;
      assert.equal(msg.payload, undefined);
      assert.ok(msg.filename.startsWith(outputDir + path.sep), msg.filename);
      const bytes = fs.readFileSync(msg.filename);
      assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
      assert.equal(msg.document.path, msg.filename);
      assert.equal(msg.document.sha256, sha256(bytes));
      const pdfEntry = msg.exstream.outputs.find((o: Msg) => o.queueName === "Print_PDF");
      assert.equal(pdfEntry.filename, msg.filename);
      const sms = msg.exstream.outputs.find((o: Msg) => o.queueName === "SMS_Text");
      assert.ok(Buffer.isBuffer(sms.content), "a small rendition stays in memory");
    });

    it("accepts XML driver data", async () => {
      const t = await load({ communication: "Claim Decision Letter" });
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<claim><CustomerId>C-1003</CustomerId><AccountNumber>ACC-1003</AccountNumber><FirstName>Oliver</FirstName>
<LastName>Smith</LastName><Language>en</Language><Jurisdiction>UK</Jurisdiction><Segment>premium</Segment>
<ClaimNumber>CLM-7777</ClaimNumber><Decision>approved</Decision><DecisionReason>Covered.</DecisionReason>
<ApprovedAmount>99.00</ApprovedAmount><Currency>GBP</Currency></claim>`;
      const { out, err } = await t.run({ payload: xml });
      assert.equal(err, undefined, err?.error?.message);
      const text = pdfText(out!.payload);
      assert.match(text, /CLM-7777/);
      assert.match(text, /Financial Conduct Authority/, "UK regulatory wording");
      assert.equal(out!.document.keys.Jurisdiction, "UK");
    });

    it("chooses the primary rendition by queue name", async () => {
      const t = await load({ primaryQueue: "Email_HTML" });
      const { out } = await t.run({ payload: ALICE });
      assert.equal(out!.document.queue, "Email_HTML");
      assert.match(out!.payload.toString("utf8"), /<html/i);
      assert.equal(out!.document.related.length, 2);
    });

    it("fails clearly for an unknown communication (permanent)", async () => {
      const t = await load({ communication: "No Such Letter" });
      const { out, err } = await t.run({ payload: ALICE });
      assert.equal(out, undefined);
      assert.match(err!.error.message, /ExstreamError.*no communication "No Such Letter"/);
      assert.deepEqual(err!.failure.permanent, true);
      assert.match(err!.failure.reason, /No Such Letter/);
    });

    it("maps 400 (wrong driver data source) and 415 (unsupported content type) to permanent failures", async () => {
      const t = await load({ driverDataSource: "NotTheDriver" });
      const bad = await t.run({ payload: ALICE });
      assert.match(bad.err!.error.message, /HTTP 400/);
      assert.equal(bad.err!.failure.permanent, true);
      await helper.unload();

      const t2 = await load({ contentType: "text/csv" });
      const unsupported = await t2.run({ payload: "a;b;c" });
      assert.match(unsupported.err!.error.message, /HTTP 415.*application\/json/);
      assert.equal(unsupported.err!.failure.permanent, true);
    });

    it("maps a server error to a transient failure with the server's message", async () => {
      const t = await load({});
      await fault({ type: "http", status: 500, path: "/generate", message: "engine pool exhausted", times: 1 });
      const { err } = await t.run({ payload: ALICE });
      assert.match(err!.error.message, /HTTP 500: engine pool exhausted/);
      assert.equal(err!.failure.permanent, false);
    });

    it("runs no more generations at once than the connection allows and refuses beyond the waiting limit", async () => {
      const t = await load({ maxQueued: "1" }, { maxConcurrent: "1" });
      await fault({ type: "slow-engine", delayMs: 300 });
      const started = Date.now();
      t.send({ payload: ALICE, n: 1 });
      t.send({ payload: ALICE, n: 2 });
      t.send({ payload: ALICE, n: 3 });
      await waitFor(() => (t.outputs.length + t.errors.length === 3 ? true : undefined));
      assert.deepEqual(
        t.errors.map((m) => m.n),
        [3],
      );
      assert.match(t.errors[0].error.message, /QueueFullError/);
      assert.equal(t.errors[0].failure.permanent, false);
      assert.deepEqual(
        t.outputs.map((m) => m.n),
        [1, 2],
      );
      assert.ok(Date.now() - started >= 600, "the second generation waited for the first");
    });
  });

  describe("batch", () => {
    const customers = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        ...ALICE,
        CustomerId: `C-9${i}`,
        AccountNumber: `ACC-9${i}`,
        FirstName: `Customer${i}`,
      }));

    it("sends one message per customer communication with its related channel files", async () => {
      const t = await load({ mode: "batch", channel: "MonthlyStatementBatch", communication: "" });
      t.send({ payload: customers(3), topic: "run-1" });
      await waitFor(() => (t.outputs.length === 3 ? true : undefined));
      assert.equal(t.errors.length, 0);
      const accounts = t.outputs.map((m) => m.document.keys.AccountNumber).sort();
      assert.deepEqual(accounts, ["ACC-90", "ACC-91", "ACC-92"]);
      const jobIds = new Set(t.outputs.map((m) => m.exstream.jobId));
      assert.equal(jobIds.size, 1);
      for (const m of t.outputs) {
        assert.equal(m.topic, "run-1");
        assert.equal(m.payload, undefined);
        assert.ok(m.filename.startsWith(outputDir + path.sep));
        const bytes = fs.readFileSync(m.filename);
        assert.equal(m.document.sha256, sha256(bytes));
        assert.equal(m.document.mimeType, "application/pdf");
        assert.equal(m.document.related.length, 2);
        assert.equal(m.document.path, m.filename);
        assert.ok(fs.existsSync(m.document.manifest));
        assert.ok(m.document.deliveryLog.entries.length > 0, "delivery-log entries of this customer");
        const log = fs.readFileSync(m.document.deliveryLog.path, "utf8");
        assert.equal((log.match(/<customer /g) ?? []).length, 1, "the customer's own extract, not the run's log");
        assert.ok(log.includes(m.document.keys.AccountNumber));
        for (const r of m.document.related) {
          assert.ok(fs.existsSync(r.path), r.path);
          assert.equal(r.sha256, sha256(fs.readFileSync(r.path)));
          assert.equal(r.keys.AccountNumber, m.document.keys.AccountNumber);
        }
        assert.equal(m.exstream.channel, "MonthlyStatementBatch");
        assert.equal(m.exstream.communicationId, EXSTREAM_DEMO.communicationId);
        assert.ok(m.document.job.flowInstanceId);
      }
    });

    it("fails with the job's message when the job ends in error", async () => {
      const t = await load({ mode: "batch", channel: "MonthlyStatementBatch" });
      await fault({ type: "job-error", message: "Driver record 2 has no AccountNumber", times: 1 });
      const { out, err } = await t.run({ payload: customers(2) });
      assert.equal(out, undefined);
      assert.match(err!.error.message, /Driver record 2 has no AccountNumber/);
      assert.equal(err!.failure.permanent, true);
    });

    it("gives up at the deadline (transient)", async () => {
      const t = await load({
        mode: "batch",
        channel: "MonthlyStatementBatch",
        jobTimeoutS: "0.3",
        pollIntervalMs: "50",
      });
      // The engine takes far longer than the deadline: the outcome, not the elapsed time, shows the node gave up.
      await fault({ type: "slow-engine", delayMs: 2000 });
      const { out, err } = await t.run({ payload: customers(1) });
      assert.equal(out, undefined, "no document from a job the node stopped waiting for");
      assert.match(err!.error.message, /EDEADLINE/);
      assert.equal(err!.failure.permanent, false);
    });

    it("fails clearly for an unknown input channel", async () => {
      const t = await load({ mode: "batch", channel: "NoSuchChannel" });
      const { err } = await t.run({ payload: customers(1) });
      assert.match(err!.error.message, /HTTP 404.*NoSuchChannel/);
      assert.equal(err!.failure.permanent, true);
    });
  });
});
