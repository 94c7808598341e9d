/*
 * Orchestration runtime state: jobs → flow instances → flow steps, the engine run behind a communication step, and
 * the retention cleanup that deletes whole `jobs/<jobId>` trees.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { approvedBlocks, toEngineCommunication, type ResolvedCommunication } from "./communications";
import type { EngineApi, EngineDocument, EngineOutputStyle } from "./engine-port";
import type { FaultInjector } from "./faults";
import type { DesignStore, DomainRecord } from "./store";
import { formatDate, type DateStyle } from "./dates";

export type JobStatus = "started" | "complete" | "error" | "deleted" | "canceled";
export type JobMode = "BATCH" | "ONDEMAND";

export interface JobRecord {
  id: string;
  tenant: string;
  domainId: string;
  channel: string;
  mode: JobMode;
  status: JobStatus;
  msg: string | null;
  externalId: string | null;
  triggeredBy: string;
  startDate: number;
  endDate: number | null;
  expirationDate: number | null;
}

export interface FlowInstanceRecord {
  id: string;
  jobId: string;
  flowModelId: string;
  flowModelName: string;
  domainId: string;
  status: "started" | "complete" | "error" | "canceled";
  startDate: number;
  endDate: number | null;
  expirationDate: number | null;
  msg: string | null;
  externalId: string | null;
  input: Buffer;
  inputContentType: string;
}

export interface OutputTreeRecord {
  outputDir: string;
  manifestPath: string;
  files: string[];
}

export interface FlowStepRecord {
  id: string;
  previousStepId: string | null;
  flowInstanceId: string;
  jobId: string;
  stepName: string;
  displayName: string;
  stepType: "input" | "communication";
  status: "created" | "started" | "complete" | "error" | "canceled";
  queueDate: number;
  startDate: number | null;
  executeDate: number | null;
  endDate: number | null;
  msg: string | null;
  externalId: string | null;
  output?: OutputTreeRecord;
}

export interface JobSettings {
  outputRoot: string;
  writeMode: "atomic" | "slow";
  chunkDelayMs?: number;
  style: EngineOutputStyle;
  jobDelayMs: number;
  retentionMs: number;
}

export interface StartJobInput {
  tenant: string;
  domain: DomainRecord;
  mode: JobMode;
  channel: string;
  flowModelId: string;
  flowModelName: string;
  triggeredBy: string;
  input: Buffer;
  inputContentType: string;
  communicationName: string;
}

export interface StartedJob {
  job: JobRecord;
  instance: FlowInstanceRecord;
  step: FlowStepRecord;
}

/** What one engine run produced: the rendered documents (for on-demand responses) and the output tree. */
export interface RunResult {
  documents: EngineDocument[];
  tree: OutputTreeRecord;
}

/** What `--data` keeps of the jobs (jobs.json); output trees stay where the engine wrote them. */
export interface JobsSnapshot {
  jobs: Map<string, JobRecord>;
  instances: Map<string, FlowInstanceRecord>;
  steps: Map<string, FlowStepRecord>;
}

/** A job still "started" in a snapshot lost its run when the simulator stopped; it ends in error with this message. */
export const INTERRUPTED_JOB_MESSAGE = "The simulator stopped before the job finished";

export class JobStore {
  readonly jobs = new Map<string, JobRecord>();
  readonly instances = new Map<string, FlowInstanceRecord>();
  readonly steps = new Map<string, FlowStepRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly store: DesignStore,
    private readonly engine: () => EngineApi,
    private readonly faults: FaultInjector,
    private readonly now: () => number,
    readonly settings: JobSettings,
    /** Called when jobs change outside a request (a batch run ends, the retention cleanup deletes). */
    private readonly changed: () => void = () => undefined,
  ) {}

  snapshot(): JobsSnapshot {
    return { jobs: this.jobs, instances: this.instances, steps: this.steps };
  }

  /** Takes over a snapshot; runs that were under way when it was written end in error (nothing runs them now). */
  restore(snapshot: JobsSnapshot): void {
    for (const [id, job] of snapshot.jobs) this.jobs.set(id, job);
    for (const [id, instance] of snapshot.instances) this.instances.set(id, instance);
    for (const [id, step] of snapshot.steps) this.steps.set(id, step);
    const now = this.now();
    for (const record of [...this.jobs.values(), ...this.instances.values(), ...this.steps.values()]) {
      if (record.status !== "started" && record.status !== "created") continue;
      record.status = "error";
      record.msg = INTERRUPTED_JOB_MESSAGE;
      record.endDate = now;
    }
  }

  start(input: StartJobInput): StartedJob {
    const now = this.now();
    const expirationDate = now + this.settings.retentionMs;
    const job: JobRecord = {
      id: randomUUID(),
      tenant: input.tenant,
      domainId: input.domain.id,
      channel: input.channel,
      mode: input.mode,
      status: "started",
      msg: null,
      // No documented request sets a job's externalId, so the simulator records none.
      externalId: null,
      triggeredBy: input.triggeredBy,
      startDate: now,
      endDate: null,
      expirationDate,
    };
    const instance: FlowInstanceRecord = {
      id: randomUUID(),
      jobId: job.id,
      flowModelId: input.flowModelId,
      flowModelName: input.flowModelName,
      domainId: input.domain.id,
      status: "started",
      startDate: now,
      endDate: null,
      expirationDate,
      msg: null,
      externalId: job.externalId,
      input: input.input,
      inputContentType: input.inputContentType,
    };
    const inputStep: FlowStepRecord = {
      id: randomUUID(),
      previousStepId: null,
      flowInstanceId: instance.id,
      jobId: job.id,
      stepName: "input",
      displayName: input.channel,
      stepType: "input",
      status: "complete",
      queueDate: now,
      startDate: now,
      executeDate: now,
      endDate: now,
      msg: null,
      externalId: job.externalId,
    };
    const step: FlowStepRecord = {
      id: randomUUID(),
      previousStepId: inputStep.id,
      flowInstanceId: instance.id,
      jobId: job.id,
      stepName: "communication",
      displayName: input.communicationName,
      stepType: "communication",
      status: "created",
      queueDate: now,
      startDate: null,
      executeDate: null,
      endDate: null,
      msg: null,
      externalId: job.externalId,
    };
    this.jobs.set(job.id, job);
    this.instances.set(instance.id, instance);
    this.steps.set(inputStep.id, inputStep);
    this.steps.set(step.id, step);
    return { job, instance, step };
  }

  /**
   * Renders every customer through the engine and writes the output tree; marks job, flow instance and step
   * complete — or error with the failure's message (which is then rethrown).
   */
  async run(
    started: StartedJob,
    tenant: string,
    domain: DomainRecord,
    resolved: ResolvedCommunication,
    customers: () => Record<string, unknown>[],
    extraDocuments: (customers: Record<string, unknown>[]) => EngineDocument[] = () => [],
  ): Promise<RunResult> {
    const { job, instance, step } = started;
    step.status = "started";
    step.startDate = this.now();
    const work = (async (): Promise<RunResult> => {
      const delay = this.faults.slowEngineMs;
      if (delay > 0) await sleep(delay);
      const forced = this.faults.takeJobError();
      if (forced) throw new Error(forced);
      const records = customers();
      if (records.length === 0) throw new Error("The input contains no customer records");
      const engine = this.engine();
      const comm = toEngineCommunication(this.store, domain, resolved);
      const blocks = approvedBlocks(this.store, domain);
      step.executeDate = this.now();
      const documents: EngineDocument[] = [];
      for (let i = 0; i < records.length; i++) {
        if (comm.queues.length === 0) break;
        documents.push(...(await engine.renderCustomer(comm, blocks, records[i], i + 1, this.settings.style)));
      }
      const tree = await engine.writeOutputTree(
        {
          outputRoot: this.settings.outputRoot,
          tenant,
          domain: domain.id,
          jobId: job.id,
          flowInstanceId: instance.id,
          runId: randomUUID(),
          writeMode: this.settings.writeMode,
          chunkDelayMs: this.settings.chunkDelayMs,
          deliveryStatuses: this.settings.style.deliveryStatuses,
        },
        comm,
        documents,
      );
      return { documents: [...documents, ...extraDocuments(records)], tree };
    })();
    this.running.add(work);
    try {
      const result = await work;
      const now = this.now();
      step.output = result.tree;
      step.status = "complete";
      instance.status = "complete";
      job.status = "complete";
      step.endDate = instance.endDate = job.endDate = now;
      return result;
    } catch (err) {
      const message = (err as Error).message || "Engine run failed";
      const now = this.now();
      step.status = "error";
      instance.status = "error";
      job.status = "error";
      step.msg = instance.msg = job.msg = message;
      step.endDate = instance.endDate = job.endDate = now;
      throw err;
    } finally {
      this.running.delete(work);
      this.changed();
    }
  }

  /** Runs a batch job after the configured delay (status stays "started" until then). */
  schedule(run: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const p = run().catch(() => undefined);
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }, this.settings.jobDelayMs);
    this.timers.add(timer);
  }

  jobDir(job: JobRecord): string {
    return path.join(this.settings.outputRoot, job.tenant, job.domainId, "jobs", job.id);
  }

  /** Deletes finished jobs older than the retention: their whole `jobs/<jobId>` tree, flow instances and steps. */
  async cleanup(): Promise<string[]> {
    const cutoff = this.now() - this.settings.retentionMs;
    const removed: string[] = [];
    for (const job of this.jobs.values()) {
      if (job.status === "deleted" || job.endDate === null || job.endDate > cutoff) continue;
      await this.deleteJob(job);
      removed.push(job.id);
    }
    if (removed.length > 0) this.changed();
    return removed;
  }

  async deleteJob(job: JobRecord): Promise<void> {
    await rm(this.jobDir(job), { recursive: true, force: true });
    job.status = "deleted";
    for (const instance of [...this.instances.values()]) {
      if (instance.jobId !== job.id) continue;
      this.instances.delete(instance.id);
      for (const step of [...this.steps.values()]) if (step.flowInstanceId === instance.id) this.steps.delete(step.id);
    }
  }

  /** Waits for scheduled and running jobs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.idle();
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.jobs.clear();
    this.instances.clear();
    this.steps.clear();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function jobDto(job: JobRecord, dates: DateStyle): Record<string, unknown> {
  return {
    id: job.id,
    domainId: job.domainId,
    channel: job.channel,
    mode: job.mode,
    status: job.status,
    flowModelType: "COMMUNICATION",
    msg: job.msg,
    externalId: job.externalId,
    triggeredBy: job.triggeredBy,
    aggregatedFMCSnapshotId: null,
    startDate: formatDate(job.startDate, dates),
    endDate: formatDate(job.endDate, dates),
    expirationDate: formatDate(job.expirationDate, dates),
  };
}

export function flowInstanceDto(i: FlowInstanceRecord, dates: DateStyle): Record<string, unknown> {
  return {
    id: i.id,
    jobId: i.jobId,
    flowModelId: i.flowModelId,
    flowModelSnapshotId: i.flowModelId,
    domainId: i.domainId,
    status: i.status,
    startDate: formatDate(i.startDate, dates),
    endDate: formatDate(i.endDate, dates),
    expirationDate: formatDate(i.expirationDate, dates),
    msg: i.msg,
    externalId: i.externalId,
    flowModelType: "COMMUNICATION",
    inputRetrievable: true,
    executingLongRunningOp: false,
    // not in ORC FlowInstance; the one real answer on record (docs/api-evidence.md, "Orchestration runtime") carries it as null
    flowModelName: null,
  };
}

export function flowStepDto(
  s: FlowStepRecord,
  expirationDate: number | null,
  dates: DateStyle,
): Record<string, unknown> {
  return {
    id: s.id,
    previousStepId: s.previousStepId,
    flowInstanceId: s.flowInstanceId,
    stepName: s.stepName,
    displayName: s.displayName,
    status: s.status,
    stepType: s.stepType,
    queueDate: formatDate(s.queueDate, dates),
    startDate: formatDate(s.startDate, dates),
    executeDate: formatDate(s.executeDate, dates),
    endDate: formatDate(s.endDate, dates),
    expirationDate: formatDate(expirationDate, dates),
    msg: s.msg,
    externalId: s.externalId,
    deliveryFileRetrievable: s.output !== undefined,
    messageFileRetrievable: false,
  };
}
