/** The communication document an output watcher hands out (`msg.document`, docs/architecture.md). */
import type { CommunicationVariant, DeliveryLogExcerpt } from "../exstream/communication-document";

export type { CommunicationVariant, DeliveryLogExcerpt };

/** The run a manifest belongs to, taken from the CE folder layout or from the runtime API. */
export interface RunIdentity {
  jobId: string;
  flowInstanceId: string;
  /** The docgen run id (`…/docgen/<runId>/output/`); in API mode the flow step id when the paths do not show it. */
  runId: string;
  domain?: string;
  tenant?: string;
  /**
   * When the run ended (ISO 8601, UTC): the job's end date (API mode), else the manifest file's modification time —
   * the engine writes the manifest last. Independent of when the watch reads it (a backlog, a restart).
   */
  runDate?: string;
}

/** One channel rendition of a customer's communication, resolved to a local path. */
export interface RenditionFile {
  fileName: string;
  /** Absolute local path (inside the watched root or the API working folder). */
  path: string;
  mimeType: string;
  queue: string;
  channel: string;
  size: number;
  sha256: string;
  /** Modification time when the SHA-256 was taken: cs-archive reuses the SHA-256 while size and time are unchanged. */
  mtimeMs?: number;
}

/** One line of the delivery log for a customer (the attributes of its `<queue>` element). */
export type DeliveryLogEntry = Record<string, string>;

/** `msg.document` without the per-emission `attempt`; this is what the ledger stores. */
export interface CommunicationDocument {
  /** Stable ledger key: job / flow instance / run / customer / primary file name # SHA-256 of the primary file. */
  id: string;
  fileName: string;
  /** Same as `msg.filename`. */
  path: string;
  mimeType: string;
  size: number;
  sha256: string;
  /** Modification time of the primary file when its SHA-256 was taken (see {@link RenditionFile.mtimeMs}). */
  mtimeMs?: number;
  queue: string;
  channel: string;
  customerNumber: string;
  keys: Record<string, string>;
  variant: CommunicationVariant;
  job: RunIdentity;
  related: RenditionFile[];
  /** Channels tried for this communication: those its delivery-log entries name, else those of its files. */
  channels: string[];
  deliveryLog?: DeliveryLogExcerpt;
  /** The manifest the document came from (local path). */
  manifest: string;
  /** Page count of the primary file, when the manifest gives it. */
  pageCount?: number;
}

/** What the ledger keeps per communication: the document, or the reason it could not be built. */
export interface LedgerItem {
  document: CommunicationDocument;
}

/** A manifest as recorded in the manifest registry. */
export interface ManifestRecord {
  path: string;
  size: number;
  mtimeMs: number;
  customers?: number;
  reason?: string;
}

/** Something that could not become an emitted communication; reported on the dead-letter output. */
export interface DeadLetter {
  kind: "communication" | "manifest";
  /** Ledger id of the communication, or the manifest key. */
  id: string;
  reason: string;
  attempts: number;
  document?: CommunicationDocument;
  manifest?: ManifestRecord;
}

export interface WatchCounts {
  inFlight: number;
  backlog: number;
  done: number;
  dead: number;
  manifestsActive: number;
}
