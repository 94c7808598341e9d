/*
 * What "read manifest keys" costs per generate call, seen by a recording proxy between the node and the Exstream
 * simulator: which runtime requests follow the generate call, that calls in flight share one job listing and read
 * each job once, that the matched instance's communication steps are read while its input is still being compared
 * (the proxy holds the input's answer until then), and that every call gets the keys of its own job under every
 * reading of the runtime listing the simulator offers.
 */
import assert from "node:assert/strict";
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
import { startProxy, type Proxy, type RecordedRequest } from "../content-server/support";

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

const DRIVER = MONTHLY_STATEMENT_DRIVER;

/** `METHOD path` of a recorded request, query left out, the domain and the ids of runtime items as placeholders. */
function route(request: RecordedRequest): string {
  return `${request.method} ${request.path}`
    .replace(/\?.*$/, "")
    .replace(/\/runtime\/[^/]+\//, "/runtime/{domain}/")
    .replace(/\/(flow-instances|flow-steps)\/[^/]+\//, "/$1/{id}/");
}

/**
 * Forwards an instance's input only once its communication steps were asked for: a client that waits for the input
 * before it reads on never gets its answer (the test times out).
 */
function holdInputsUntilSteps(proxy: Proxy): void {
  const waiting: Array<() => void> = [];
  let stepsAsked = false;
  proxy.delay = (req) => {
    if (/\/flow-steps(\?|$)/.test(req.url ?? "")) {
      stepsAsked = true;
      waiting.splice(0).forEach((release) => release());
    }
    if (stepsAsked || !/\/flow-instances\/[^/]+\/input(\?|$)/.test(req.url ?? "")) return undefined;
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
}

describe("exstream-generate: requests of a generate call with manifest keys", function () {
  this.timeout(20_000);
  let sim: TestExstreamSim;
  let proxy: Proxy;
  let outputDir: string;

  let protocol: typeof sim.options.protocol;

  before(async () => {
    sim = await startTestExstreamSim();
    protocol = { ...sim.options.protocol };
    proxy = await startProxy(sim.url);
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await proxy.close();
    await sim.close();
  });
  beforeEach(() => {
    outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "exstream-generate-requests-"));
    proxy.delay = undefined;
    proxy.intercept = undefined;
  });
  afterEach(async () => {
    await helper.unload();
    Object.assign(sim.options.protocol, protocol);
    sim.reset();
    fs.rmSync(outputDir, { recursive: true, force: true });
  });

  async function generateNode(maxConcurrent = 4): Promise<(msg: Msg) => Promise<Msg>> {
    const flow = [
      { id: "tab1", type: "tab" },
      {
        id: "exs1",
        type: "exstream-config",
        baseUrl: proxy.url,
        domain: EXSTREAM_DEMO.domain,
        tenant: EXSTREAM_DEMO.tenant,
        grantType: "client_credentials",
        clientAuth: "body",
        timeoutMs: "10000",
        maxConcurrent: String(maxConcurrent),
      },
      {
        id: "gen1",
        z: "tab1",
        type: "exstream-generate",
        server: "exs1",
        mode: "ondemand",
        communication: EXSTREAM_DEMO.communicationId,
        communicationType: "str",
        driverDataSource: "",
        driverDataSourceType: "str",
        outputDir,
        readKeys: true,
        wires: [["out1"]],
      },
      { id: "out1", z: "tab1", type: "helper" },
    ];
    await helper.load([exstreamConfig, exstreamGenerate], flow, {
      exs1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
    const gen = helper.getNode("gen1");
    const out = helper.getNode("out1");
    return (msg) =>
      new Promise<Msg>((resolve, reject) => {
        out.once("input", resolve);
        gen.once("call:error", (call: { args: unknown[] }) => reject(call.args[0]));
        gen.receive(msg);
      });
  }

  /** The requests of one generate call after a warm-up call (token, communication and its data source known). */
  async function requestsOfOneCall(): Promise<{ seen: string[]; msg: Msg }> {
    const generate = await generateNode();
    await generate({ payload: { ...DRIVER, CustomerId: "C-0000" } });
    const from = proxy.requests.length;
    const msg = await generate({ payload: DRIVER });
    return { seen: proxy.requests.slice(from).map(route), msg };
  }

  it("reads the keys with five runtime requests: jobs, the job's instances, the input, the steps, the delivery file", async () => {
    const { seen, msg } = await requestsOfOneCall();
    assert.equal(msg.document.keys.AccountNumber, "ACC-1001");
    const [generateCall, ...runtime] = seen;
    assert.match(generateCall, /^POST \/orchestration\/api\/v1\/inputs\/ondemand\/[^/]+\/generate$/);
    assert.deepEqual(
      [...runtime].sort(),
      [
        "GET /orchestration/api/v1/runtime/{domain}/flow-instances",
        "GET /orchestration/api/v1/runtime/{domain}/flow-instances/{id}/input",
        "GET /orchestration/api/v1/runtime/{domain}/flow-steps",
        "GET /orchestration/api/v1/runtime/{domain}/flow-steps/{id}/delivery-file",
        "GET /orchestration/api/v1/runtime/{domain}/jobs",
      ],
      `runtime requests after the generate call: ${runtime.join(", ")}`,
    );
  });

  /** Sends the messages at once (after a warm-up call) and returns them as they arrived, with the requests sent. */
  async function sendAtOnce(sent: Msg[], maxConcurrent = 4) {
    const generate = await generateNode(maxConcurrent);
    await generate({ payload: { ...DRIVER, CustomerId: "C-0000" } });
    const from = proxy.requests.length;
    const out = helper.getNode("out1");
    const arrived = new Promise<Msg[]>((resolve) => {
      const msgs: Msg[] = [];
      out.on("input", (msg: Msg) => msgs.push(msg) === sent.length && resolve(msgs));
    });
    for (const msg of sent) helper.getNode("gen1").receive(msg);
    const msgs = await arrived;
    const tally: Record<string, number> = {};
    const requests = proxy.requests.slice(from);
    for (const seen of requests.map(route)) tally[seen] = (tally[seen] ?? 0) + 1;
    return { msgs, tally, requests };
  }

  /** `calls` messages of different driver records (customer and account 2000, 2001, …; the number in msg.n). */
  function callsInFlight(calls: number, maxConcurrent?: number) {
    const msgs = Array.from({ length: calls }, (_, i) => {
      const n = 2000 + i;
      return { payload: { ...DRIVER, CustomerId: `C-${n}`, AccountNumber: `ACC-${n}` }, n };
    });
    return sendAtOnce(msgs, maxConcurrent);
  }

  /** Each message carries the keys and the job of its own call: its driver record's ids, a job no other one got. */
  function assertOwnKeys(msgs: Msg[]): void {
    for (const msg of msgs) {
      assert.equal(msg.document.keys.CustomerId, `C-${msg.n}`, "the keys of the message's own driver record");
      assert.equal(msg.document.keys.AccountNumber, `ACC-${msg.n}`);
    }
    const jobs = new Set(msgs.map((msg) => msg.exstream.jobId));
    assert.equal(jobs.size, msgs.length, "one job per call");
  }

  it("reads the keys of 16 calls in flight with shared job listings and each instance, step and input read once", async () => {
    const calls = 16;
    let listing = 0;
    let mostAtOnce = 0;
    proxy.intercept = (req, res) => {
      if (/\/runtime\/[^/]+\/jobs(\?|$)/.test(req.url ?? "")) {
        mostAtOnce = Math.max(mostAtOnce, ++listing);
        res.on("close", () => listing--);
      }
      return false;
    };
    const { msgs, tally, requests } = await callsInFlight(calls);
    assertOwnKeys(msgs);
    const runtime = "GET /orchestration/api/v1/runtime/{domain}";
    const { [`${runtime}/jobs`]: listings, [`${runtime}/flow-instances`]: instanceReads, ...rest } = tally;
    assert.deepEqual(rest, {
      "POST /orchestration/api/v1/inputs/ondemand/Demo/generate": calls,
      [`${runtime}/flow-instances/{id}/input`]: calls,
      [`${runtime}/flow-steps`]: calls,
      [`${runtime}/flow-steps/{id}/delivery-file`]: calls,
    });
    // Calls waiting while a listing runs share the next one: never two at once, never more than one per call.
    assert.equal(mostAtOnce, 1, "one job listing at a time");
    assert.ok(listings <= calls, `${listings} job listings for ${calls} calls`);
    // A page of recent instances beside each job listing; a finished job it did not show has its instances read, once.
    const perJob = requests
      .filter((r) => /\/flow-instances\?/.test(r.path) && /jobId/.test(decodeURIComponent(r.path)))
      .map((r) => r.path);
    assert.equal(new Set(perJob).size, perJob.length, "no job's instances read twice");
    assert.ok(instanceReads - perJob.length <= listings, "one page of recent instances per job listing");
  });

  for (const filterSyntax of ["both", "semicolon", "object"] as const) {
    for (const dates of ["epoch", "iso"] as const) {
      it(`gives each of 24 calls in flight its own job's keys (runtime filters: ${filterSyntax}, dates: ${dates})`, async () => {
        Object.assign(sim.options.protocol, { filterSyntax, dates });
        const { msgs } = await callsInFlight(24, 8);
        assertOwnKeys(msgs);
      });
    }
  }

  it("gives two calls in flight with the same driver record a job each", async () => {
    const { msgs: twins } = await sendAtOnce([{ payload: DRIVER }, { payload: DRIVER }]);
    assert.deepEqual(
      twins.map((msg) => msg.document.keys.AccountNumber),
      [DRIVER.AccountNumber, DRIVER.AccountNumber],
    );
    assert.notEqual(twins[0].exstream.jobId, twins[1].exstream.jobId);
  });

  it("reads the matched instance's communication steps while its input is still being compared", async () => {
    const generate = await generateNode();
    await generate({ payload: { ...DRIVER, CustomerId: "C-0000" } });
    holdInputsUntilSteps(proxy);
    const msg = await generate({ payload: DRIVER });
    assert.equal(msg.document.keys.AccountNumber, "ACC-1001");
  });
});
