/**
 * Streaming reader of Exstream's output manifest `_STDDELIVERYFILE.xml`.
 *
 * The manifest is grouped queue → file → customer, so one customer's channel files are spread over the whole
 * document (the print PDF near the top, the e-mail near the bottom). Grouping per customer therefore needs either the
 * whole document in memory or a second look. We take the second look without re-reading the XML:
 *
 *  1. One streaming pass with `sax` validates the whole document (a truncated manifest — one still being written — is
 *     refused before anything is yielded) and writes every customer occurrence as a compact JSON line into one of N
 *     bucket files. Buckets are chosen by customer number, so all occurrences of a customer land in the same bucket.
 *     The per-file facts that follow the customers (`pageCount`, `fileSize`) are written, once the file closes, into
 *     each bucket that received a customer of that file.
 *  2. `customers()` reads one bucket at a time, groups it and yields the customers in order.
 *
 * Memory bound: the parser state + N (≤ 512) write buffers of {@link SPILL_FLUSH_CHARS} characters during pass 1, and
 * one bucket (≈ `bucketBytes`, default 4 MiB of JSON lines, about 3× that as objects) grouped in memory during pass 2
 * — independent of the number of customers (unless one customer alone is bigger than a bucket). Measured: a
 * 100,000-customer, 300,000-file, 162 MiB UTF-16 manifest grows the live heap by 6–14 MiB. Small manifests (one
 * bucket) are kept in memory and never touch the disk. `customers()` can be iterated once.
 */
import { createReadStream, promises as fsp } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import os from "node:os";
import path from "node:path";
import sax from "sax";
import { PRIVATE_FILE_MODE } from "../reliability/private-files";
import { ManifestError } from "./errors";

export type ManifestEncoding = "utf-8" | "utf-16le" | "utf-16be";

/** One output file that contains (part of) a customer's communication, with that customer's keys in it. */
export interface CustomerFile {
  queueName: string;
  mimeType: string;
  pdl: string;
  /** Absolute path as written by the engine (`file@name`). */
  fileName: string;
  pageCount?: number;
  fileSize?: number;
  keys: Record<string, string>;
}

/** A report (e.g. delivery log) file that lists the customer (`reportFile` element). */
export interface CustomerReportFile {
  queueName: string;
  fileName: string;
  dataFile: string;
  mimeType: string;
  reportType: string;
  keys: Record<string, string>;
}

/** Everything the manifest says about one customer of the run. */
export interface CustomerCommunication {
  customerNumber: string;
  files: CustomerFile[];
  reports: CustomerReportFile[];
}

export interface ManifestQueueSummary {
  name: string;
  mimeType: string;
  pdl: string;
  fileCount: number;
}

export interface ManifestReportSummary {
  queueName: string;
  fileName: string;
  dataFile: string;
  mimeType: string;
  reportType: string;
  customerCount: number;
}

export interface ManifestSummary {
  encoding: ManifestEncoding;
  transactions?: number;
  customersProcessed?: number;
  pagesProcessed?: number;
  /** Number of `customer` elements (one customer appears once per file it is in). */
  customerOccurrences: number;
  queues: ManifestQueueSummary[];
  /** Report files (delivery logs, error reports); capped at {@link MAX_REPORT_SUMMARIES} entries. */
  reportFiles: ManifestReportSummary[];
}

export interface DeliveryManifestOptions {
  /** Target size of one spill bucket; the grouping pass holds one bucket in memory. Default 4 MiB. */
  bucketBytes?: number;
  /** Where spill buckets go; default the OS temp dir. */
  tmpDir?: string;
  /** Called after each chunk of the first pass has been indexed, with the bytes read so far. */
  onProgress?(bytesRead: number): void;
}

export interface DeliveryManifest {
  readonly summary: ManifestSummary;
  /** Yields every customer once, with all its files and report entries. Cleans up when finished or abandoned. */
  customers(): AsyncGenerator<CustomerCommunication, void, undefined>;
  /** Removes spill files early (when `customers()` is not run to completion). Idempotent. */
  dispose(): Promise<void>;
}

const DEFAULT_BUCKET_BYTES = 4 * 1024 * 1024;
const MAX_BUCKETS = 512;
/** Characters buffered per bucket before they are written out. */
const SPILL_FLUSH_CHARS = 32 * 1024;
const MAX_REPORT_SUMMARIES = 1000;
/** A single key value or number longer than this is not a manifest we understand. */
const MAX_TEXT_CHARS = 64 * 1024;
/**
 * The manifest is five levels deep (outputList › queue › file › customer › key); anything far deeper is not a manifest
 * but an attempt to make the parser's element stack grow without bound.
 */
export const MAX_MANIFEST_DEPTH = 32;
/** Roughly how many spill bytes one manifest byte becomes (JSON lines are denser than XML). */
const SPILL_RATIO: Record<ManifestEncoding, number> = { "utf-8": 0.8, "utf-16le": 0.4, "utf-16be": 0.4 };

/** Decides the encoding from the first bytes: BOM, else the zero-byte pattern of UTF-16 ASCII, else UTF-8. */
export function sniffManifestEncoding(head: Uint8Array): { encoding: ManifestEncoding; bomLength: number } {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", bomLength: 2 };
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    return { encoding: "utf-8", bomLength: 3 };
  }
  if (head.length >= 2 && head[0] !== 0 && head[1] === 0) return { encoding: "utf-16le", bomLength: 0 };
  if (head.length >= 2 && head[0] === 0 && head[1] !== 0) return { encoding: "utf-16be", bomLength: 0 };
  return { encoding: "utf-8", bomLength: 0 };
}

/** Validates and indexes the manifest (pass 1). Throws {@link ManifestError} for empty, truncated, malformed or unsafe input. */
export async function openDeliveryManifest(
  source: string | Buffer,
  options: DeliveryManifestOptions = {},
): Promise<DeliveryManifest> {
  const head = await readHead(source);
  if (head.length === 0) throw new ManifestError("delivery manifest is empty", "empty");
  const { encoding, bomLength } = sniffManifestEncoding(head);
  const sizeBytes = typeof source === "string" ? await statSize(source) : source.length;
  const bucketBytes = Math.max(64 * 1024, options.bucketBytes ?? DEFAULT_BUCKET_BYTES);
  const bucketCount = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil((sizeBytes * SPILL_RATIO[encoding]) / bucketBytes)));
  const spill = bucketCount === 1 ? new MemorySpill() : await FileSpill.create(bucketCount, options.tmpDir);
  try {
    const indexer = new ManifestIndexer(spill, encoding);
    const decoder = new TextDecoder(encoding, { fatal: false });
    let first = true;
    let bytesRead = 0;
    for await (const chunk of byteStream(source)) {
      let bytes = chunk as Buffer;
      bytesRead += bytes.length;
      if (first) {
        bytes = bytes.subarray(bomLength);
        first = false;
      }
      indexer.write(decoder.decode(bytes, { stream: true }));
      await spill.flush(false);
      options.onProgress?.(bytesRead);
    }
    indexer.write(decoder.decode());
    const summary = indexer.end();
    await spill.flush(true);
    return new SpilledManifest(summary, spill);
  } catch (err) {
    await spill.dispose();
    if (err instanceof ManifestError) throw err;
    throw new ManifestError(`delivery manifest could not be read: ${(err as Error).message}`, "io");
  }
}

/** Convenience: calls `onCustomer` for every customer (awaiting it: natural backpressure) and returns the summary. */
export async function forEachManifestCustomer(
  source: string | Buffer,
  onCustomer: (customer: CustomerCommunication, summary: ManifestSummary) => void | Promise<void>,
  options?: DeliveryManifestOptions,
): Promise<ManifestSummary> {
  const manifest = await openDeliveryManifest(source, options);
  for await (const customer of manifest.customers()) await onCustomer(customer, manifest.summary);
  return manifest.summary;
}

// ————————————————————————————————————————— pass 1: sax → spill records —————————————————————————————————————————

/** Spill line shapes (short keys: 100k customers × several queues). */
type SpillRecord =
  | { t: "c"; n: string; f: number; k: Record<string, string> }
  | {
      t: "f";
      i: number;
      q: number;
      name: string;
      pc?: number;
      fs?: number;
      r?: { d: string; m: string; rt: string };
    }
  | { t: "q"; i: number; name: string; m: string; p: string };

interface Spill {
  readonly bucketCount: number;
  add(bucket: number, record: SpillRecord): void;
  flush(final: boolean): Promise<void>;
  read(bucket: number): AsyncIterable<SpillRecord>;
  dispose(): Promise<void>;
}

class MemorySpill implements Spill {
  readonly bucketCount = 1;
  private records: SpillRecord[] = [];
  add(_bucket: number, record: SpillRecord): void {
    this.records.push(record);
  }
  async flush(): Promise<void> {}
  async *read(): AsyncIterable<SpillRecord> {
    yield* this.records;
  }
  async dispose(): Promise<void> {
    this.records = [];
  }
}

class FileSpill implements Spill {
  private readonly pending: string[][];
  private readonly pendingChars: number[];
  private disposed = false;

  private constructor(
    readonly bucketCount: number,
    private readonly dir: string,
    private readonly handles: fsp.FileHandle[],
  ) {
    this.pending = handles.map(() => []);
    this.pendingChars = handles.map(() => 0);
  }

  static async create(bucketCount: number, tmpDir?: string): Promise<FileSpill> {
    const dir = await fsp.mkdtemp(path.join(tmpDir ?? os.tmpdir(), "exstream-manifest-"));
    const handles: fsp.FileHandle[] = [];
    try {
      for (let i = 0; i < bucketCount; i++)
        handles.push(await fsp.open(path.join(dir, `bucket-${i}.jsonl`), "w+", PRIVATE_FILE_MODE));
    } catch (err) {
      await Promise.all(handles.map((h) => h.close()));
      await fsp.rm(dir, { recursive: true, force: true });
      throw err;
    }
    return new FileSpill(bucketCount, dir, handles);
  }

  add(bucket: number, record: SpillRecord): void {
    const line = JSON.stringify(record) + "\n";
    this.pending[bucket].push(line);
    this.pendingChars[bucket] += line.length;
  }

  async flush(final: boolean): Promise<void> {
    for (let i = 0; i < this.bucketCount; i++) {
      if (this.pendingChars[i] === 0 || (!final && this.pendingChars[i] < SPILL_FLUSH_CHARS)) continue;
      const text = this.pending[i].join("");
      this.pending[i] = [];
      this.pendingChars[i] = 0;
      await this.handles[i].write(text);
    }
  }

  async *read(bucket: number): AsyncIterable<SpillRecord> {
    const lines = createInterface({
      input: createReadStream(path.join(this.dir, `bucket-${bucket}.jsonl`), { encoding: "utf8" }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) if (line) yield JSON.parse(line) as SpillRecord;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.handles.map((h) => h.close().catch(() => undefined)));
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

interface OpenFile {
  seq: number;
  queue: number;
  name: string;
  report?: { d: string; m: string; rt: string };
  pageCount?: number;
  fileSize?: number;
  buckets: Set<number>;
  customers: number;
}

class ManifestIndexer {
  private readonly parser: sax.SAXParser;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private failure: ManifestError | undefined;

  private readonly summary: ManifestSummary;
  private queueIndex = -1;
  private fileSeq = 0;
  private file: OpenFile | undefined;
  private customer: { number: string; keys: Record<string, string> } | undefined;
  private keyName: string | undefined;
  private text = "";

  constructor(
    private readonly spill: Spill,
    encoding: ManifestEncoding,
  ) {
    this.summary = { encoding, customerOccurrences: 0, queues: [], reportFiles: [] };
    this.parser = sax.parser(true, { trim: false, normalize: false });
    this.parser.ondoctype = (doctype) => this.onDoctype(doctype);
    this.parser.onopentag = (tag) => this.onOpen(tag as sax.Tag);
    this.parser.onclosetag = (name) => this.onClose(name);
    this.parser.ontext = (t) => this.onText(t);
    this.parser.oncdata = (t) => this.onText(t);
    this.parser.onerror = (err) => {
      this.failure ??= classifySaxError(err);
      throw this.failure;
    };
  }

  write(text: string): void {
    if (this.failure) throw this.failure;
    if (text) this.parser.write(text);
  }

  end(): ManifestSummary {
    if (this.failure) throw this.failure;
    try {
      this.parser.close();
    } catch (err) {
      throw err instanceof ManifestError ? err : classifySaxError(err as Error);
    }
    if (!this.rootSeen) throw new ManifestError("delivery manifest has no outputList element (empty?)", "empty");
    if (!this.rootClosed) throw new ManifestError("delivery manifest is truncated (still being written?)", "truncated");
    return this.summary;
  }

  private onDoctype(doctype: string): void {
    // `<!DOCTYPE outputList>` is what the engine writes; an internal subset or an external id is never needed and is
    // the door to XXE and entity-expansion attacks.
    if (/[[\]]|\bSYSTEM\b|\bPUBLIC\b/i.test(doctype)) {
      this.fail(new ManifestError("delivery manifest declares a DTD subset or external entity: refused", "unsafe"));
    }
  }

  private onOpen(tag: sax.Tag): void {
    const parent = this.stack[this.stack.length - 1];
    if (this.stack.length >= MAX_MANIFEST_DEPTH) {
      this.fail(
        new ManifestError(`delivery manifest nests deeper than ${MAX_MANIFEST_DEPTH} elements: refused`, "unsafe"),
      );
    }
    this.stack.push(tag.name);
    const a = tag.attributes;
    this.text = "";
    if (this.stack.length === 1) {
      if (tag.name !== "outputList") this.fail(new ManifestError(`unexpected root element <${tag.name}>`, "malformed"));
      this.rootSeen = true;
      this.summary.transactions = toNumber(a.transactions);
      this.summary.customersProcessed = toNumber(a.customersProcessed);
      this.summary.pagesProcessed = toNumber(a.pagesProcessed);
      return;
    }
    switch (tag.name) {
      case "queue":
        if (parent !== "outputList") return;
        this.summary.queues.push({ name: a.name ?? "", mimeType: a.mimeType ?? "", pdl: a.pdl ?? "", fileCount: 0 });
        this.queueIndex = this.summary.queues.length - 1;
        for (let b = 0; b < this.spill.bucketCount; b++) {
          this.spill.add(b, { t: "q", i: this.queueIndex, name: a.name ?? "", m: a.mimeType ?? "", p: a.pdl ?? "" });
        }
        return;
      case "file":
      case "reportFile":
        if (parent !== "queue") return;
        this.file = {
          seq: this.fileSeq++,
          queue: this.queueIndex,
          name: a.name ?? "",
          buckets: new Set(),
          customers: 0,
        };
        if (tag.name === "reportFile") {
          this.file.report = { d: a.dataFile ?? "", m: a.mimeType ?? "", rt: a.reportType ?? "" };
        }
        this.summary.queues[this.queueIndex].fileCount++;
        return;
      case "customer":
        if (!this.file || (parent !== "file" && parent !== "reportFile")) return;
        this.customer = { number: (a.number ?? "").trim(), keys: {} };
        return;
      case "key":
        if (this.customer && parent === "customer") this.keyName = a.name ?? "";
        return;
    }
  }

  private onText(t: string): void {
    if (this.keyName !== undefined || this.isFileScalar()) {
      this.text += t;
      if (this.text.length > MAX_TEXT_CHARS)
        this.fail(new ManifestError("delivery manifest value too long", "malformed"));
    }
  }

  private onClose(name: string): void {
    this.stack.pop();
    if (this.stack.length === 0) {
      this.rootClosed = true;
      return;
    }
    switch (name) {
      case "key":
        if (this.customer && this.keyName !== undefined) this.customer.keys[this.keyName] = this.text;
        this.keyName = undefined;
        break;
      case "customer":
        if (this.customer && this.file) this.emitCustomer(this.file, this.customer);
        this.customer = undefined;
        break;
      case "pageCount":
        if (this.file && !this.customer) this.file.pageCount = toNumber(this.text.trim());
        break;
      case "fileSize":
        if (this.file && !this.customer) this.file.fileSize = toNumber(this.text.trim());
        break;
      case "file":
      case "reportFile":
        if (this.file && this.stack[this.stack.length - 1] === "queue") this.closeFile(this.file);
        break;
    }
    this.text = "";
  }

  private isFileScalar(): boolean {
    const top = this.stack[this.stack.length - 1];
    return (top === "pageCount" || top === "fileSize") && this.file !== undefined;
  }

  private emitCustomer(file: OpenFile, customer: { number: string; keys: Record<string, string> }): void {
    if (!customer.number) this.fail(new ManifestError("customer element without a number", "malformed"));
    const bucket = this.bucketOf(customer.number);
    file.buckets.add(bucket);
    file.customers++;
    this.summary.customerOccurrences++;
    this.spill.add(bucket, { t: "c", n: customer.number, f: file.seq, k: customer.keys });
  }

  private closeFile(file: OpenFile): void {
    const record: SpillRecord = { t: "f", i: file.seq, q: file.queue, name: file.name };
    if (file.pageCount !== undefined) record.pc = file.pageCount;
    if (file.fileSize !== undefined) record.fs = file.fileSize;
    if (file.report) record.r = file.report;
    for (const bucket of file.buckets) this.spill.add(bucket, record);
    if (file.report && this.summary.reportFiles.length < MAX_REPORT_SUMMARIES) {
      this.summary.reportFiles.push({
        queueName: this.summary.queues[file.queue]?.name ?? "",
        fileName: file.name,
        dataFile: file.report.d,
        mimeType: file.report.m,
        reportType: file.report.rt,
        customerCount: file.customers,
      });
    }
    this.file = undefined;
  }

  /** Run sequence numbers partition into ordered ranges (so output is ascending); anything else hashes. */
  private bucketOf(customerNumber: string): number {
    const n = this.spill.bucketCount;
    if (n === 1) return 0;
    const total = this.summary.customersProcessed;
    if (total && total > 0 && /^\d{1,15}$/.test(customerNumber)) {
      const seq = Number(customerNumber);
      if (seq >= 1 && seq <= total) return Math.min(n - 1, Math.floor(((seq - 1) * n) / total));
    }
    return fnv1a(customerNumber) % n;
  }

  private fail(error: ManifestError): never {
    this.failure ??= error;
    throw this.failure;
  }
}

function classifySaxError(err: Error): ManifestError {
  if (err instanceof ManifestError) return err;
  const first = err.message.split("\n")[0];
  if (/Unclosed root tag|Unexpected end/i.test(first)) {
    return new ManifestError("delivery manifest is truncated (still being written?)", "truncated");
  }
  if (/entity/i.test(first)) return new ManifestError(`delivery manifest uses an entity: refused (${first})`, "unsafe");
  return new ManifestError(`delivery manifest is not well-formed XML: ${first}`, "malformed");
}

// ————————————————————————————————————————— pass 2: buckets → customers —————————————————————————————————————————

class SpilledManifest implements DeliveryManifest {
  constructor(
    readonly summary: ManifestSummary,
    private readonly spill: Spill,
  ) {}

  async *customers(): AsyncGenerator<CustomerCommunication, void, undefined> {
    try {
      for (let bucket = 0; bucket < this.spill.bucketCount; bucket++) {
        yield* await this.groupBucket(bucket);
      }
    } finally {
      await this.spill.dispose();
    }
  }

  dispose(): Promise<void> {
    return this.spill.dispose();
  }

  private async groupBucket(bucket: number): Promise<CustomerCommunication[]> {
    const queues = new Map<number, { name: string; m: string; p: string }>();
    const files = new Map<number, Extract<SpillRecord, { t: "f" }>>();
    const occurrences: Array<Extract<SpillRecord, { t: "c" }>> = [];
    for await (const record of this.spill.read(bucket)) {
      if (record.t === "q") queues.set(record.i, record);
      else if (record.t === "f") files.set(record.i, record);
      else occurrences.push(record);
    }
    const byCustomer = new Map<string, CustomerCommunication>();
    for (const occ of occurrences) {
      let customer = byCustomer.get(occ.n);
      if (!customer) {
        customer = { customerNumber: occ.n, files: [], reports: [] };
        byCustomer.set(occ.n, customer);
      }
      const file = files.get(occ.f);
      const queue = file ? queues.get(file.q) : undefined;
      if (!file || !queue) continue; // cannot happen for a validated manifest: the file record follows its customers
      if (file.r) {
        customer.reports.push({
          queueName: queue.name,
          fileName: file.name,
          dataFile: file.r.d,
          mimeType: file.r.m,
          reportType: file.r.rt,
          keys: occ.k,
        });
      } else {
        const entry: CustomerFile = {
          queueName: queue.name,
          mimeType: queue.m,
          pdl: queue.p,
          fileName: file.name,
          keys: occ.k,
        };
        if (file.pc !== undefined) entry.pageCount = file.pc;
        if (file.fs !== undefined) entry.fileSize = file.fs;
        customer.files.push(entry);
      }
    }
    return [...byCustomer.values()].sort((a, b) => compareCustomerNumbers(a.customerNumber, b.customerNumber));
  }
}

export function compareCustomerNumbers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ————————————————————————————————————————— small helpers —————————————————————————————————————————

async function readHead(source: string | Buffer): Promise<Buffer> {
  if (typeof source !== "string") return source.subarray(0, 4);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(source, "r");
  } catch (err) {
    throw new ManifestError(
      `delivery manifest cannot be opened: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      "io",
    );
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function statSize(file: string): Promise<number> {
  return (await fsp.stat(file)).size;
}

function byteStream(source: string | Buffer): AsyncIterable<Buffer | string> {
  if (typeof source === "string") return createReadStream(source, { highWaterMark: 64 * 1024 });
  return Readable.from(chunksOf(source, 64 * 1024));
}

function* chunksOf(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
