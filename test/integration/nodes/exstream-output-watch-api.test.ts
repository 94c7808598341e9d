import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EventEmitter } from "node:events";
import helper from "node-red-node-test-helper";
import exstreamConfig from "../../../nodes/exstream-config/exstream-config";
import outputWatch from "../../../nodes/exstream-output-watch/exstream-output-watch";
import type { CommunicationMessage, DeadLetterMessage } from "../../../nodes/exstream-output-watch/types";
import type { ExstreamClient } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { clientFor, driverSample } from "../exstream/setup";

helper.init(require.resolve("node-red"));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, label: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await sleep(10);
  }
}

describe("exstream-output-watch node (API mode)", function () {
  this.timeout(30_000);
  let sim: TestExstreamSim;
  let client: ExstreamClient;
  let driver: Buffer;
  let tmp: string;
  let ledgerDir: string;

  before(async () => {
    await helper.startServer();
    sim = await startTestExstreamSim();
    client = clientFor(sim);
    driver = await driverSample(client, "Monthly Statement");
  });
  after(async () => {
    client.close();
    await sim.close();
    await helper.stopServer();
  });
  beforeEach(async () => {
    sim.reset();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "output-watch-api-"));
    ledgerDir = path.join(tmp, "ledger");
  });
  afterEach(async () => {
    await helper.unload();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  async function deploy(props: Record<string, unknown> = {}) {
    const flow = [
      { id: "tab1", type: "tab", label: "t" },
      {
        id: "exs1",
        type: "exstream-config",
        baseUrl: sim.url,
        domain: EXSTREAM_DEMO.domain,
        tenant: EXSTREAM_DEMO.tenant,
        grantType: "client_credentials",
        clientAuth: "body",
        timeoutMs: "5000",
        retryAttempts: "1",
      },
      {
        id: "watch1",
        z: "tab1",
        type: "exstream-output-watch",
        x: 100,
        y: 100,
        source: "api",
        server: "exs1",
        ledgerDir,
        pollIntervalMs: "100",
        ackTimeoutMs: "60000",
        wires: [["out"], ["dead"]],
        ...props,
      },
      { id: "out", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "dead", z: "tab1", type: "helper", x: 300, y: 200 },
    ];
    await helper.load([exstreamConfig, outputWatch], flow, {
      exs1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
    const out: CommunicationMessage[] = [];
    const dead: DeadLetterMessage[] = [];
    (helper.getNode("out") as unknown as EventEmitter).on("input", (msg: CommunicationMessage) => out.push(msg));
    (helper.getNode("dead") as unknown as EventEmitter).on("input", (msg: DeadLetterMessage) => dead.push(msg));
    return { out, dead };
  }

  async function runBatch(): Promise<string> {
    const [instance] = await client.submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    await client.waitForJob(instance.jobId, { pollIntervalMs: 10 });
    return instance.jobId;
  }

  /** Resolves once the simulator answered `calls` more requests: the watch polled again, whatever the speed. */
  async function morePolls(calls = 3): Promise<void> {
    const from = sim.counters().requests;
    await until(() => sim.counters().requests >= from + calls, `${calls} more requests to the runtime`);
  }

  const acknowledge = (msg: CommunicationMessage) =>
    helper.getNode("watch1").receive({ document: { id: msg.document.id }, cs: { nodeId: 7, outcome: "created" } });

  // Runtime dates: epoch ms (a real server's responses) and ISO date-time (the specs' type).
  for (const dates of ["epoch", "iso"] as const) {
    it(`downloads a completed batch job's delivery file and artifacts and emits one message per customer (${dates} dates)`, async () => {
      sim.options.protocol.dates = dates;
      const jobId = await runBatch();
      const h = await deploy();
      await until(() => h.out.length >= 4, "4 communications");
      await morePolls();
      assert.equal(h.out.length, 4);
      assert.equal(h.dead.length, 0);
      const workRoot = path.join(ledgerDir, "work");
      const job = await client.getJob(jobId);
      for (const msg of h.out) {
        const doc = msg.document;
        assert.ok(msg.filename.startsWith(workRoot + path.sep), "downloaded under the ledger's working folder");
        const bytes = await fsp.readFile(msg.filename);
        assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
        assert.equal(doc.sha256, createHash("sha256").update(bytes).digest("hex"));
        assert.equal(doc.job.jobId, jobId);
        assert.equal(doc.job.domain, "Demo");
        assert.equal(doc.job.tenant, "demo", "tenant read from the engine paths in the manifest");
        assert.match(doc.id, new RegExp(`^${jobId}/${doc.job.flowInstanceId}/${doc.job.runId}/${doc.customerNumber}/`));
        assert.deepEqual(doc.related.map((r) => r.channel).sort(), ["email", "sms"]);
        for (const r of doc.related) assert.ok(existsSync(r.path), `${r.fileName} downloaded`);
        assert.equal(doc.deliveryLog?.entries.length, 3);
        assert.ok(doc.deliveryLog?.path?.startsWith(path.join(ledgerDir, "delivery-logs")), "the customer's extract");
        assert.equal(doc.job.runDate, new Date(Number(job.endDate)).toISOString(), "the job's end, not the download's");
      }
      const checkpoint = JSON.parse(await fsp.readFile(path.join(ledgerDir, "checkpoint.json"), "utf8"));
      assert.equal(checkpoint.sinceEpochMs, job.endDate);
    });
  }

  it("keeps its checkpoint and ledger across a restart: no duplicates, new jobs still arrive", async () => {
    const first = await runBatch();
    let h = await deploy();
    await until(() => h.out.length >= 4, "4 communications");
    h.out.forEach(acknowledge);
    await until(() => !existsSync(path.join(ledgerDir, "work", first)), "the finished job's working folder removed");
    await morePolls();
    assert.equal(h.out.length, 4, "polling again finds nothing new");

    await helper.unload();
    h = await deploy();
    await morePolls();
    assert.equal(h.out.length, 0, "nothing emitted twice after the restart");
    const second = await runBatch();
    await until(() => h.out.length >= 4, "the new job's 4 communications");
    await morePolls();
    assert.equal(h.out.length, 4);
    assert.ok(
      h.out.every((m) => m.document.job.jobId === second),
      "only the new job",
    );
  });

  it("reports an unreachable runtime in its status and carries on when it is back", async () => {
    await runBatch();
    // The runtime stays unreachable until the status has shown it: no race with the status's throttling.
    await fetch(`${sim.url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "http", status: 503, path: "/runtime/" }),
    });
    const warnings: string[] = [];
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const h = await deploy();
    const node = helper.getNode("watch1") as unknown as EventEmitter & { warn: (m: string) => void };
    node.on("call:status", (call: { args: [{ fill?: string; text?: string }] }) => statuses.push(call.args[0]));
    const original = node.warn.bind(node);
    node.warn = (m: string) => {
      warnings.push(String(m));
      original(m);
    };
    const unreachable = (s: { fill?: string; text?: string }) =>
      s.fill === "red" && s.text === "exstream-output-watch.status.apiError";
    await until(() => statuses.some(unreachable), "a red status: runtime not reachable");
    assert.equal(h.out.length, 0);
    assert.ok(
      warnings.some((w) => /runtime poll failed/.test(w)),
      "the failed polls were reported",
    );
    await fetch(`${sim.url}/sim/faults`, { method: "DELETE" });
    await until(() => h.out.length >= 4, "4 communications once the runtime answers again");
    await until(() => !unreachable(statuses.at(-1)!), "the red status cleared");
  });
});
