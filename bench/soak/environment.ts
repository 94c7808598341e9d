/**
 * What the soak and the crash-point tests run against: both simulators in this process on 127.0.0.1 (the CS
 * simulator's fault choices seeded), the environment the flows read, an Exstream client that produces communications
 * through the Orchestration API, and a look into the CS repository.
 */
import path from "node:path";
import fs from "node:fs";
import { startContentServerSimulator, type ContentServerSimulator } from "../../sim/content-server";
import { startExstreamSimulator, type ExstreamSimulator } from "../../sim/exstream";
import { ExstreamClient } from "../../nodes/lib/exstream";

export const DEMO_CS_LOGIN = { username: "Admin", password: "livelink" };
export const DEMO_EXSTREAM = {
  tenant: "demo",
  domain: "Demo",
  clientId: "exstream-sim",
  clientSecret: "exstream-sim-secret",
  channel: "MonthlyStatementBatch",
  communication: "Monthly Statement",
};
export interface SoakEnvironment {
  cs: ContentServerSimulator;
  exstream: ExstreamSimulator;
  client: ExstreamClient;
  /** The environment variables the flows read (${CS_URL} …). */
  env: Record<string, string>;
  outputRoot: string;
  /** Node ids of the seeded repository, so that new documents can be told apart. */
  preexisting: Set<number>;
  close(): Promise<void>;
}

export async function startSoakEnvironment(workDir: string, faultSeed: number): Promise<SoakEnvironment> {
  const outputRoot = path.join(workDir, "exstream-output");
  fs.mkdirSync(outputRoot, { recursive: true });
  const cs = await startContentServerSimulator({
    seed: "demo",
    port: "0",
    host: "127.0.0.1",
    "fault-seed": String(faultSeed),
  });
  const exstream = await startExstreamSimulator({
    port: "0",
    host: "127.0.0.1",
    output: outputRoot,
    "job-delay-ms": "20",
  }).catch(async (err: unknown) => {
    await cs.close();
    throw err;
  });
  const client = new ExstreamClient({
    baseUrl: exstream.url,
    domain: DEMO_EXSTREAM.domain,
    timeoutMs: 120_000,
    auth: {
      tenant: DEMO_EXSTREAM.tenant,
      grantType: "client_credentials",
      clientId: DEMO_EXSTREAM.clientId,
      clientSecret: DEMO_EXSTREAM.clientSecret,
    },
  });
  return {
    cs,
    exstream,
    client,
    outputRoot,
    preexisting: new Set(Object.keys(cs.store.data.nodes).map(Number)),
    env: {
      CS_URL: cs.url,
      CS_AUTH_MODE: "cs",
      CS_USERNAME: DEMO_CS_LOGIN.username,
      CS_PASSWORD: DEMO_CS_LOGIN.password,
      EXSTREAM_URL: exstream.url,
      EXSTREAM_TENANT: DEMO_EXSTREAM.tenant,
      EXSTREAM_DOMAIN: DEMO_EXSTREAM.domain,
      EXSTREAM_CLIENT_ID: DEMO_EXSTREAM.clientId,
      EXSTREAM_CLIENT_SECRET: DEMO_EXSTREAM.clientSecret,
      EXSTREAM_OUTPUT_ROOT: outputRoot,
      EXSTREAM_WORK_DIR: path.join(workDir, "exstream-work"),
    },
    close: async () => {
      client.close();
      await exstream.close().catch(() => undefined);
      await cs.close().catch(() => undefined);
    },
  };
}

/** Submits batch jobs of unique customers (cycling the demo driver sample) one after the other. */
export async function produce(
  client: ExstreamClient,
  total: number,
  batchSize: number,
  deadline: number,
): Promise<void> {
  const page = await client.listResources({
    types: ["samplefile"],
    name: `${DEMO_EXSTREAM.communication} Driver Sample.json`,
  });
  const sample = page.items.find((r) => r.name.startsWith(DEMO_EXSTREAM.communication));
  if (!sample) throw new Error("no driver sample for the demo communication");
  const base = JSON.parse((await client.getResourceContent(sample.id)).content.toString("utf8")) as Array<
    Record<string, unknown>
  >;
  for (let first = 0; first < total; first += batchSize) {
    const customers = [];
    for (let i = first; i < Math.min(total, first + batchSize); i++) {
      const n = 100_000 + i;
      customers.push({ ...base[i % base.length], CustomerId: `C-${n}`, AccountNumber: `ACC-${n}` });
    }
    const [instance] = await client.submitBatch({
      channel: DEMO_EXSTREAM.channel,
      body: Buffer.from(JSON.stringify(customers)),
    });
    const job = await client.waitForJob(instance.jobId, {
      pollIntervalMs: 100,
      maxPollIntervalMs: 500,
      timeoutMs: Math.max(1000, deadline - Date.now()),
    });
    if (job.status !== "complete") throw new Error(`Exstream job ${instance.jobId} ended ${job.status}`);
  }
}

export async function control(
  cs: ContentServerSimulator,
  method: string,
  route: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${cs.url}/__sim/${route}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`CS simulator control ${method} ${route}: HTTP ${res.status}`);
  return res.json();
}

export function newDocuments(cs: ContentServerSimulator, preexisting: Set<number>): number {
  let count = 0;
  for (const node of Object.values(cs.store.data.nodes)) if (node.type === 144 && !preexisting.has(node.id)) count++;
  return count;
}
