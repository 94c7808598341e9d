/**
 * One stable manifest → its communications: parse (streaming), group per customer, locate every file inside the
 * root, hash it (streamed, never held in memory), and hand each communication to the sink — or, when one of its
 * files is refused or missing, hand it over as refused with the reason (or, while missing files are still awaited,
 * report the customer as deferred). Nothing is read outside the root. A customer gets its own delivery-log extract,
 * never the run's whole log.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { openDeliveryManifest, type CustomerFile, type CustomerReportFile } from "../exstream/delivery-manifest";
import {
  channelOf,
  groupCommunication,
  variantOf,
  type CommunicationPlan,
  type GroupingOptions,
} from "./communication-grouping";
import { CustomerLogExtracts, deliveryOutcomeOf } from "./delivery-log";
import { locateOutputFile, outputRelativeSegments, PathRefusedError, resolveOutputFile } from "./path-safety";
import { digestFile } from "./stability";
import type { CommunicationDocument, DeliveryLogExcerpt, RenditionFile, RunIdentity } from "./types";

export interface ExpansionContext {
  /** Nothing outside this folder is ever read (the watched root, or the API working folder). */
  root: string;
  grouping: GroupingOptions;
  /** The run, or how to tell it from the first engine path of the manifest (API mode). */
  identity: RunIdentity | ((engineName: string | undefined) => RunIdentity);
  tmpDir?: string;
  /** This manifest's private working folder: the customers' delivery-log extracts are written below it. */
  workDir: string;
  /** A missing file defers its customer (reported in the result) instead of refusing it: the share may lag. */
  deferMissing?: boolean;
  /** Expand only these customers (a retry of deferred ones). */
  onlyCustomers?: ReadonlySet<string>;
  /** Checked between customers: the node is closing. */
  shouldStop: () => boolean;
}

export interface ExpansionSink {
  communication(document: CommunicationDocument): Promise<void> | void;
  refused(document: CommunicationDocument, reason: string): Promise<void> | void;
}

export type ExpansionResult =
  | { outcome: "expanded"; customers: number; communications: number; refused: number; deferred: string[] }
  | { outcome: "vanished" }
  | { outcome: "stopped" };

export async function expandManifest(
  manifestPath: string,
  ctx: ExpansionContext,
  sink: ExpansionSink,
): Promise<ExpansionResult> {
  const manifest = await openDeliveryManifest(manifestPath, { tmpDir: ctx.tmpDir });
  const outputDir = path.dirname(manifestPath);
  const logs = new CustomerLogExtracts(ctx.workDir);
  let identity: RunIdentity | undefined = typeof ctx.identity === "function" ? undefined : ctx.identity;
  const result = {
    outcome: "expanded" as const,
    customers: 0,
    communications: 0,
    refused: 0,
    deferred: [] as string[],
  };
  try {
    for await (const customer of manifest.customers()) {
      if (ctx.shouldStop()) return { outcome: "stopped" };
      result.customers++;
      identity ??= (ctx.identity as (name: string | undefined) => RunIdentity)(customer.files[0]?.fileName);
      if (ctx.onlyCustomers && !ctx.onlyCustomers.has(customer.customerNumber)) continue;
      const built: Built[] = [];
      for (const plan of groupCommunication(customer, ctx.grouping)) {
        built.push(await buildDocument(plan, identity, manifestPath, outputDir, ctx, logs));
      }
      const missing = built.some((b) => !b.ok && b.error.kind === "missing");
      if (missing && !(await exists(manifestPath))) return { outcome: "vanished" };
      // All of a customer's communications wait together, so a retry never sees half of them known already.
      if (missing && ctx.deferMissing) {
        result.deferred.push(customer.customerNumber);
        continue;
      }
      for (const b of built) {
        if (b.ok) {
          result.communications++;
          await sink.communication(b.document);
        } else {
          result.refused++;
          await sink.refused(b.document, b.error.message);
        }
      }
    }
  } finally {
    await manifest.dispose();
  }
  return result;
}

type Built =
  | { ok: true; document: CommunicationDocument }
  | { ok: false; document: CommunicationDocument; error: PathRefusedError };

async function buildDocument(
  plan: CommunicationPlan,
  job: RunIdentity,
  manifestPath: string,
  outputDir: string,
  ctx: ExpansionContext,
  logs: CustomerLogExtracts,
): Promise<Built> {
  const primaryName = baseName(plan.primary.fileName);
  const idBase = [job.jobId, job.flowInstanceId, job.runId, plan.customerNumber, primaryName].join("/");
  const document: CommunicationDocument = {
    id: `${idBase}#unavailable`,
    fileName: primaryName,
    path: "",
    mimeType: plan.primary.mimeType,
    size: plan.primary.fileSize ?? 0,
    sha256: "",
    queue: plan.primary.queueName,
    channel: channelOf(plan.primary, ctx.grouping.channelMap),
    customerNumber: plan.customerNumber,
    keys: plan.keys,
    variant: variantOf(plan.keys),
    job,
    related: [],
    channels: [],
    manifest: manifestPath,
  };
  if (plan.primary.pageCount !== undefined) document.pageCount = plan.primary.pageCount;
  try {
    const primary = await rendition(plan.primary, outputDir, ctx);
    Object.assign(document, { id: `${idBase}#${primary.sha256}`, path: primary.path, size: primary.size });
    document.sha256 = primary.sha256;
    document.mtimeMs = primary.mtimeMs;
    for (const file of plan.related) document.related.push(await rendition(file, outputDir, ctx));
    if (plan.deliveryLog) {
      document.deliveryLog = await deliveryLogExcerpt(plan.deliveryLog, plan.customerNumber, outputDir, ctx, logs);
    }
    document.channels = attemptedChannels(document, ctx.grouping.channelMap);
    return { ok: true, document };
  } catch (err) {
    if (err instanceof PathRefusedError) return { ok: false, document, error: err };
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { ok: false, document, error: new PathRefusedError(`${(err as Error).message}`, "missing") };
    }
    throw err;
  }
}

async function rendition(file: CustomerFile, outputDir: string, ctx: ExpansionContext): Promise<RenditionFile> {
  const found = await locateOutputFile(file.fileName, outputDir, ctx.root, { digest: true });
  const { path: local, size, mtimeMs } = found;
  // A file above the file thread's limit is hashed as a stream (refused unless its size and time stay as found).
  const sha256 = found.sha256 ?? (await digestFile(local, found)).sha256;
  // The engine writes the manifest last, so an empty file is a failed rendition, not one still being written:
  // never hand it on (it would be archived as an empty document), dead-letter it with the reason.
  if (size === 0) throw new PathRefusedError(`"${file.fileName}" is empty (0 bytes)`, "unplaceable");
  return {
    fileName: baseName(file.fileName),
    path: local,
    mimeType: file.mimeType,
    queue: file.queueName,
    channel: channelOf(file, ctx.grouping.channelMap),
    size,
    sha256,
    mtimeMs,
  };
}

/** The customer's own part of the run's delivery log. */
async function deliveryLogExcerpt(
  report: CustomerReportFile,
  customerNumber: string,
  outputDir: string,
  ctx: ExpansionContext,
  logs: CustomerLogExtracts,
): Promise<DeliveryLogExcerpt> {
  const local = await resolveOutputFile(report.fileName, outputDir, ctx.root);
  const extract = await logs.extractOf(local, customerNumber);
  return { ...extract, fileName: baseName(report.fileName), mimeType: report.mimeType };
}

/**
 * The channels tried for this communication: those its delivery-log entries name (an entry without a channel is
 * placed by its queue), else the channels of its own files. Never empty: the primary file has a channel.
 */
function attemptedChannels(document: CommunicationDocument, channelMap: Record<string, string>): string[] {
  const byQueue = new Map([document, ...document.related].map((f) => [f.queue, f.channel]));
  const channels: string[] = [];
  for (const entry of document.deliveryLog?.entries ?? []) {
    const queue = entry.queue ?? entry.name ?? "";
    entry.channel ||= byQueue.get(queue) ?? channelMap[queue] ?? queue;
    entry.outcome ??= deliveryOutcomeOf(entry.status);
    if (entry.channel && !channels.includes(entry.channel)) channels.push(entry.channel);
  }
  if (channels.length > 0) return channels;
  return [...new Set([document.channel, ...document.related.map((f) => f.channel)])];
}

function baseName(engineName: string): string {
  try {
    const segments = outputRelativeSegments(engineName);
    return segments[segments.length - 1];
  } catch {
    return engineName.replace(/\\/g, "/").split("/").pop() ?? engineName;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
