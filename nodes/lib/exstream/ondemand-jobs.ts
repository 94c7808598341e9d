/**
 * Which ONDEMAND job a generate call produced. The on-demand response carries no job or flow-instance id (OpenText's
 * SDK and Postman collection read only `data[].content|mimeType|engineOutputContext`), and no documented request
 * header names the job, so the job is found from what the runtime API returns: ONDEMAND jobs started since the call
 * (`mode`, `startDateStart` filters; the exact time checked here), whose flow instance input is the driver data we
 * sent (`flow-instances/{id}/input`), or — when the server keeps no input — whose delivery file lists exactly the
 * renditions of the response.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { CustomerCommunication } from "./delivery-manifest";
import { toEpochMs } from "./dates";
import { ExstreamError } from "./errors";
import type { ExstreamClient } from "./index";
import {
  artifactNameOf,
  communicationSteps,
  instanceCommunicationSteps,
  readStepCustomers,
  sameRendition,
  type CommunicationStepRef,
} from "./job-outputs";
import { dayOf } from "./runtime";
import { isTransientNetworkCode } from "../reliability/retry";
import type { FlowInstance, GenerateRequest, GenerateResult, GeneratedOutput, Job } from "./types";

type RuntimeReader = Pick<
  ExstreamClient,
  | "iterateJobs"
  | "iterateFlowInstances"
  | "iterateFlowSteps"
  | "iterateOutputFiles"
  | "getFlowInstanceInput"
  | "downloadDeliveryFile"
  | "downloadArtifact"
  | "getJob"
>;

/** Allowance for the Exstream clock being behind ours. */
const CLOCK_SKEW_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_MAX_CANDIDATES = 20;

export interface OnDemandJobQuery {
  /** When the generate call was sent (epoch ms, our clock). */
  sinceMs: number;
  /** The driver data exactly as sent; matched against each candidate's flow instance input. */
  input?: Buffer | string;
  /** The renditions of the response; matched against the delivery file when the server keeps no input. */
  outputs?: GeneratedOutput[];
  /** How many ONDEMAND jobs (closest in start time first) are inspected. Default 20. */
  maxCandidates?: number;
  domain?: string;
  tmpDir?: string;
}

/** The ONDEMAND job of a call, its flow instance, and how it was recognised. */
export interface OnDemandJob {
  job: Job;
  instance: FlowInstance;
  matchedBy: "input" | "renditions";
}

/** The manifest entries of the customers an on-demand call rendered, and the job that recorded them. */
export interface OnDemandManifest extends CommunicationStepRef {
  job: Job;
  customers: CustomerCommunication[];
}

/**
 * The job a call produced (`match`), or none; `unchecked` counts the candidates that could not be compared with the
 * call (no retrievable input and no renditions to compare), so "none" is conclusive only when it is 0. `lookAhead`
 * starts reading what the caller needs next from a candidate while its input is still being compared (one round trip
 * less when it matches; dropped when it does not).
 */
export async function findOnDemandJob<T = never>(
  client: RuntimeReader,
  query: OnDemandJobQuery,
  lookAhead?: (job: Job, instance: FlowInstance) => Promise<T>,
): Promise<{ match?: OnDemandJob & { ahead?: Promise<T> }; unchecked: number }> {
  const input = query.input === undefined ? undefined : sha256(query.input);
  const known = runtimeFacts(client);
  // Reading ahead pays when this is the only look-up: the closest candidate is then almost always the call's own job.
  // With calls in flight at the same time it is often another call's, and the read ahead would be wasted.
  const ahead = known.lookups === 0 ? lookAhead : undefined;
  known.lookups++;
  try {
    let unchecked = 0;
    for (const job of await candidateJobs(client, query)) {
      for (const instance of await instancesOf(client, job, query.domain)) {
        if (input && instance.inputRetrievable !== false) {
          const reading = ahead && started(ahead(job, instance));
          const sent = await inputHashOf(client, instance.id, query.domain);
          if (sent === input) return { match: { job, instance, matchedBy: "input", ahead: reading }, unchecked };
          if (sent) continue;
        }
        if (!query.outputs) unchecked++;
        else if (job.status === "complete" && (await rendersOutputs(client, job.id, query))) {
          return { match: { job, instance, matchedBy: "renditions" }, unchecked };
        }
      }
    }
    return { unchecked };
  } finally {
    known.lookups--;
  }
}

/**
 * What the runtime told a client about on-demand jobs that cannot change: the flow instances of a finished job and
 * the SHA-256 of an instance's input. Calls in flight at the same time examine
 * each other's jobs; with these (kept as promises, so simultaneous readers share one request) each job is read once
 * per client instead of once per call. Bounded (least recently used out); a failed read is forgotten.
 */
interface RuntimeFacts {
  instances: Map<string, Promise<FlowInstance[]>>;
  inputs: Map<string, Promise<string | undefined>>;
  /** Look-ups in progress. */
  lookups: number;
}

const RUNTIME_FACTS_SIZE = 2_000;
const FINISHED = new Set(["complete", "error", "canceled"]);
const factsByClient = new WeakMap<object, RuntimeFacts>();

function runtimeFacts(client: RuntimeReader): RuntimeFacts {
  let facts = factsByClient.get(client);
  if (!facts) {
    facts = { instances: new Map(), inputs: new Map(), lookups: 0 };
    factsByClient.set(client, facts);
  }
  return facts;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > RUNTIME_FACTS_SIZE) map.delete(map.keys().next().value as string);
}

/** `read()` shared through `map` under `key`; forgotten when it fails or `keep` says its value may still change. */
function shared<V>(map: Map<string, Promise<V>>, key: string, read: () => Promise<V>, keep: (v: V) => boolean) {
  const cached = map.get(key);
  if (cached) return cached;
  const reading = read();
  remember(map, key, reading);
  reading.then(
    (value) => !keep(value) && map.get(key) === reading && map.delete(key),
    () => map.get(key) === reading && map.delete(key),
  );
  return reading;
}

function instancesOf(client: RuntimeReader, job: Job, domain?: string): Promise<FlowInstance[]> {
  const read = async () => {
    const instances: FlowInstance[] = [];
    for await (const instance of client.iterateFlowInstances({ jobId: job.id }, 10, domain)) instances.push(instance);
    return instances;
  };
  return shared(runtimeFacts(client).instances, job.id, read, () => FINISHED.has(String(job.status)));
}

/** The SHA-256 of an instance's input; undefined when it cannot be read. */
function inputHashOf(client: RuntimeReader, instanceId: string, domain?: string): Promise<string | undefined> {
  const read = async () => {
    const sent = await client.getFlowInstanceInput(instanceId, domain).catch(() => undefined);
    return sent ? sha256(sent) : undefined;
  };
  return shared(runtimeFacts(client).inputs, instanceId, read, (hash) => hash !== undefined);
}

/**
 * The job of a call and its delivery-file entries (undefined when no job is provably the call's). The matched
 * instance's communication step and its delivery file are read while the instance's input is compared.
 */
export async function findOnDemandManifest(
  client: RuntimeReader,
  outputs: GeneratedOutput[],
  query: OnDemandJobQuery,
): Promise<OnDemandManifest | undefined> {
  const readManifest = async (job: Job, instance: FlowInstance): Promise<OnDemandManifest | undefined> => {
    for (const step of await instanceCommunicationSteps(client, job.id, instance.id, query.domain)) {
      const customers = await readStepCustomers(client, step.stepId, query.domain, query.tmpDir);
      if (customers) return { ...step, job, customers };
    }
    return undefined;
  };
  const found = (await findOnDemandJob(client, { ...query, outputs }, readManifest)).match;
  if (!found) return undefined;
  return found.ahead ?? readManifest(found.job, found.instance);
}

/** A promise whose rejection is not reported as unhandled when nobody awaits it (a look-ahead that was dropped). */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The renditions of a job as an on-demand response would have carried them, read from its delivery file and
 * artifacts: what a generate call that timed out but was processed produced, without sending it again.
 */
export async function outputsOfOnDemandJob(
  client: RuntimeReader,
  jobId: string,
  options: { domain?: string; tmpDir?: string },
): Promise<{ outputs: GeneratedOutput[]; manifest: OnDemandManifest }> {
  const job = await client.getJob(jobId, options.domain);
  const [step] = await communicationSteps(client, jobId, options.domain);
  if (!step)
    throw new ExstreamError({ operation: "generate", serverMessage: `job ${jobId} has no communication step` });
  const customers = (await readStepCustomers(client, step.stepId, options.domain, options.tmpDir)) ?? [];
  const names = new Set<string>();
  for await (const name of client.iterateOutputFiles(step.stepId, 100, options.domain))
    names.add(name.replace(/\\/g, "/"));
  const dir = path.join(options.tmpDir ?? os.tmpdir(), `exstream-ondemand-${randomUUID()}`);
  const outputs: GeneratedOutput[] = [];
  try {
    for (const customer of customers) {
      for (const file of customer.files) {
        const local = path.join(dir, String(outputs.length));
        await client.downloadArtifact(step.stepId, artifactNameOf(file.fileName, names), local, options.domain);
        outputs.push({
          queueName: file.queueName,
          fileName: path.posix.basename(file.fileName.replace(/\\/g, "/")),
          customerNumber: customer.customerNumber,
          mimeType: file.mimeType || "application/octet-stream",
          content: await fsp.readFile(local),
        });
      }
    }
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
  return { outputs, manifest: { ...step, job, customers } };
}

/** A generate call that ended without an answer (timeout, reset, 502/504): the server may have processed it. */
export function maybeProcessed(err: unknown): boolean {
  if (!(err instanceof ExstreamError)) return false;
  if (err.status !== undefined) return err.status === 502 || err.status === 504;
  return err.code !== undefined && isTransientNetworkCode(err.code);
}

export const MAYBE_PROCESSED = "EMAYBEPROCESSED";

/**
 * `generate`, treating a call that ended without an answer as maybe processed: its job is looked up first; when it
 * is found (waited for if still running) its outputs are read from the runtime API; the call is sent once more only
 * when every candidate job was compared with it and none matched. Otherwise an ExstreamError with code
 * EMAYBEPROCESSED: a duplicate letter is worse than a late one.
 */
export async function generateOnce(
  client: RuntimeReader & Pick<ExstreamClient, "generate" | "waitForJob">,
  request: GenerateRequest & { driver: string | Buffer },
  options: { tmpDir?: string; jobTimeoutMs?: number } = {},
): Promise<{ result: GenerateResult; manifest?: OnDemandManifest; recovered: boolean }> {
  const sentAt = Date.now();
  try {
    return { result: await client.generate(request), recovered: false };
  } catch (err) {
    if (!maybeProcessed(err)) throw err;
    const lookup = { sinceMs: sentAt, input: request.driver, domain: request.domain, tmpDir: options.tmpDir };
    const { match, unchecked } = await findOnDemandJob(client, lookup);
    if (match) {
      if (match.job.status !== "complete") {
        await client.waitForJob(match.job.id, { timeoutMs: options.jobTimeoutMs, domain: request.domain });
      }
      const { outputs, manifest } = await outputsOfOnDemandJob(client, match.job.id, lookup);
      return { result: { outputs }, manifest, recovered: true };
    }
    if (unchecked > 0) {
      throw new ExstreamError({
        operation: "generate",
        code: MAYBE_PROCESSED,
        serverMessage:
          `${(err as Error).message} — the call may have been processed; it was not sent again because ` +
          `${unchecked} recent job(s) could not be compared with it`,
      });
    }
    return { result: await client.generate(request), recovered: false };
  }
}

/** ONDEMAND jobs started since the call (less the clock skew), closest to it first. */
async function candidateJobs(client: RuntimeReader, query: OnDemandJobQuery): Promise<Job[]> {
  const from = query.sinceMs - CLOCK_SKEW_MS;
  // The server's date bound takes whole days in its own zone: one day early, the exact bound checked here.
  const filter = { mode: "ONDEMAND", startDateStart: dayOf(from - DAY_MS) };
  const jobs: Array<{ job: Job; start: number }> = [];
  // The list order is unspecified: only while every job so far came newest first may the scan stop at an older one.
  let newestFirst = true;
  let previous = Infinity;
  for await (const job of client.iterateJobs(filter, 100, query.domain)) {
    const start = toEpochMs(job.startDate);
    if (start === undefined) continue;
    newestFirst &&= start <= previous;
    previous = start;
    if (start >= from) jobs.push({ job, start });
    else if (newestFirst) break;
  }
  return jobs
    .sort((a, b) => Math.abs(a.start - query.sinceMs) - Math.abs(b.start - query.sinceMs))
    .slice(0, query.maxCandidates ?? DEFAULT_MAX_CANDIDATES)
    .map((c) => c.job);
}

async function rendersOutputs(client: RuntimeReader, jobId: string, query: OnDemandJobQuery): Promise<boolean> {
  const outputs = query.outputs ?? [];
  for (const step of await communicationSteps(client, jobId, query.domain)) {
    const customers = await readStepCustomers(client, step.stepId, query.domain, query.tmpDir);
    if (customers && outputs.every((o) => customers.some((c) => c.files.some((f) => sameRendition(o, f))))) return true;
  }
  return false;
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}
