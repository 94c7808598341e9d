import type { Node, NodeDef, NodeMessage } from "node-red";
import type { Acknowledgement, CommunicationDocument, ManifestRecord } from "../lib/watch";

/** The node's properties as the editor stores them (strings; blank = default of the options table). */
export interface OutputWatchProperties {
  source: string;
  /** Exstream connection (API mode). */
  server?: string;
  root?: string;
  /** TypedInput type of `root`: str | env. */
  rootType?: string;
  watchMethod?: string;
  scanIntervalMs?: string;
  fullRescanIntervalMs?: string;
  stabilityWindowMs?: string;
  missingFileGraceMs?: string;
  manifestName?: string;
  manifestAttempts?: string;
  maxConcurrentManifests?: string;
  emitPer?: string;
  primaryQueue?: string;
  channelMap?: string;
  deliveryLogReport?: string;
  maxInFlight?: string;
  ackTimeoutMs?: string;
  maxAttempts?: string;
  retryDelayMs?: string;
  /** Durable state configuration (ccm-state); blank = the journal files in the ledger folder. */
  state?: string;
  ledgerName?: string;
  ledgerDir?: string;
  retainDays?: string;
  pollIntervalMs?: string;
  startFrom?: string;
}

export type OutputWatchDef = NodeDef & OutputWatchProperties;
export type OutputWatchNode = Node;

/** `msg.document` on the way out: the ledger's document plus which emission this is. */
export interface EmittedDocument extends CommunicationDocument {
  attempt: number;
}

/** Output 1: one customer communication (or one file in per-file mode). */
export interface CommunicationMessage extends NodeMessage {
  topic: string;
  filename: string;
  payload: Record<string, string>;
  document: EmittedDocument;
}

/** Output 2: something given up on — a communication after its last attempt, or a whole manifest. */
export interface DeadLetterMessage extends NodeMessage {
  topic: string;
  payload: string;
  filename?: string;
  document?: EmittedDocument;
  manifest?: ManifestRecord;
  deadLetter: { kind: "communication" | "manifest"; id: string; reason: string; attempts: number };
}

/** Input: the acknowledgement coming back from cs-archive (success) or a Catch node (failure). */
export type AcknowledgementMessage = NodeMessage & Acknowledgement;
