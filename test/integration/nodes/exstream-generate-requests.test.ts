/*
 * What "read manifest keys" costs per generate call, seen by a recording proxy between the node and the Exstream
 * simulator: which runtime requests follow the generate call, and that the matched instance's communication step and
 * delivery file are read while its input is still being compared (the proxy holds the input's answer until then).
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
 * Forwards an instance's input only once a delivery file was asked for: a client that waits for the input before it
 * reads on never gets its answer (the test times out).
 */
function holdInputsUntilDeliveryFile(proxy: Proxy): void {
  const waiting: Array<() => void> = [];
  proxy.delay = (req) => {
    if (/\/delivery-file(\?|$)/.test(req.url ?? "")) waiting.splice(0).forEach((release) => release());
    if (!/\/flow-instances\/[^/]+\/input(\?|$)/.test(req.url ?? "")) return undefined;
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
}

describe("exstream-generate: requests of a generate call with manifest keys", function () {
  this.timeout(20_000);
  let sim: TestExstreamSim;
  let proxy: Proxy;
  let outputDir: string;

  before(async () => {
    sim = await startTestExstreamSim();
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
  });
  afterEach(async () => {
    await helper.unload();
    sim.reset();
    fs.rmSync(outputDir, { recursive: true, force: true });
  });

  async function generateNode(): Promise<(msg: Msg) => Promise<Msg>> {
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
        maxConcurrent: "4",
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

  it("reads the keys of 16 calls in flight with five runtime requests each: no job is examined twice", async () => {
    const generate = await generateNode();
    await generate({ payload: { ...DRIVER, CustomerId: "C-0000" } });
    const from = proxy.requests.length;
    const calls = 16;
    const out = helper.getNode("out1");
    const arrived = new Promise<Msg[]>((resolve) => {
      const msgs: Msg[] = [];
      out.on("input", (msg: Msg) => msgs.push(msg) === calls && resolve(msgs));
    });
    for (let i = 0; i < calls; i++) {
      helper.getNode("gen1").receive({ payload: { ...DRIVER, CustomerId: `C-${2000 + i}` } });
    }
    const msgs = await arrived;
    assert.deepEqual(
      msgs.map((msg) => msg.document.keys.CustomerId).sort(),
      Array.from({ length: calls }, (_, i) => `C-${2000 + i}`).sort(),
      "each call got the keys of its own job",
    );
    const tally: Record<string, number> = {};
    for (const seen of proxy.requests.slice(from).map(route)) tally[seen] = (tally[seen] ?? 0) + 1;
    const runtime = "GET /orchestration/api/v1/runtime/{domain}";
    const { [`${runtime}/flow-steps`]: steps, [`${runtime}/flow-steps/{id}/delivery-file`]: files, ...rest } = tally;
    assert.deepEqual(rest, {
      "POST /orchestration/api/v1/inputs/ondemand/Demo/generate": calls,
      [`${runtime}/jobs`]: calls,
      [`${runtime}/flow-instances`]: calls,
      [`${runtime}/flow-instances/{id}/input`]: calls,
    });
    // One step and delivery file per call; a call whose look-up ran alone reads its closest candidate's ahead, which
    // can be another call's (then one read more).
    assert.ok(steps >= calls && files === steps, `${steps} step and ${files} delivery-file reads for ${calls} calls`);
  });

  it("reads the matched instance's step and delivery file while its input is still being compared", async () => {
    holdInputsUntilDeliveryFile(proxy);
    const { seen, msg } = await requestsOfOneCall();
    assert.equal(msg.document.keys.AccountNumber, "ACC-1001");
    assert.ok(seen.some((r) => r.endsWith("/delivery-file")));
  });
});
