/**
 * The `msg.document` shape (docs/architecture.md, "Message conventions") of one customer communication: its primary rendition, the other channel files
 * of the same customer (`related`), its manifest keys and the variant they name — whether the files came from an
 * on-demand response or from a job's delivery file.
 */
import path from "node:path";

/**
 * One rendition (file) of a customer communication. Field names are those of the output watch's documents, so
 * `metadata-map` and `cs-archive` read both alike.
 */
export interface RenditionFile {
  /** File name without folders, e.g. `ACC-1001_Statement.pdf`. */
  fileName: string;
  /** Local path, when the rendition is on disk. */
  path?: string;
  /** The bytes, when the rendition is kept in memory instead (on-demand, small). */
  content?: Buffer;
  mimeType: string;
  queue: string;
  channel: string;
  size: number;
  sha256: string;
  customerNumber: string;
  keys: Record<string, string>;
  pageCount?: number;
}

/** What the variant keys of the manifest say (only the dimensions present). */
export interface CommunicationVariant {
  Variant?: string;
  Language?: string;
  Jurisdiction?: string;
  Segment?: string;
  Product?: string;
}

/** The run a document belongs to; `runId` is the flow step id (runtime API). */
export interface DocumentJob {
  jobId?: string;
  flowInstanceId?: string;
  runId?: string;
  domain: string;
}

/**
 * One customer's part of a run's delivery log. `path` is that customer's own extract (never the run's whole log, which
 * names every other customer); absent when the log does not name the customer or cannot be read.
 */
export interface DeliveryLogExcerpt {
  path?: string;
  /** The log's file name in the run (the extract is archived under it). */
  fileName: string;
  mimeType: string;
  /** The customer's entries: their attributes as written, `channel` filled from the queue where the log omits it,
   * and `outcome` = delivered | sent | pending | failed | unknown, read from `status`. */
  entries: Array<Record<string, string>>;
}

/** `msg.document` (docs/architecture.md, "Message conventions"). */
export interface CommunicationDocument extends Omit<RenditionFile, "content"> {
  /** Stable identity: job / flow instance / run / customer / primary file name # SHA-256 of the primary. */
  id: string;
  /** The primary's keys, plus keys only other channels carry. */
  keys: Record<string, string>;
  variant: CommunicationVariant;
  job: DocumentJob;
  related: RenditionFile[];
  deliveryLog?: DeliveryLogExcerpt;
  /** Local path of the delivery manifest the document came from (batch). */
  manifest?: string;
}

const VARIANT_KEYS: Array<keyof CommunicationVariant> = ["Variant", "Language", "Jurisdiction", "Segment", "Product"];

const EXTENSION_BY_MIME: Record<string, string> = {
  "application/pdf": "pdf",
  "text/html": "html",
  "text/plain": "txt",
  "application/json": "json",
  "application/xml": "xml",
  "text/xml": "xml",
  "application/vnd.exstream-empower": "mpw",
  "image/png": "png",
  "image/jpeg": "jpg",
};

export function variantOf(keys: Record<string, string>): CommunicationVariant {
  const variant: CommunicationVariant = {};
  for (const name of VARIANT_KEYS) if (keys[name] !== undefined) variant[name] = keys[name];
  return variant;
}

/** The channel a rendition belongs to: the `Channel` key when the design emits one, else what its format suggests. */
export function channelOf(keys: Record<string, string>, mimeType: string, pdl?: string): string {
  if (keys.Channel) return keys.Channel;
  const format = (pdl || mimeType).toLowerCase();
  if (format.includes("pdf") || format.includes("afp") || format.includes("postscript")) return "print";
  if (format.includes("html")) return "email";
  if (format.includes("text/plain") || format.includes("messaging")) return "sms";
  if (format.includes("empower")) return "empower";
  return "other";
}

/** `name` with the extension its MIME type implies, unless it already has one. */
export function fileNameWithExtension(name: string, mimeType: string): string {
  const extension = EXTENSION_BY_MIME[mimeType.split(";")[0].trim().toLowerCase()];
  if (!extension || path.extname(name).toLowerCase() === `.${extension}`) return name;
  return `${name}.${extension}`;
}

/**
 * Index of the primary rendition: the first one of `primaryQueue` (case-insensitive) when given and present, else the
 * first PDF, else the first.
 */
export function primaryIndex(files: ReadonlyArray<{ queue: string; mimeType: string }>, primaryQueue?: string): number {
  if (files.length === 0) return -1;
  const wanted = primaryQueue?.trim().toLowerCase();
  if (wanted) {
    const byQueue = files.findIndex((f) => f.queue.toLowerCase() === wanted);
    if (byQueue >= 0) return byQueue;
  }
  const pdf = files.findIndex((f) => f.mimeType.toLowerCase().startsWith("application/pdf"));
  return pdf >= 0 ? pdf : 0;
}

/**
 * The document of one customer: the primary rendition (see {@link primaryIndex}) with every other one as related.
 * The primary's own bytes (if in memory) are not part of the document: they travel in `msg.payload`.
 */
export function toCommunicationDocument(
  files: RenditionFile[],
  job: DocumentJob,
  options: { primaryQueue?: string; deliveryLog?: DeliveryLogExcerpt; manifest?: string } = {},
): CommunicationDocument {
  const index = primaryIndex(files, options.primaryQueue);
  if (index < 0) throw new Error("a communication document needs at least one file");
  const { content: _primaryBytes, ...primary } = files[index];
  const related = files.filter((_, i) => i !== index);
  const keys = Object.assign({}, ...related.map((f) => f.keys), primary.keys) as Record<string, string>;
  const id = [job.jobId ?? "", job.flowInstanceId ?? "", job.runId ?? "", primary.customerNumber, primary.fileName];
  const document: CommunicationDocument = {
    ...primary,
    id: `${id.join("/")}#${primary.sha256}`,
    keys,
    variant: variantOf(keys),
    job,
    related,
  };
  if (options.deliveryLog) document.deliveryLog = options.deliveryLog;
  if (options.manifest) document.manifest = options.manifest;
  return document;
}
