/*
 * Orchestration runtime (`/orchestration/api/v1/runtime/{domain}/…`): jobs, flow instances, flow steps with the
 * spec's filter keys in either syntax (`filter=statuses:complete,error;jobId:x` or `filter.statuses=complete,error`),
 * `offset`, `count`, and the output of a communication step streamed from the output tree.
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
import type { ProtocolSettings } from "./options";
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
    const values = part
      .slice(colon + 1)
      .split(",")
      .map((v) =>
        v
          .replace(/\/colon\//g, ":")
          .replace(/\/semi\//g, ";")
          .replace(/\/bsol\//g, "\\")
          .trim(),
      );
    addKey(filter, part.slice(0, colon).trim(), values, allowedKeys);
  }
  return filter;
}

function addKey(filter: Filter, key: string, values: string[], allowedKeys: readonly string[]): void {
  if (!allowedKeys.includes(key)) throw badRequest(`Unknown filter key "${key}"`, `allowed: ${allowedKeys.join(", ")}`);
  filter.set(key, [...(filter.get(key) ?? []), ...values.filter((v) => v !== "")]);
}

/**
 * The filter of a list call in the syntaxes the settings accept: `filter=k:v;…` (the spec's parameter description and
 * example) and/or `filter.k=v1,v2` (the properties of its `filterRequest` schema). A server of one syntax behaves as
 * Spring would: `filter=…` it cannot convert is a 400, `filter.k` parameters it does not bind are ignored.
 */
function requestFilter(ctx: RequestContext, syntax: ProtocolSettings["filterSyntax"], keys: readonly string[]): Filter {
  if (ctx.query.has("filter") && syntax === "object") {
    throw badRequest("Failed to convert value of type 'java.lang.String' to required type 'FilterRequest'");
  }
  const filter = parseFilter(ctx.query.get("filter"), keys);
  if (syntax === "semicolon") return filter;
  for (const name of [...ctx.query.keys()].filter((k) => k.startsWith("filter."))) {
    for (const value of ctx.query.getAll(name)) addKey(filter, name.slice("filter.".length), value.split(","), keys);
  }
  return filter;
}

/** Whether the record passes every key (lists = any of; case-insensitive); date bounds compare whole UTC days. */
function passes(filter: Filter, fields: Record<string, string | number | boolean | null | undefined>): boolean {
  for (const [key, wanted] of filter) {
    if (wanted.length === 0) continue;
    const bound = /^(.*)Date(Start|End)$/.exec(key);
    if (bound) {
      const value = fields[`${bound[1] === "expiring" ? "expiration" : bound[1]}Date`];
      if (typeof value !== "number") return false;
      const limit = dateValue(wanted[0], bound[2] === "End");
      if (bound[2] === "Start" ? value < limit : value > limit) return false;
      continue;
    }
    const actual = String(fields[FIELD_OF_KEY[key] ?? key] ?? "").toLowerCase();
    if (!wanted.some((w) => w.toLowerCase() === actual)) return false;
  }
  return true;
}

/** Keys that test a field of another name (list keys of the spec name the singular field). */
const FIELD_OF_KEY: Record<string, string> = {
  ids: "id",
  statuses: "status",
  stepTypes: "stepType",
  flowModelIds: "flowModelId",
  flowModelSnapshotIds: "flowModelId",
  flowModelTypes: "flowModelType",
  aggregatedFMCSnapshotIds: "aggregatedFMCSnapshotId",
};

/** yyyy-MM-dd (the spec's filter format; start or end of that UTC day) or an ISO date-time (its schema type). */
function dateValue(raw: string, endOfDay: boolean): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (match) {
    const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    return endOfDay ? start + 24 * 60 * 60 * 1000 - 1 : start;
  }
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw badRequest(`Malformed date "${raw}": expected yyyy-MM-dd`);
  return ms;
}

const DATE_BOUNDS = (...fields: string[]) => fields.flatMap((f) => [`${f}DateStart`, `${f}DateEnd`]);
/** The filter keys the spec lists for each entity (JobFilter, FlowInstanceFilter, FlowStepFilter). */
const JOB_KEYS = [
  "ids",
  "channel",
  "externalId",
  "triggeredBy",
  "statuses",
  "mode",
  "aggregatedFMCSnapshotIds",
  "flowModelTypes",
  "domainId",
  ...DATE_BOUNDS("start", "end", "expiring"),
] as const;
const INSTANCE_KEYS = [
  "ids",
  "flowModelId",
  "flowModelIds",
  "flowModelSnapshotIds",
  "jobId",
  "externalId",
  "statuses",
  "flowModelTypes",
  "executingLongRunningOp",
  "domainId",
  ...DATE_BOUNDS("start", "end", "expiring"),
] as const;
const STEP_KEYS = [
  "ids",
  "stepName",
  "displayName",
  "externalId",
  "previousStepId",
  "flowInstanceId",
  "statuses",
  "stepTypes",
  "deliveryFileRetrievable",
  ...DATE_BOUNDS("start", "end", "expiring", "queue", "execute"),
] as const;

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
    private readonly settings: ProtocolSettings,
  ) {}

  register(router: Router): void {
    router.add("GET", `${BASE}/jobs`, (ctx) => this.listJobs(ctx));
    router.add("GET", `${BASE}/jobs/:id`, (ctx) =>
      success(ctx.res, jobDto(this.job(ctx, ctx.params.id), this.settings.dates)),
    );
    router.add("DELETE", `${BASE}/jobs/:id`, (ctx) => this.deleteJob(ctx));
    router.add("POST", `${BASE}/jobs/:id/stop`, (ctx) => this.stopJob(ctx));
    router.add("GET", `${BASE}/flow-instances`, (ctx) => this.listInstances(ctx));
    router.add("GET", `${BASE}/flow-instances/:id`, (ctx) =>
      success(ctx.res, flowInstanceDto(this.instance(ctx, ctx.params.id), this.settings.dates)),
    );
    router.add("GET", `${BASE}/flow-instances/:id/input`, (ctx) => this.instanceInput(ctx));
    router.add("GET", `${BASE}/flow-steps`, (ctx) => this.listSteps(ctx));
    router.add("GET", `${BASE}/flow-steps/:id`, (ctx) => {
      const step = this.step(ctx, ctx.params.id);
      success(ctx.res, flowStepDto(step, this.jobs.jobs.get(step.jobId)?.expirationDate ?? null, this.settings.dates));
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
    const filter = requestFilter(ctx, this.settings.filterSyntax, JOB_KEYS);
    const fetchDeleted = ctx.query.get("fetchDeleted") === "true";
    const jobs = this.domainJobs(ctx)
      .filter((j) => fetchDeleted || j.status !== "deleted" || filter.get("statuses")?.includes("deleted"))
      .filter((j) => passes(filter, { ...j, flowModelType: "COMMUNICATION", aggregatedFMCSnapshotId: null }))
      .sort((a, b) => b.startDate - a.startDate || a.id.localeCompare(b.id));
    const dto = (j: JobRecord) => jobDto(j, this.settings.dates);
    sendPage(ctx.res, jobs.map(dto), paging(ctx.query, DEFAULT_PAGE_SIZE));
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
    const filter = requestFilter(ctx, this.settings.filterSyntax, INSTANCE_KEYS);
    const jobIds = new Set(this.domainJobs(ctx).map((j) => j.id));
    const instances = [...this.jobs.instances.values()]
      .filter((i) => jobIds.has(i.jobId))
      .filter((i) =>
        passes(filter, { ...i, input: undefined, flowModelType: "COMMUNICATION", executingLongRunningOp: false }),
      )
      .sort((a, b) => b.startDate - a.startDate || a.id.localeCompare(b.id));
    const dto = (i: FlowInstanceRecord) => flowInstanceDto(i, this.settings.dates);
    sendPage(ctx.res, instances.map(dto), paging(ctx.query, DEFAULT_PAGE_SIZE));
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
    const filter = requestFilter(ctx, this.settings.filterSyntax, STEP_KEYS);
    filter.delete("caseSensitive");
    const jobs = new Map(this.domainJobs(ctx).map((j) => [j.id, j]));
    const expiration = (s: FlowStepRecord) => jobs.get(s.jobId)?.expirationDate ?? null;
    const steps = [...this.jobs.steps.values()]
      .filter((s) => jobs.has(s.jobId))
      .filter((s) =>
        passes(filter, {
          ...s,
          output: undefined,
          expirationDate: expiration(s),
          deliveryFileRetrievable: s.output !== undefined,
        }),
      )
      .sort((a, b) => a.queueDate - b.queueDate || (a.previousStepId === null ? -1 : 1));
    sendPage(
      ctx.res,
      steps.map((s) => flowStepDto(s, expiration(s), this.settings.dates)),
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
    // Spring Security's default firewall refuses an encoded slash anywhere in the path.
    if (/%2f|%5c/i.test(ctx.path)) {
      throw badRequest('The request was rejected because the URL contained a potentially malicious String "%2F"');
    }
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
