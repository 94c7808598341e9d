/**
 * API mode: asks the Orchestration runtime for jobs completed since a durable checkpoint, and for each communication
 * step streams its delivery file and every output file into a working folder laid out like the engine's
 * (`<work>/<jobId>/<flowInstanceId>/<stepId>/output/…`), so the folder-mode expansion applies unchanged.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { ExstreamError, type ExstreamClient, type FlowStep, type Job } from "../exstream/index";
import { DurableCheckpoint } from "./checkpoint";
import { joinInside } from "./path-safety";

export interface FetchedStep {
  /** Ledger key of the step (settled once expanded). */
  key: string;
  job: Job;
  flowInstanceId: string;
  step: FlowStep;
  manifestPath: string;
}

export interface ApiJobSourceOptions {
  client: ExstreamClient;
  workRoot: string;
  checkpointFile: string;
  manifestName: string;
  startFrom: "all" | "now";
  isSettled: (key: string) => Promise<boolean>;
  /**
   * Claims a step for this replica before anything is downloaded (false: settled, or another replica holds it), so
   * replicas sharing a ledger folder never write into, or sweep away, the same download folder.
   */
  claim: (key: string, manifestPath: string) => Promise<boolean>;
  shouldStop: () => boolean;
  now?: () => number;
}

export class ApiJobSource {
  private readonly checkpoint: DurableCheckpoint;

  constructor(private readonly options: ApiJobSourceOptions) {
    this.checkpoint = new DurableCheckpoint(options.checkpointFile);
  }

  /** The checkpoint (created on first use: 0 for "all", now for "now"). */
  since(): number {
    const stored = this.checkpoint.read();
    if (stored !== undefined) return stored;
    const initial = this.options.startFrom === "now" ? (this.options.now ?? Date.now)() : 0;
    this.checkpoint.write(initial);
    return initial;
  }

  /**
   * One poll: every completed job after the checkpoint, oldest first. `handle` is awaited per fetched step; the
   * checkpoint advances past a job only once all its steps are handled, so a crash re-fetches (the ledger dedups).
   * A step another replica holds is left to it, and the checkpoint stays before its job for the rest of the poll:
   * should that replica die, its claim runs out and the step is fetched again from here.
   */
  async poll(handle: (step: FetchedStep) => Promise<void>): Promise<{ jobs: number; steps: number }> {
    const { client } = this.options;
    // One millisecond of overlap: jobs ending in the checkpoint's millisecond are not skipped (the ledger dedups).
    const jobs = await client.completedJobsSince(this.since() - 1);
    let steps = 0;
    let heldElsewhere = false;
    for (const job of jobs) {
      if (this.options.shouldStop()) break;
      for await (const instance of client.iterateFlowInstances({ jobId: job.id })) {
        for await (const step of client.iterateFlowSteps({
          flowInstanceId: instance.id,
          stepTypes: ["communication"],
        })) {
          if (this.options.shouldStop()) return { jobs: jobs.length, steps };
          const key = `api:${job.id}/${instance.id}/${step.id}`;
          if (await this.options.isSettled(key)) continue;
          const outputDir = this.outputDirOf(job.id, instance.id, step.id);
          if (!(await this.options.claim(key, path.join(outputDir, this.options.manifestName)))) {
            heldElsewhere = heldElsewhere || !(await this.options.isSettled(key));
            continue;
          }
          const fetched = await this.fetchStep(key, job, instance.id, step, outputDir);
          if (!fetched) continue;
          await handle(fetched);
          steps++;
        }
      }
      if (!heldElsewhere && typeof job.endDate === "number" && job.endDate > (this.checkpoint.read() ?? 0)) {
        this.checkpoint.write(job.endDate);
      }
    }
    return { jobs: jobs.length, steps };
  }

  /** The working folder of one job (removed by the watcher once all its communications are finished). */
  jobDir(jobId: string): string {
    return joinInside(this.options.workRoot, jobId);
  }

  private outputDirOf(jobId: string, flowInstanceId: string, stepId: string): string {
    return path.join(this.jobDir(jobId), ...[flowInstanceId, stepId].map((s) => safeSegment(s)), "output");
  }

  private async fetchStep(
    key: string,
    job: Job,
    flowInstanceId: string,
    step: FlowStep,
    outputDir: string,
  ): Promise<FetchedStep | undefined> {
    const { client } = this.options;
    const manifestPath = path.join(outputDir, this.options.manifestName);
    try {
      const names: string[] = [];
      for await (const name of client.iterateOutputFiles(step.id)) names.push(name);
      for (const name of names) {
        if (this.options.shouldStop()) return undefined;
        await client.downloadArtifact(step.id, name, joinInside(outputDir, name));
      }
      // The delivery file last, like the engine: a manifest on disk means its files are there.
      await client.downloadDeliveryFile(step.id, manifestPath);
    } catch (err) {
      // The runtime cleaned the job up meanwhile: nothing to fetch, not an error.
      if (err instanceof ExstreamError && (err.status === 404 || err.status === 410)) return undefined;
      throw err;
    }
    await fsp.access(manifestPath);
    return { key, job, flowInstanceId, step, manifestPath };
  }
}

function safeSegment(value: string): string {
  if (!value || value === "." || value === ".." || /[/\\\0]/.test(value)) {
    throw new Error(`unsafe id "${value}" from the runtime`);
  }
  return value;
}
