/**
 * What a client has learnt from the runtime about ONDEMAND jobs, shared by every generate call of that client: one job
 * listing at a time serves every call waiting for it, and what cannot change (a finished job's flow instances, an
 * instance's input hash and communication steps) is read once per client instead of once per call.
 */
import { setMostRecent } from "../bounded-map";
import { toEpochMs } from "./dates";
import type { ExstreamClient } from "./index";
import { instanceCommunicationSteps, type CommunicationStepRef } from "./job-outputs";
import { dayOf } from "./runtime";
import type { FlowInstance, Job } from "./types";

export type IndexReader = Pick<
  ExstreamClient,
  "iterateJobs" | "listFlowInstances" | "iterateFlowInstances" | "iterateFlowSteps"
>;

const DAY_MS = 24 * 60 * 60 * 1000;
const PAGE_SIZE = 100;
const FACTS_SIZE = 2_000;
const CLAIMS_SIZE = 10_000;
const FINISHED = new Set(["complete", "error", "canceled"]);

/** Whether a job or flow instance has ended: what is read of it then no longer changes. */
export function isFinished(run: { status?: unknown }): boolean {
  return FINISHED.has(String(run.status));
}

interface Listing {
  /** When the listing was sent (our clock): it shows every job created before then. */
  startedAt: number;
  /** Its lower bound (server clock): jobs that started earlier may be missing from it. */
  from: number;
  jobs: Promise<Job[]>;
}

interface Queued {
  from: number;
  jobs: Promise<Job[]>;
}

/** The jobs, instances and facts of one client and domain. */
export class OnDemandIndex {
  /** The latest start (server clock) in any finished listing: a call sent after it produces a job no older. */
  private newestStart: number | undefined;
  private running: Listing | undefined;
  private queued: Queued | undefined;
  /** Jobs already matched with a call (job id → the call): never given to another, even one with the same input. */
  private readonly claims = new Map<string, string>();
  readonly instances = new Map<string, Promise<FlowInstance[]>>();
  readonly inputs = new Map<string, Promise<string | undefined>>();
  readonly steps = new Map<string, Promise<CommunicationStepRef[]>>();

  constructor(
    private readonly client: IndexReader,
    private readonly domain: string | undefined,
  ) {}

  /** The lower bound for the job of a call sent now (server clock), if a listing finished before. */
  floorForCallSentNow(): number | undefined {
    return this.newestStart;
  }

  /**
   * ONDEMAND jobs that started at or after `from` (server clock), from a listing sent at or after `after` (our clock),
   * so it shows every job created before `after`. Calls waiting at the same time share one listing; a listing is sent
   * only when the previous one has answered.
   */
  jobsListedAfter(after: number, from: number): Promise<Job[]> {
    const running = this.running;
    if (running && running.startedAt >= after && running.from <= from) return running.jobs;
    if (this.queued) {
      this.queued.from = Math.min(this.queued.from, from);
      return this.queued.jobs;
    }
    const queued: Queued = { from, jobs: Promise.resolve([]) };
    queued.jobs = (running?.jobs.catch(() => undefined) ?? Promise.resolve()).then(() => {
      if (this.queued === queued) this.queued = undefined;
      const listing: Listing = { startedAt: Date.now(), from: queued.from, jobs: this.list(queued.from) };
      this.running = listing;
      listing.jobs.then(
        () => this.running === listing && (this.running = undefined),
        () => this.running === listing && (this.running = undefined),
      );
      return listing.jobs;
    });
    this.queued = queued;
    return queued.jobs;
  }

  /**
   * ONDEMAND jobs since `from`, and beside them the first page of flow instances: when it lists every instance since
   * `from` (newest first, down to an older one), the instances of the finished jobs are known without one request
   * per job (an on-demand call posts one input: its job has one instance, started with the job).
   */
  private async list(from: number): Promise<Job[]> {
    const [jobs, instances] = await Promise.all([this.listJobs(from), this.recentInstances(from)]);
    const byJob = new Map<string, FlowInstance[]>();
    for (const instance of instances ?? []) byJob.set(instance.jobId, [...(byJob.get(instance.jobId) ?? []), instance]);
    for (const job of jobs) {
      const known = byJob.get(job.id);
      if (known && isFinished(job) && !this.instances.has(job.id)) {
        setMostRecent(this.instances, job.id, Promise.resolve(known), FACTS_SIZE);
      }
    }
    return jobs;
  }

  /** Every flow instance started since `from` when one page holds them all (newest first); else undefined. */
  private async recentInstances(from: number): Promise<FlowInstance[] | undefined> {
    const filter = { startDateStart: dayOf(from - DAY_MS) };
    const page = await this.client
      .listFlowInstances(filter, { offset: 0, count: PAGE_SIZE }, this.domain)
      .catch(() => undefined);
    if (!page) return undefined;
    const starts = page.items.map((i) => toEpochMs(i.startDate) ?? NaN);
    const newestFirst = starts.every((start, i) => i === 0 || start <= starts[i - 1]);
    const complete = (page.received ?? page.items.length) < PAGE_SIZE || starts[starts.length - 1] < from;
    if (!newestFirst || !complete) return undefined;
    return page.items.filter((_, i) => starts[i] >= from);
  }

  /** ONDEMAND jobs since `from`; while the server lists newest first, the first older job ends the scan. */
  private async listJobs(from: number): Promise<Job[]> {
    // The server's date bound takes whole days in its own zone: one day early, the exact bound checked here.
    const filter = { mode: "ONDEMAND", startDateStart: dayOf(from - DAY_MS) };
    const jobs: Job[] = [];
    let newestFirst = true;
    let previous = Infinity;
    let newest = -Infinity;
    for await (const job of this.client.iterateJobs(filter, PAGE_SIZE, this.domain)) {
      const start = toEpochMs(job.startDate);
      if (start === undefined) continue;
      newest = Math.max(newest, start);
      newestFirst &&= start <= previous;
      previous = start;
      if (start >= from) jobs.push(job);
      else if (newestFirst) break;
    }
    if (newest > (this.newestStart ?? -Infinity)) this.newestStart = newest;
    return jobs;
  }

  /** Whether another call than `claimant` was matched with the job. */
  isClaimed(jobId: string, claimant: string): boolean {
    const owner = this.claims.get(jobId);
    return owner !== undefined && owner !== claimant;
  }

  /** Marks a job as the match of one call; false when another call has it already. */
  claim(jobId: string, claimant: string): boolean {
    if (this.isClaimed(jobId, claimant)) return false;
    setMostRecent(this.claims, jobId, claimant, CLAIMS_SIZE);
    return true;
  }

  /** A finished job's flow instances, read once. */
  instancesOf(job: Job): Promise<FlowInstance[]> {
    const read = async () => {
      const instances: FlowInstance[] = [];
      for await (const i of this.client.iterateFlowInstances({ jobId: job.id }, 10, this.domain)) instances.push(i);
      return instances;
    };
    return shared(this.instances, job.id, read, () => isFinished(job));
  }

  /** A finished instance's communication steps, read once. */
  stepsOf(jobId: string, instance: FlowInstance): Promise<CommunicationStepRef[]> {
    const read = () => instanceCommunicationSteps(this.client, jobId, instance.id, this.domain);
    return shared(this.steps, instance.id, read, (steps) => steps.length > 0 && isFinished(instance));
  }
}

const indexes = new WeakMap<object, Map<string, OnDemandIndex>>();

/** The index of a client and domain (one per client object: its facts are only valid for the server it talks to). */
export function onDemandIndex(client: IndexReader, domain?: string): OnDemandIndex {
  let byDomain = indexes.get(client);
  if (!byDomain) indexes.set(client, (byDomain = new Map()));
  const key = domain ?? "";
  let index = byDomain.get(key);
  if (!index) byDomain.set(key, (index = new OnDemandIndex(client, domain)));
  return index;
}

/** `read()` shared through `map` under `key`; forgotten when it fails or `keep` says its value may still change. */
export function shared<V>(
  map: Map<string, Promise<V>>,
  key: string,
  read: () => Promise<V>,
  keep: (v: V) => boolean,
): Promise<V> {
  const cached = map.get(key);
  if (cached) return cached;
  const reading = read();
  setMostRecent(map, key, reading, FACTS_SIZE);
  reading.then(
    (value) => !keep(value) && map.get(key) === reading && map.delete(key),
    () => map.get(key) === reading && map.delete(key),
  );
  return reading;
}
