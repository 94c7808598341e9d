/*
 * The simulator's read-only jobs page (simulator-only, under /sim, no bearer token):
 *   GET /sim/jobs                                      jobs (status, mode, dates) and the design resources
 *   GET /sim/jobs/{jobId}                              one job: flow instances, flow steps, outputs, manifest summary
 *   GET /sim/jobs/{jobId}/steps/{stepId}/manifest      the step's _STDDELIVERYFILE.xml
 *   GET /sim/jobs/{jobId}/steps/{stepId}/files/{path}  one output file (a path listed for the step only)
 * Values are HTML-escaped; no secret, token or password is ever shown.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { attachmentDisposition, formatDate, html, link, properties, sendPage, table, type Html } from "../html-page";
import { notFound } from "./errors";
import type { RequestContext, Router } from "./http";
import type { ExstreamSimulator } from "./index";
import type { FlowStepRecord, JobRecord, OutputTreeRecord } from "./jobs";

const ROOT = "/sim/jobs";
const MAX_JOBS = 200;
const MAX_FILES = 500;
const MAX_RESOURCES = 500;
/** The manifest's counters sit in its first element; the head is enough for the summary. */
const MANIFEST_HEAD_BYTES = 4096;

export function registerJobsPage(router: Router, sim: ExstreamSimulator): void {
  const opts = { public: true };
  router.add("GET", ROOT, (ctx) => sendPage(ctx.res, "Exstream simulator — jobs", overview(sim)), opts);
  router.add(
    "GET",
    `${ROOT}/:id`,
    async (ctx) => {
      const job = jobOf(sim, ctx);
      sendPage(ctx.res, `Job ${job.id}`, await jobDetail(sim, job));
    },
    opts,
  );
  router.add(
    "GET",
    `${ROOT}/:id/steps/:stepId/manifest`,
    async (ctx) => {
      const output = outputOf(sim, ctx);
      await sendFile(ctx, output.manifestPath, "application/xml");
    },
    opts,
  );
  router.add(
    "GET",
    `${ROOT}/:id/steps/:stepId/files/:name*`,
    async (ctx) => {
      const output = outputOf(sim, ctx);
      const relative = output.files.find((f) => f === ctx.params.name);
      if (!relative) throw notFound(`No output file "${ctx.params.name}" in flow step ${ctx.params.stepId}`);
      await sendFile(ctx, path.join(output.outputDir, relative), "application/octet-stream");
    },
    opts,
  );
}

function jobOf(sim: ExstreamSimulator, ctx: RequestContext): JobRecord {
  const job = sim.jobs.jobs.get(ctx.params.id);
  if (!job) throw notFound(`No job ${ctx.params.id}`);
  return job;
}

function outputOf(sim: ExstreamSimulator, ctx: RequestContext): OutputTreeRecord {
  const job = jobOf(sim, ctx);
  const step = sim.jobs.steps.get(ctx.params.stepId);
  if (!step || step.jobId !== job.id || !step.output) throw notFound(`No output for flow step ${ctx.params.stepId}`);
  return step.output;
}

async function sendFile(ctx: RequestContext, file: string, contentType: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw notFound("The file no longer exists (job cleaned up?)");
  }
  ctx.res.writeHead(200, {
    "Content-Type": contentType,
    "Content-Length": String(size),
    "Content-Disposition": attachmentDisposition(path.basename(file)),
    "X-Content-Type-Options": "nosniff",
  });
  await pipeline(createReadStream(file), ctx.res);
}

function stepsOf(sim: ExstreamSimulator, jobId: string): FlowStepRecord[] {
  return [...sim.jobs.steps.values()]
    .filter((s) => s.jobId === jobId)
    .sort((a, b) => a.queueDate - b.queueDate || (a.previousStepId === null ? -1 : 1));
}

function status(value: string): Html {
  return html`<span class="status-${value}">${value}</span>`;
}

function overview(sim: ExstreamSimulator): Html {
  const jobs = [...sim.jobs.jobs.values()].sort((a, b) => b.startDate - a.startDate || a.id.localeCompare(b.id));
  const rows = jobs.slice(0, MAX_JOBS).map((job) => {
    const steps = stepsOf(sim, job.id);
    const communication = steps.find((s) => s.stepType === "communication");
    const files = steps.reduce((n, s) => n + (s.output?.files.length ?? 0), 0);
    return [
      link(`${ROOT}/${encodeURIComponent(job.id)}`, job.id),
      status(job.status),
      job.mode,
      job.domainId,
      job.channel,
      communication?.displayName ?? "",
      formatDate(job.startDate),
      formatDate(job.endDate),
      job.externalId ?? "",
      String(files),
    ];
  });
  return html`<h1>Exstream simulator</h1>
    <p>Read-only view of the simulator's jobs and design resources (simulator only, not part of the product API).</p>
    <h2>Jobs (${jobs.length})</h2>
    ${table(["Job", "Status", "Mode", "Domain", "Channel", "Communication", "Started", "Ended", "External id", "Files"], rows)}
    ${jobs.length > MAX_JOBS ? html`<p class="empty">… and ${jobs.length - MAX_JOBS} older jobs</p>` : html``}
    <h2>Design resources</h2>
    ${resources(sim)}`;
}

function resources(sim: ExstreamSimulator): Html {
  const sections: Html[] = [];
  for (const tenant of sim.store.tenants.values()) {
    for (const domain of tenant.domains.values()) {
      const latest = sim.store.list(domain, { latestVersion: true });
      const rows = latest
        .slice(0, MAX_RESOURCES)
        .map((v) => [
          v.name,
          v.type,
          status(v.state),
          String(v.version),
          sim.store.latestApproved(domain, v.id)?.version ?? "",
          formatDate(v.lastModifiedDate),
          v.lastModifiedBy,
          html`<code>${v.id}</code>`,
        ]);
      sections.push(
        html`<h3>${tenant.name} / ${domain.id} (${latest.length})</h3>
          ${table(["Name", "Type", "State", "Version", "Approved version", "Modified", "By", "Id"], rows)}`,
      );
    }
  }
  return html`${sections}`;
}

async function jobDetail(sim: ExstreamSimulator, job: JobRecord): Promise<Html> {
  const instances = [...sim.jobs.instances.values()].filter((i) => i.jobId === job.id);
  const steps = stepsOf(sim, job.id);
  const outputs: Html[] = [];
  for (const step of steps) if (step.output) outputs.push(await outputSection(job, step, step.output));
  return html`<div class="crumbs">${link(ROOT, "Jobs")} / ${job.id}</div>
    <h1>Job ${job.id}</h1>
    ${properties([
      ["Status", status(job.status)],
      ["Message", job.msg],
      ["Mode", job.mode],
      ["Tenant / domain", `${job.tenant} / ${job.domainId}`],
      ["Channel", job.channel],
      ["External id", job.externalId],
      ["Triggered by", job.triggeredBy],
      ["Started", formatDate(job.startDate)],
      ["Ended", formatDate(job.endDate)],
      ["Expires", formatDate(job.expirationDate)],
    ])}
    <h2>Flow instances</h2>
    ${table(
      ["Id", "Flow model", "Status", "Started", "Ended", "Message"],
      instances.map((i) => [
        i.id,
        i.flowModelName,
        status(i.status),
        formatDate(i.startDate),
        formatDate(i.endDate),
        i.msg ?? "",
      ]),
    )}
    <h2>Flow steps</h2>
    ${table(
      ["Step", "Name", "Type", "Status", "Queued", "Ended", "Message"],
      steps.map((s) => [
        html`<code>${s.id}</code>`,
        s.displayName || s.stepName,
        s.stepType,
        status(s.status),
        formatDate(s.queueDate),
        formatDate(s.endDate),
        s.msg ?? "",
      ]),
    )}
    ${outputs}`;
}

async function outputSection(job: JobRecord, step: FlowStepRecord, output: OutputTreeRecord): Promise<Html> {
  const base = `${ROOT}/${encodeURIComponent(job.id)}/steps/${encodeURIComponent(step.id)}`;
  const manifest = await manifestSummary(output.manifestPath);
  const byFolder = new Map<string, number>();
  for (const file of output.files) {
    const folder = file.includes("/") ? file.slice(0, file.indexOf("/")) : "";
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
  }
  const fileLink = (file: string) => link(`${base}/files/${file.split("/").map(encodeURIComponent).join("/")}`, file);
  return html`<h2>Output of ${step.displayName || step.stepName}</h2>
    ${properties([
      ["Output folder", html`<code>${output.outputDir}</code>`],
      ["Delivery manifest", manifest ? link(`${base}/manifest`, path.basename(output.manifestPath)) : "missing"],
      ["Customers processed", manifest?.customersProcessed],
      ["Pages processed", manifest?.pagesProcessed],
      ["Files", String(output.files.length)],
    ])}
    ${table(
      ["Queue folder", "Files"],
      [...byFolder.entries()].map(([folder, count]) => [folder, String(count)]),
    )}
    ${table(
      ["File"],
      output.files.slice(0, MAX_FILES).map((f) => [fileLink(f)]),
    )}
    ${output.files.length > MAX_FILES ? html`<p class="empty">… and ${output.files.length - MAX_FILES} more</p>` : html``}`;
}

interface ManifestSummary {
  customersProcessed?: string;
  pagesProcessed?: string;
}

/** The counters of `<outputList …>` from the manifest's head (UTF-16 with BOM, or UTF-8). */
async function manifestSummary(file: string): Promise<ManifestSummary | undefined> {
  let head: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      const buffer = Buffer.alloc(MANIFEST_HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const text = head[0] === 0xff && head[1] === 0xfe ? head.subarray(2).toString("utf16le") : head.toString("utf8");
  const attr = (name: string) => new RegExp(`<outputList[^>]*\\b${name}="(\\d+)"`).exec(text)?.[1];
  return { customersProcessed: attr("customersProcessed"), pagesProcessed: attr("pagesProcessed") };
}
