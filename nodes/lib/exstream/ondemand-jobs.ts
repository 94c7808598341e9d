/**
 * Which ONDEMAND job a generate call produced. The on-demand response carries no job or flow-instance id (OpenText's
 * SDK and Postman collection read only `data[].content|mimeType|engineOutputContext`), and no documented request
 * header names the job, so the job is found from what the runtime API returns: ONDEMAND jobs started since the call
 * (`mode`, `startDateStart` filters; the exact time checked here), whose flow instance input is the driver data we
 * sent (`flow-instances/{id}/input`), or — when the server keeps no input — whose delivery file lists exactly the
 * renditions of the response. What calls in flight at the same time can share is kept per client (`ondemand-index`).
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
  readStepCustomers,
  sameRendition,
  type CommunicationStepRef,
} from "./job-outputs";
import { isFinished, onDemandIndex, shared, type OnDemandIndex } from "./ondemand-index";
import { isTransientNetworkCode } from "../reliability/retry";
import type { FlowInstance, GenerateRequest, GenerateResult, GeneratedOutput, Job } from "./types";

type RuntimeReader = Pick<
  ExstreamClient,
  | "iterateJobs"
  | "iterateFlowInstances"
  | "listFlowInstances"
  | "iterateFlowSteps"
  | "iterateOutputFiles"
  | "getFlowInstanceInput"
  | "downloadDeliveryFile"
  | "readDeliveryFile"
  | "downloadArtifact"
  | "getJob"
>;

/** Allowance for the Exstream clock being behind ours. */
const CLOCK_SKEW_MS = 60_000;
/** Allowance for the start dates of two Exstream nodes (a cluster) being out of step. */
const SERVER_SKEW_MS = 2_000;
const DEFAULT_MAX_CANDIDATES = 20;
/** How many candidates' inputs are compared at once. */
const PARALLEL_CANDIDATES = 4;

export interface OnDemandJobQuery {
  /** When the generate call was sent (epoch ms, our clock). */
  sinceMs: number;
  /**
   * The latest job start (server clock) this client had seen listed when the call was sent (`onDemandCallStart`):
   * the call's job started no earlier.
   */
  floorMs?: number;
  /** Identifies the call: a job matched with one call is never given to another. */
  callId?: string;
  /** The driver data exactly as sent; matched against each candidate's flow instance input. */
  input?: Buffer | string;
  /** The renditions of the response; matched against the delivery file when the server keeps no input. */
  outputs?: GeneratedOutput[];
  /** How many ONDEMAND jobs (closest in start time first) are inspected. Default 20. */
  maxCandidates?: number;
  domain?: string;
  tmpDir?: string;
}

/** What identifies a call when its job is looked up (taken when it is sent). */
export type OnDemandCall = Required<Pick<OnDemandJobQuery, "sinceMs" | "callId">> & Pick<OnDemandJobQuery, "floorMs">;

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
 * call (no retrievable input and no renditions to compare), so "none" is conclusive only when it is 0.
 *
 * Candidates are the ONDEMAND jobs of a listing sent after the call was answered (shared with every call waiting at
 * the same time), no older than the call allows, not yet matched with another call, closest to the call first. Their
 * inputs are compared a few at a time in parallel; with `prefetchSteps` each candidate instance's communication steps
 * are read alongside (another call in flight needs them when the candidate is its job).
 */
export async function findOnDemandJob(
  client: RuntimeReader,
  query: OnDemandJobQuery,
  options: { prefetchSteps?: boolean } = {},
): Promise<{ match?: OnDemandJob; unchecked: number }> {
  const index = onDemandIndex(client, query.domain);
  const input = query.input === undefined ? undefined : sha256(query.input);
  const claimant = query.callId ?? `${query.sinceMs}:${input ?? "renditions"}`;
  let unchecked = 0;
  const candidates = await candidateJobs(index, query, claimant);
  for (let at = 0; at < candidates.length;) {
    // Finished and running candidates are not mixed in one wave: a running one is examined only when no finished
    // one was the call's.
    const finished = isFinished(candidates[at]);
    let end = at + 1;
    while (end < candidates.length && end - at < PARALLEL_CANDIDATES && isFinished(candidates[end]) === finished) end++;
    const wave = candidates.slice(at, end);
    at = end;
    const compared = await Promise.all(
      wave.map((job) => compareInputs(client, index, job, input, { ...options, domain: query.domain })),
    );
    for (let i = 0; i < wave.length; i++) {
      const job = wave[i];
      for (const { instance, sent } of compared[i]) {
        let matchedBy: OnDemandJob["matchedBy"] | undefined;
        if (sent === input && sent !== undefined) matchedBy = "input";
        else if (sent) continue;
        else if (!query.outputs) unchecked++;
        else if (job.status === "complete" && (await rendersOutputs(client, job.id, query))) matchedBy = "renditions";
        if (matchedBy && index.claim(job.id, claimant)) return { match: { job, instance, matchedBy }, unchecked };
      }
    }
  }
  return { unchecked };
}

/** Each instance of a job with the SHA-256 of its input (undefined when it cannot be read or is not compared). */
async function compareInputs(
  client: RuntimeReader,
  index: OnDemandIndex,
  job: Job,
  input: string | undefined,
  options: { prefetchSteps?: boolean; domain?: string },
): Promise<Array<{ instance: FlowInstance; sent?: string }>> {
  const domain = options.domain;
  const instances = await index.instancesOf(job);
  return Promise.all(
    instances.map(async (instance) => {
      if (!input || instance.inputRetrievable === false) return { instance };
      // Only a finished instance's steps are final (and kept for the call whose job it is).
      if (options.prefetchSteps && isFinished(instance)) started(index.stepsOf(job.id, instance));
      return { instance, sent: await inputHashOf(client, index, instance.id, domain) };
    }),
  );
}

/** The SHA-256 of an instance's input; undefined when it cannot be read. */
function inputHashOf(
  client: RuntimeReader,
  index: OnDemandIndex,
  instanceId: string,
  domain: string | undefined,
): Promise<string | undefined> {
  const read = async () => {
    const sent = await client.getFlowInstanceInput(instanceId, domain).catch(() => undefined);
    return sent ? sha256(sent) : undefined;
  };
  return shared(index.inputs, instanceId, read, (hash) => hash !== undefined);
}

/**
 * The job of a call and its delivery-file entries (undefined when no job is provably the call's). The delivery file
 * is read for the matched job only; its communication steps were read while the inputs were compared.
 */
export async function findOnDemandManifest(
  client: RuntimeReader,
  outputs: GeneratedOutput[],
  query: OnDemandJobQuery,
): Promise<OnDemandManifest | undefined> {
  const found = (await findOnDemandJob(client, { ...query, outputs }, { prefetchSteps: true })).match;
  if (!found) return undefined;
  const index = onDemandIndex(client, query.domain);
  for (const step of await index.stepsOf(found.job.id, found.instance)) {
    const customers = await readStepCustomers(client, step.stepId, query.domain, query.tmpDir);
    if (customers) return { ...step, job: found.job, customers };
  }
  return undefined;
}

/** A promise whose rejection is not reported as unhandled when nobody awaits it (a read ahead nobody used). */
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
): Promise<{
  result: GenerateResult;
  manifest?: OnDemandManifest;
  /** When the call was sent: what a later look-up of its job needs. */
  call: OnDemandCall;
  recovered: boolean;
}> {
  const call = onDemandCallStart(client, request.domain);
  try {
    return { result: await client.generate(request), call, recovered: false };
  } catch (err) {
    if (!maybeProcessed(err)) throw err;
    const lookup = { ...call, input: request.driver, domain: request.domain, tmpDir: options.tmpDir };
    const { match, unchecked } = await findOnDemandJob(client, lookup);
    if (match) {
      if (match.job.status !== "complete") {
        await client.waitForJob(match.job.id, { timeoutMs: options.jobTimeoutMs, domain: request.domain });
      }
      const { outputs, manifest } = await outputsOfOnDemandJob(client, match.job.id, lookup);
      return { result: { outputs }, manifest, call, recovered: true };
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
    return { result: await client.generate(request), call, recovered: false };
  }
}

/** When a call is sent: our clock and what the client's listings already showed (the lower bounds of its job). */
export function onDemandCallStart(client: RuntimeReader, domain?: string): OnDemandCall {
  return { sinceMs: Date.now(), floorMs: onDemandIndex(client, domain).floorForCallSentNow(), callId: randomUUID() };
}

/** Unmatched ONDEMAND jobs that may be the call's, from a listing sent after now, closest to the call first. */
async function candidateJobs(index: OnDemandIndex, query: OnDemandJobQuery, claimant: string): Promise<Job[]> {
  const from = Math.max(query.sinceMs - CLOCK_SKEW_MS, (query.floorMs ?? -Infinity) - SERVER_SKEW_MS);
  const jobs: Array<{ job: Job; start: number }> = [];
  for (const job of await index.jobsListedAfter(Date.now(), from)) {
    const start = toEpochMs(job.startDate);
    if (start !== undefined && start >= from && !index.isClaimed(job.id, claimant)) jobs.push({ job, start });
  }
  // A job still running is more likely another call's (the call was answered): examined after the finished ones.
  const running = (job: Job) => (isFinished(job) ? 0 : 1);
  return jobs
    .sort(
      (a, b) =>
        running(a.job) - running(b.job) || Math.abs(a.start - query.sinceMs) - Math.abs(b.start - query.sinceMs),
    )
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
