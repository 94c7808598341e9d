/*
 * Orchestration runtime (`/orchestration/api/v1/runtime/{domain}/…`): jobs, flow instances, flow steps with the real
 * filter syntax (`filter=statuses:complete,error;externalId:x`, `offset`, `count`) and the output of a communication
 * step streamed from the output tree.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { badRequest, notFound } from "./errors";
import { paging, sendJson, sendPage, success, type RequestContext, type Router } from "./http";
import {
  flowInstanceDto,
  flowStepDto,
  jobDto,
  type FlowInstanceRecord,
  type FlowStepRecord,
  type JobRecord,
  type JobStore,
} from "./jobs";
import { principalOf } from "./orchestration";
import type { DesignStore } from "./store";

const BASE = "/orchestration/api/v1/runtime/:domain";
const DEFAULT_PAGE_SIZE = 20;

type Filter = Map<string, string[]>;

/** Parses `key:v1,v2;key2:v` with the documented escapes (/colon/, /semi/, /bsol/). */
export function parseFilter(raw: string | null, allowedKeys: readonly string[]): Filter {
  const filter: Filter = new Map();
  if (!raw) return filter;
  for (const part of raw.split(";")) {
    if (part.trim() === "") continue;
    const colon = part.indexOf(":");
    if (colon <= 0) throw badRequest(`Malformed filter "${part}": expected key:value`);
    const key = part.slice(0, colon).trim();
    if (!allowedKeys.includes(key))
      throw badRequest(`Unknown filter key "${key}"`, `allowed: ${allowedKeys.join(", ")}`);
    const values = part
      .slice(colon + 1)
      .split(",")
      .map((v) =>
        v
          .replace(/\/colon\//g, ":")
          .replace(/\/semi\//g, ";")
          .replace(/\/bsol\//g, "\\")
          .trim(),
      )
      .filter((v) => v !== "");
    filter.set(key, [...(filter.get(key) ?? []), ...values]);
  }
  return filter;
}

function oneOf(filter: Filter, keys: string[], value: string | null): boolean {
  for (const key of keys) {
    const wanted = filter.get(key);
    if (wanted && wanted.length > 0 && !wanted.some((w) => w.toLowerCase() === (value ?? "").toLowerCase()))
      return false;
  }
  return true;
}

/** yyyy-MM-dd (start of that UTC day) or epoch milliseconds. */
function dateValue(raw: string, endOfDay: boolean): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!match) throw badRequest(`Malformed date "${raw}": expected yyyy-MM-dd`);
  const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return endOfDay ? start + 24 * 60 * 60 * 1000 - 1 : start;
}

const JOB_KEYS = [
  "statuses",
  "ids",
  "externalId",
  "externalIds",
  "channels",
  "modes",
  "triggeredBy",
  "fromDate",
  "toDate",
] as const;
const INSTANCE_KEYS = ["statuses", "ids", "jobId", "jobIds", "externalId", "flowModelIds"] as const;
const STEP_KEYS = ["statuses", "ids", "flowInstanceId", "flowInstanceIds", "jobId", "stepTypes"] as const;

const MIME_BY_EXT: Record<string, string> = {
  ".pdf": "application/pdf",
  ".html": "text/html",
  ".htm": "text/html",
  ".txt": "text/plain",
  ".xml": "application/xml",
  ".json": "application/json",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".dat": "text/plain",
};

export class Runtime {
  constructor(
    private readonly store: DesignStore,
    private readonly jobs: JobStore,
    private readonly now: () => number,
  ) {}

  register(router: Router): void {
    router.add("GET", `${BASE}/jobs`, (ctx) => this.listJobs(ctx));
    router.add("GET", `${BASE}/jobs/:id`, (ctx) => success(ctx.res, jobDto(this.job(ctx, ctx.params.id))));
    router.add("DELETE", `${BASE}/jobs/:id`, (ctx) => this.deleteJob(ctx));
    router.add("POST", `${BASE}/jobs/:id/stop`, (ctx) => this.stopJob(ctx));
    router.add("GET", `${BASE}/flow-instances`, (ctx) => this.listInstances(ctx));
    router.add("GET", `${BASE}/flow-instances/:id`, (ctx) =>
      success(ctx.res, flowInstanceDto(this.instance(ctx, ctx.params.id))),
    );
    router.add("GET", `${BASE}/flow-instances/:id/input`, (ctx) => this.instanceInput(ctx));
    router.add("GET", `${BASE}/flow-steps`, (ctx) => this.listSteps(ctx));
    router.add("GET", `${BASE}/flow-steps/:id`, (ctx) => {
      const step = this.step(ctx, ctx.params.id);
      success(ctx.res, flowStepDto(step, this.jobs.jobs.get(step.jobId)?.expirationDate ?? null));
    });
    router.add("GET", `${BASE}/flow-steps/:id/delivery-file`, (ctx) => this.deliveryFile(ctx));
    router.add("GET", `${BASE}/flow-steps/:id/delivery-file/output-files`, (ctx) => this.outputFiles(ctx));
    router.add("GET", `${BASE}/flow-steps/:id/artifact/:name*`, (ctx) => this.artifact(ctx));
  }

  private domainJobs(ctx: RequestContext): JobRecord[] {
    const tenant = principalOf(ctx).tenant;
    const domain = this.store.domain(tenant, ctx.params.domain);
    return [...this.jobs.jobs.values()].filter((j) => j.tenant === tenant && j.domainId === domain.id);
  }

  private job(ctx: RequestContext, id: string): JobRecord {
    const job = this.domainJobs(ctx).find((j) => j.id === id);
    if (!job) throw notFound(`Job ${id} does not exist`);
    return job;
  }

  private instance(ctx: RequestContext, id: string): FlowInstanceRecord {
    const instance = this.jobs.instances.get(id);
    if (!instance) throw notFound(`Flow instance ${id} does not exist`);
    this.job(ctx, instance.jobId);
    return instance;
  }

  private step(ctx: RequestContext, id: string): FlowStepRecord {
    const step = this.jobs.steps.get(id);
    if (!step) throw notFound(`Flow step ${id} does not exist`);
    this.job(ctx, step.jobId);
    return step;
  }

  private listJobs(ctx: RequestContext): void {
    const filter = parseFilter(ctx.query.get("filter"), JOB_KEYS);
    const fetchDeleted = ctx.query.get("fetchDeleted") === "true";
    const from = filter.get("fromDate")?.[0];
    const to = filter.get("toDate")?.[0];
    const fromMs = from ? dateValue(from, false) : undefined;
    const toMs = to ? dateValue(to, true) : undefined;
    const jobs = this.domainJobs(ctx)
      .filter((j) => fetchDeleted || j.status !== "deleted" || filter.get("statuses")?.includes("deleted"))
      .filter((j) => oneOf(filter, ["statuses"], j.status) && oneOf(filter, ["ids"], j.id))
      .filter(
        (j) => oneOf(filter, ["externalId", "externalIds"], j.externalId) && oneOf(filter, ["channels"], j.channel),
      )
      .filter((j) => oneOf(filter, ["modes"], j.mode) && oneOf(filter, ["triggeredBy"], j.triggeredBy))
      .filter((j) => (fromMs === undefined || j.startDate >= fromMs) && (toMs === undefined || j.startDate <= toMs))
      .sort((a, b) => b.startDate - a.startDate || a.id.localeCompare(b.id));
    sendPage(ctx.res, jobs.map(jobDto), paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  private async deleteJob(ctx: RequestContext): Promise<void> {
    const job = this.job(ctx, ctx.params.id);
    await this.jobs.deleteJob(job);
    sendJson(ctx.res, 200, { status: "success", message: `Job ${job.id} deleted`, details: "" });
  }

  private stopJob(ctx: RequestContext): void {
    const job = this.job(ctx, ctx.params.id);
    if (job.status === "started") {
      job.status = "canceled";
      job.endDate = this.now();
    }
    sendJson(ctx.res, 200, { status: "success", message: `Job ${job.id} is ${job.status}`, details: "" });
  }

  private listInstances(ctx: RequestContext): void {
    const filter = parseFilter(ctx.query.get("filter"), INSTANCE_KEYS);
    const jobIds = new Set(this.domainJobs(ctx).map((j) => j.id));
    const instances = [...this.jobs.instances.values()]
      .filter((i) => jobIds.has(i.jobId))
      .filter((i) => oneOf(filter, ["statuses"], i.status) && oneOf(filter, ["ids"], i.id))
      .filter((i) => oneOf(filter, ["jobId", "jobIds"], i.jobId) && oneOf(filter, ["externalId"], i.externalId))
      .filter((i) => oneOf(filter, ["flowModelIds"], i.flowModelId))
      .sort((a, b) => b.startDate - a.startDate || a.id.localeCompare(b.id));
    sendPage(ctx.res, instances.map(flowInstanceDto), paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  private instanceInput(ctx: RequestContext): void {
    const instance = this.instance(ctx, ctx.params.id);
    const headers: Record<string, string> = {
      "Content-Type": instance.inputContentType,
      "Content-Length": String(instance.input.length),
    };
    if (ctx.query.get("download") === "true") headers["Content-Disposition"] = `attachment; filename="input"`;
    ctx.res.writeHead(200, headers);
    ctx.res.end(instance.input);
  }

  private listSteps(ctx: RequestContext): void {
    const filter = parseFilter(ctx.query.get("filter"), STEP_KEYS);
    const jobs = new Map(this.domainJobs(ctx).map((j) => [j.id, j]));
    const steps = [...this.jobs.steps.values()]
      .filter((s) => jobs.has(s.jobId))
      .filter((s) => oneOf(filter, ["statuses"], s.status) && oneOf(filter, ["ids"], s.id))
      .filter(
        (s) =>
          oneOf(filter, ["flowInstanceId", "flowInstanceIds"], s.flowInstanceId) && oneOf(filter, ["jobId"], s.jobId),
      )
      .filter((s) => oneOf(filter, ["stepTypes"], s.stepType))
      .sort((a, b) => a.queueDate - b.queueDate || (a.previousStepId === null ? -1 : 1));
    sendPage(
      ctx.res,
      steps.map((s) => flowStepDto(s, jobs.get(s.jobId)?.expirationDate ?? null)),
      paging(ctx.query, DEFAULT_PAGE_SIZE),
    );
  }

  private output(ctx: RequestContext): NonNullable<FlowStepRecord["output"]> {
    const step = this.step(ctx, ctx.params.id);
    if (!step.output) throw notFound(`Flow step ${step.id} has no delivery file (status ${step.status})`);
    return step.output;
  }

  private async deliveryFile(ctx: RequestContext): Promise<void> {
    const output = this.output(ctx);
    const disposition =
      ctx.query.get("download") === "true"
        ? { "Content-Disposition": `attachment; filename="${path.basename(output.manifestPath)}"` }
        : undefined;
    await streamFile(ctx, output.manifestPath, "application/xml", disposition);
  }

  private outputFiles(ctx: RequestContext): void {
    const output = this.output(ctx);
    sendPage(ctx.res, output.files, paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  /** `artifact/{name}`: a path relative to output/ (e.g. Queue_1_Print_PDF/x.pdf) or a file name unique in the run. */
  private async artifact(ctx: RequestContext): Promise<void> {
    const output = this.output(ctx);
    const name = ctx.params.name.replace(/\\/g, "/");
    let relative = output.files.find((f) => f === name);
    if (!relative) {
      const byBase = output.files.filter((f) => path.posix.basename(f) === name);
      if (byBase.length > 1) throw badRequest(`Artifact name "${name}" is ambiguous; use its path relative to output/`);
      relative = byBase[0];
    }
    if (!relative) throw notFound(`Artifact "${name}" does not exist in flow step ${ctx.params.id}`);
    const full = path.resolve(output.outputDir, relative);
    if (!full.startsWith(path.resolve(output.outputDir) + path.sep)) throw badRequest("Invalid artifact name");
    const type = MIME_BY_EXT[path.extname(full).toLowerCase()] ?? "application/octet-stream";
    await streamFile(ctx, full, type, {
      "Content-Disposition": `attachment; filename="${encodeURIComponent(path.basename(full))}"`,
    });
  }
}

async function streamFile(
  ctx: RequestContext,
  file: string,
  contentType: string,
  extra: Record<string, string> = {},
): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw notFound("The file no longer exists (job cleaned up?)");
  }
  ctx.res.writeHead(200, { "Content-Type": contentType, "Content-Length": String(size), ...extra });
  await pipeline(createReadStream(file), ctx.res);
}
