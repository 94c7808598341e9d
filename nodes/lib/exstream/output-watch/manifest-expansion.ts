/**
 * One stable manifest → its communications: parse (streaming), group per customer, locate every file inside the
 * root, hash it (streamed, never held in memory), and hand each communication to the sink — or, when one of its
 * files is refused or missing, hand it over as refused with the reason. Nothing is read outside the root.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { openDeliveryManifest, type CustomerFile, type CustomerReportFile } from "../delivery-manifest";
import {
  channelOf,
  groupCommunication,
  variantOf,
  type CommunicationPlan,
  type GroupingOptions,
} from "./communication-grouping";
import { readDeliveryLog, type DeliveryLogIndex } from "./delivery-log";
import { outputRelativeSegments, PathRefusedError, resolveOutputFile } from "./path-safety";
import { digestFile } from "./stability";
import type { CommunicationDocument, DeliveryLogExcerpt, RenditionFile, RunIdentity } from "./types";

export interface ExpansionContext {
  /** Nothing outside this folder is ever read (the watched root, or the API working folder). */
  root: string;
  grouping: GroupingOptions;
  /** The run, or how to tell it from the first engine path of the manifest (API mode). */
  identity: RunIdentity | ((engineName: string | undefined) => RunIdentity);
  tmpDir?: string;
  /** Checked between customers: the node is closing. */
  shouldStop: () => boolean;
}

export interface ExpansionSink {
  communication(document: CommunicationDocument): void;
  refused(document: CommunicationDocument, reason: string): void;
}

export type ExpansionResult =
  | { outcome: "expanded"; customers: number; communications: number; refused: number }
  | { outcome: "vanished" }
  | { outcome: "stopped" };

export async function expandManifest(
  manifestPath: string,
  ctx: ExpansionContext,
  sink: ExpansionSink,
): Promise<ExpansionResult> {
  const manifest = await openDeliveryManifest(manifestPath, { tmpDir: ctx.tmpDir });
  const outputDir = path.dirname(manifestPath);
  const logs = new Map<string, Promise<DeliveryLogIndex>>();
  let identity: RunIdentity | undefined = typeof ctx.identity === "function" ? undefined : ctx.identity;
  const result = { outcome: "expanded" as const, customers: 0, communications: 0, refused: 0 };
  try {
    for await (const customer of manifest.customers()) {
      if (ctx.shouldStop()) return { outcome: "stopped" };
      result.customers++;
      identity ??= (ctx.identity as (name: string | undefined) => RunIdentity)(customer.files[0]?.fileName);
      for (const plan of groupCommunication(customer, ctx.grouping)) {
        const built = await buildDocument(plan, identity, manifestPath, outputDir, ctx, logs);
        if (built.ok) {
          result.communications++;
          sink.communication(built.document);
          continue;
        }
        if (built.error.kind === "missing" && !(await exists(manifestPath))) return { outcome: "vanished" };
        result.refused++;
        sink.refused(built.document, built.error.message);
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
  logs: Map<string, Promise<DeliveryLogIndex>>,
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
    manifest: manifestPath,
  };
  if (plan.primary.pageCount !== undefined) document.pageCount = plan.primary.pageCount;
  try {
    const primary = await rendition(plan.primary, outputDir, ctx);
    Object.assign(document, { id: `${idBase}#${primary.sha256}`, path: primary.path, size: primary.size });
    document.sha256 = primary.sha256;
    for (const file of plan.related) document.related.push(await rendition(file, outputDir, ctx));
    if (plan.deliveryLog) {
      document.deliveryLog = await deliveryLogExcerpt(plan.deliveryLog, plan.customerNumber, outputDir, ctx, logs);
    }
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
  const local = await resolveOutputFile(file.fileName, outputDir, ctx.root);
  const { size, sha256 } = await digestFile(local);
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
  };
}

async function deliveryLogExcerpt(
  report: CustomerReportFile,
  customerNumber: string,
  outputDir: string,
  ctx: ExpansionContext,
  logs: Map<string, Promise<DeliveryLogIndex>>,
): Promise<DeliveryLogExcerpt> {
  const local = await resolveOutputFile(report.fileName, outputDir, ctx.root);
  let index = logs.get(local);
  if (!index) {
    index = readDeliveryLog(local);
    logs.set(local, index);
  }
  return {
    path: local,
    fileName: baseName(report.fileName),
    mimeType: report.mimeType,
    entries: (await index).get(customerNumber) ?? [],
  };
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
