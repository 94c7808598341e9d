/*
 * Writes one engine run the way the CE engine lays it out on the shared file system:
 *   <root>/<tenant>/<domain>/jobs/<jobId>/<flowInstanceId>/docgen/<runId>/output/
 *     Queue_<n>_<queue>/<file>…   Report_<n>_<report>/delivery_log.xml   ExstreamMessages.dat   _STDDELIVERYFILE.xml
 * There is no completion marker, as in the real product: the manifest is written last. writeMode "atomic" writes every
 * file under a temporary dot-name in the same folder and renames it, so no final name ever shows a partial file;
 * "slow" writes every file in chunks with pauses, and the manifest last and in chunks too, so watchers can be tested
 * against files that exist but are not complete.
 * Documents may come from an (async) iterable: each is written and dropped, only its manifest entry is kept.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  MANIFEST_FILE_NAME,
  manifestBytes,
  type DeliveryManifest,
  type ManifestFile,
  type ManifestQueue,
} from "./delivery-manifest";
import { DELIVERY_LOG_FILE_NAME, deliveryLogChunks, type DeliveryEntry } from "./delivery-log";
import type { EngineCommunication, EngineDocument, EngineRun, OutputTree } from "./model";
import { outputTypeOf, sanitizeFileNamePart } from "./render-customer";

export const MESSAGE_FILE_NAME = "ExstreamMessages.dat";
const DEFAULT_CHUNK_DELAY_MS = 25;
const DEFAULT_CHUNK_BYTES = 16 * 1024;
/** Every file is split at least this often in slow mode, so even a 4 KB letter is observable half-written. */
const SLOW_MIN_CHUNKS = 2;
const SLOW_MANIFEST_MIN_CHUNKS = 4;
const ATOMIC_WRITES_IN_FLIGHT = 8;
const WRITE_BATCH_BYTES = 64 * 1024;
const PDL_OF_CHANNEL: Record<string, string> = { print: "PDF", email: "HTML", sms: "TEXT" };

let tempCounter = 0;

export function outputDirOf(run: EngineRun): string {
  const segments = [run.tenant, run.domain, run.jobId, run.flowInstanceId, run.runId];
  for (const s of segments) {
    if (!s || s === "." || s === ".." || /[/\\\0]/.test(s)) throw new Error(`invalid output path segment "${s}"`);
  }
  return path.join(
    path.resolve(run.outputRoot),
    run.tenant,
    run.domain,
    "jobs",
    run.jobId,
    run.flowInstanceId,
    "docgen",
    run.runId,
    "output",
  );
}

export async function writeOutputTree(
  run: EngineRun,
  comm: EngineCommunication,
  documents: Iterable<EngineDocument> | AsyncIterable<EngineDocument>,
): Promise<OutputTree> {
  const outputDir = outputDirOf(run);
  const writer = new FileWriter(run);
  const queues = new Map<string, { folder: string; queue: ManifestQueue; usedNames: Set<string> }>();
  comm.queues.forEach((q, i) => {
    if (queues.has(q.name)) throw new Error(`queue "${q.name}" is listed twice in communication ${comm.id}`);
    const folder = `Queue_${i + 1}_${sanitizeFileNamePart(q.name)}`;
    const queue: ManifestQueue = {
      name: q.name,
      mimeType: outputTypeOf(q.channel).mimeType,
      pdl: PDL_OF_CHANNEL[q.channel],
      files: [],
    };
    queues.set(q.name, { folder, queue, usedNames: new Set() });
  });
  await fs.mkdir(outputDir, { recursive: true });
  await Promise.all([...queues.values()].map((q) => fs.mkdir(path.join(outputDir, q.folder), { recursive: true })));

  const files: string[] = [];
  const delivery = new Map<number, DeliveryEntry[]>();
  const messages: string[] = [];
  // The engine composes a customer's pages once; counting every channel copy would inflate pagesProcessed.
  const primaryQueue = comm.queues[0]?.name;
  let pagesProcessed = 0;

  for await (const doc of documents) {
    const target = queues.get(doc.queueName);
    if (!target) throw new Error(`document for customer ${doc.customerNumber} names unknown queue "${doc.queueName}"`);
    const fileName = uniqueName(doc.fileName, target.usedNames);
    const relative = `${target.folder}/${fileName}`;
    const absolute = path.join(outputDir, target.folder, fileName);
    await writer.write(absolute, doc.content);
    const entry: ManifestFile = {
      name: absolute,
      customers: [{ number: doc.customerNumber, keys: doc.keys }],
      pageCount: doc.pageCount,
      fileSize: doc.content.length,
    };
    target.queue.files.push(entry);
    files.push(relative);
    if (doc.queueName === primaryQueue) pagesProcessed += doc.pageCount;
    const entries = delivery.get(doc.customerNumber);
    const deliveryEntry = { queueName: doc.queueName, channel: doc.channel, file: relative, keys: doc.keys };
    if (entries) entries.push(deliveryEntry);
    else delivery.set(doc.customerNumber, [deliveryEntry]);
    messages.push(
      `I customer ${doc.customerNumber}: ${doc.queueName} → ${relative} (${doc.pageCount} page(s), ${doc.content.length} bytes)`,
    );
  }
  await writer.drain();

  const manifest: DeliveryManifest = {
    transactions: 0,
    customersProcessed: delivery.size,
    pagesProcessed,
    queues: [...queues.values()].map((q) => q.queue),
    reports: [],
  };

  if (comm.reportName) {
    const folder = `Report_${comm.queues.length + 1}_${sanitizeFileNamePart(comm.reportName)}`;
    const absolute = path.join(outputDir, folder, DELIVERY_LOG_FILE_NAME);
    await fs.mkdir(path.dirname(absolute), { recursive: true });
    const header = { communicationId: comm.id, communicationVersion: comm.version, jobId: run.jobId, runId: run.runId };
    await writer.write(
      absolute,
      Buffer.from([...deliveryLogChunks(header, delivery, run.deliveryStatuses)].join(""), "utf8"),
    );
    await writer.drain();
    files.push(`${folder}/${DELIVERY_LOG_FILE_NAME}`);
    manifest.reports.push({
      queueName: comm.reportName,
      name: absolute,
      dataFile: comm.reportName,
      mimeType: "text/xml",
      reportType: "report",
      customers: [...delivery].map(([number, entries]) => ({ number, keys: reportKeys(entries[0].keys) })),
    });
  }

  messages.push(`I run ${run.runId}: ${delivery.size} customer(s), ${pagesProcessed} page(s), ${files.length} file(s)`);
  await writer.write(path.join(outputDir, MESSAGE_FILE_NAME), Buffer.from(messages.join("\n") + "\n", "utf8"));
  await writer.drain();

  const manifestPath = path.join(outputDir, MANIFEST_FILE_NAME);
  await writer.writeManifest(manifestPath, manifestBytes(manifest));
  return { outputDir, manifestPath, files };
}

function reportKeys(keys: Record<string, string>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of ["AccountNumber", "CustomerId"]) if (keys[name] !== undefined) picked[name] = keys[name];
  return picked;
}

/** "a.pdf", "a.pdf" → "a.pdf", "a_2.pdf": two documents never overwrite each other. */
function uniqueName(fileName: string, used: Set<string>): string {
  const safe = fileName.split(/[/\\]/).map(sanitizeFileNamePart).join("_");
  let name = safe;
  const dot = safe.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ""];
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${stem}_${n}${ext}`;
  used.add(name.toLowerCase());
  return name;
}

class FileWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private readonly delayMs: number;
  private readonly chunkBytes: number;

  constructor(private readonly run: EngineRun) {
    this.delayMs = Math.max(0, run.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS);
    this.chunkBytes = Math.max(1, run.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  }

  /** Atomic writes run a few at a time (call drain() before relying on them); slow writes one after another. */
  async write(file: string, content: Buffer): Promise<void> {
    if (this.run.writeMode === "slow") return this.writeSlowly(file, [content], SLOW_MIN_CHUNKS);
    if (this.inFlight.size >= ATOMIC_WRITES_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const p: Promise<void> = writeAtomically(file, [content])
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  async writeManifest(file: string, chunks: Iterable<Buffer>): Promise<void> {
    if (this.run.writeMode === "slow") return this.writeSlowly(file, [...chunks], SLOW_MANIFEST_MIN_CHUNKS);
    return writeAtomically(file, chunks);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Creates the file empty, then appends pieces with a pause before each, like an engine still composing. */
  private async writeSlowly(file: string, parts: Buffer[], minChunks: number): Promise<void> {
    const content = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    const size = Math.max(1, Math.min(this.chunkBytes, Math.ceil(content.length / minChunks)));
    const handle = await fs.open(file, "w");
    try {
      for (let offset = 0; offset < content.length; offset += size) {
        await sleep(this.delayMs);
        await handle.write(content, offset, Math.min(size, content.length - offset));
      }
    } finally {
      await handle.close();
    }
  }
}

/** Writes under a hidden temporary name in the target folder, then renames: readers see nothing or everything. */
async function writeAtomically(file: string, chunks: Iterable<Buffer>): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
  const handle = await fs.open(temp, "w");
  try {
    // Many small manifest chunks are coalesced so a 100,000-customer manifest is not 100,000 write calls.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const chunk of chunks) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH_BYTES) {
        await handle.write(Buffer.concat(pending, pendingBytes));
        [pending, pendingBytes] = [[], 0];
      }
    }
    if (pendingBytes > 0) await handle.write(Buffer.concat(pending, pendingBytes));
    await handle.close();
    await fs.rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  }
}
