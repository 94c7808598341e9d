/**
 * P5 worker: the exstream-generate node in a real Node-RED runtime (node-red-node-test-helper) against a direct HTTP
 * call of the same endpoint, both driven at the same concurrency with the same driver data, in rounds that alternate
 * within this one process (so both meet the same machine). The Exstream simulator runs in another process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import exstreamConfig from "../../nodes/exstream-config/exstream-config";
import exstreamGenerate from "../../nodes/exstream-generate/exstream-generate";
import { MONTHLY_STATEMENT_DRIVER } from "../../test/helpers/exstream-sim";
import { RssSampler, workerMain } from "../harness/child";
import { runPool } from "../harness/pool";

export type P5Variant = "direct" | "node-keys" | "node-no-keys";

export interface P5Demo {
  tenant: string;
  domain: string;
  clientId: string;
  clientSecret: string;
  communicationName: string;
  communicationId: string;
  driverDataSource: string;
}

export interface P5WorkerInput {
  simUrl: string;
  demo: P5Demo;
  messages: number;
  warmupMessages: number;
  concurrency: number;
  /** Variants in the order they run (each entry one timed round). */
  rounds: P5Variant[];
}

export interface P5Round {
  variant: P5Variant;
  seconds: number;
  latenciesMs: number[];
  /** Requests the simulator answered during the round ÷ messages (its own count, `/sim/state`). */
  requestsPerMessage: number;
}

export interface P5WorkerResult {
  rounds: P5Round[];
  rss: { startBytes: number; peakBytes: number };
}

type Msg = Record<string, any>;

/** The demo's Monthly Statement driver record, one customer per message. */
function driverRecord(i: number): Record<string, string> {
  const n = 1000 + i;
  return {
    ...MONTHLY_STATEMENT_DRIVER,
    CustomerId: `C-${n}`,
    AccountNumber: `ACC-${n}`,
    LastName: `Johnson ${n}`,
    Email: `customer${n}@example.test`,
  };
}

/** The direct call: one bearer token, then plain fetch of the on-demand generate endpoint, outputs decoded. */
class DirectClient {
  private token = "";
  constructor(
    private readonly simUrl: string,
    private readonly demo: P5Demo,
  ) {}

  async login(): Promise<void> {
    const res = await fetch(`${this.simUrl}/otdsws/otdstenant/${this.demo.tenant}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: this.demo.clientId,
        client_secret: this.demo.clientSecret,
      }),
    });
    if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
  }

  async generate(driver: Record<string, string>): Promise<void> {
    const res = await fetch(`${this.simUrl}/orchestration/api/v1/inputs/ondemand/${this.demo.domain}/generate`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${this.token}`,
        communicationId: this.demo.communicationId,
        driverDataSource: this.demo.driverDataSource,
        "Content-Type": "application/json",
        Accept: "*/*",
      },
      body: JSON.stringify(driver),
    });
    if (!res.ok) throw new Error(`generate: HTTP ${res.status} ${await res.text()}`);
    const envelope = (await res.json()) as { data?: Array<{ content?: string }> };
    const outputs = (envelope.data ?? []).map((item) => Buffer.from(item.content ?? "", "base64"));
    if (outputs.length === 0 || outputs[0].length === 0) throw new Error("generate: no output");
  }
}

/** Loads config + two generate nodes (manifest keys on / off) and returns a send-and-wait function for each. */
async function loadFlow(input: P5WorkerInput, outputDir: string) {
  const generateNode = (id: string, readKeys: boolean, out: string) => ({
    id,
    z: "tab1",
    type: "exstream-generate",
    server: "exs1",
    mode: "ondemand",
    communication: input.demo.communicationName,
    communicationType: "str",
    driverDataSource: "",
    driverDataSourceType: "str",
    channel: "",
    channelType: "str",
    outputDir,
    readKeys,
    wires: [[out]],
  });
  const flow = [
    { id: "tab1", type: "tab" },
    {
      id: "exs1",
      type: "exstream-config",
      baseUrl: input.simUrl,
      domain: input.demo.domain,
      tenant: input.demo.tenant,
      grantType: "client_credentials",
      clientAuth: "body",
      maxConcurrent: String(input.concurrency),
    },
    generateNode("genKeys", true, "outKeys"),
    generateNode("genNoKeys", false, "outNoKeys"),
    { id: "outKeys", z: "tab1", type: "helper" },
    { id: "outNoKeys", z: "tab1", type: "helper" },
    { id: "catch1", z: "tab1", type: "catch", scope: ["genKeys", "genNoKeys"], uncaught: false, wires: [["err1"]] },
    { id: "err1", z: "tab1", type: "helper" },
  ];
  const catchNode = require("@node-red/nodes/core/common/25-catch.js");
  await helper.load([exstreamConfig, exstreamGenerate, catchNode], flow, {
    exs1: { clientId: input.demo.clientId, clientSecret: input.demo.clientSecret },
  });
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const settle = (msg: Msg, err?: Error) => {
    const entry = waiting.get(msg.benchIndex as number);
    if (!entry) return;
    waiting.delete(msg.benchIndex as number);
    if (err) entry.reject(err);
    else entry.resolve();
  };
  for (const out of ["outKeys", "outNoKeys"]) {
    helper.getNode(out).on("input", (msg: Msg) => {
      if (!Buffer.isBuffer(msg.payload) || msg.payload.length === 0) settle(msg, new Error("no PDF in msg.payload"));
      else settle(msg);
    });
  }
  helper.getNode("err1").on("input", (msg: Msg) => settle(msg, new Error(String(msg.error?.message))));
  let sequence = 0;
  return (nodeId: "genKeys" | "genNoKeys", driver: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const benchIndex = sequence++;
      waiting.set(benchIndex, { resolve, reject });
      helper.getNode(nodeId).receive({ payload: driver, benchIndex });
    });
}

workerMain<P5WorkerInput, P5WorkerResult>(async (input) => {
  const outputDir = mkdtempSync(path.join(os.tmpdir(), "bench-generate-"));
  helper.init(require.resolve("node-red"));
  await helper.startServer();
  try {
    const viaNode = await loadFlow(input, outputDir);
    const direct = new DirectClient(input.simUrl, input.demo);
    await direct.login();
    const call = (variant: P5Variant, i: number) =>
      variant === "direct"
        ? direct.generate(driverRecord(i))
        : viaNode(variant === "node-keys" ? "genKeys" : "genNoKeys", driverRecord(i));
    const simRequests = async () => {
      const res = await fetch(`${input.simUrl}/sim/state`);
      return ((await res.json()) as { counters: { requests: number } }).counters.requests;
    };
    const round = async (variant: P5Variant, count: number): Promise<P5Round> => {
      const latenciesMs: number[] = [];
      const requestsBefore = await simRequests();
      const started = performance.now();
      await runPool(count, input.concurrency, async (i) => {
        const sent = performance.now();
        await call(variant, i);
        latenciesMs.push(performance.now() - sent);
      });
      const seconds = (performance.now() - started) / 1000;
      // The count includes this request for the state itself.
      const requestsPerMessage = (await simRequests()) - requestsBefore - 1;
      return { variant, seconds, latenciesMs, requestsPerMessage: requestsPerMessage / count };
    };
    // Warm-up: token, name resolution, JIT of every path.
    for (const variant of ["direct", "node-keys", "node-no-keys"] as P5Variant[])
      await round(variant, input.warmupMessages);
    const sampler = new RssSampler(100);
    const rounds: P5Round[] = [];
    for (const variant of input.rounds) rounds.push(await round(variant, input.messages));
    return { rounds, rss: sampler.stop() };
  } finally {
    await helper.unload();
    await helper.stopServer();
    rmSync(outputDir, { recursive: true, force: true });
  }
});
