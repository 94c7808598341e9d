import type { Node, NodeDef, NodeMessage } from "node-red";
import type { CommunicationDocument, GeneratedOutput } from "../lib/exstream";

/** exstream-generate properties as the editor stores them (strings until parsed). */
export interface ExstreamGenerateProperties {
  server: string;
  mode: "ondemand" | "batch" | string;
  /** Communication name or id (TypedInput); blank → msg.communication. */
  communication: string;
  communicationType: string;
  /** prodDsn of the driver (TypedInput); blank → msg.driverDataSource, else resolved from the communication set. */
  driverDataSource: string;
  driverDataSourceType: string;
  /** Batch input channel (TypedInput); blank → msg.channel. */
  channel: string;
  channelType: string;
  /** Content type of string/Buffer driver data; blank = detect (JSON or XML). */
  contentType: string;
  /** Queue whose rendition is the primary one; blank = the first PDF. */
  primaryQueue: string;
  /** auto: a rendition up to the payload limit stays in memory, a larger one is written to a file; files: always files. */
  storage: "auto" | "files" | string;
  payloadLimitMb: string | number;
  /** Folder for written renditions and batch outputs; blank = <os tmp>/exstream-generate. */
  outputDir: string;
  /** On-demand: find the job the call produced and read its manifest keys. */
  readKeys: boolean | string;
  /** On-demand request timeout (s). */
  timeoutS: string | number;
  /** Batch: deadline for the job (s). */
  jobTimeoutS: string | number;
  /** Batch: first wait between job polls (ms). */
  pollIntervalMs: string | number;
  /** Messages allowed to wait for a slot of the config node's limiter. */
  maxQueued: string | number;
}

export type ExstreamGenerateDef = NodeDef & ExstreamGenerateProperties;

/** The parsed options (one typed object with defaults, see options.ts). */
export interface GenerateOptions {
  mode: "ondemand" | "batch";
  contentType?: string;
  primaryQueue?: string;
  storage: "auto" | "files";
  payloadLimitBytes: number;
  outputDir: string;
  readKeys: boolean;
  timeoutMs: number;
  jobTimeoutMs: number;
  pollIntervalMs: number;
  maxQueued: number;
}

/** One rendition of an on-demand call as listed in msg.exstream.outputs. */
export interface OutputEntry {
  queueName?: string;
  fileName: string;
  mimeType: string;
  customerNumber?: string;
  size: number;
  sha256: string;
  /** Local path when written to disk. */
  filename?: string;
  /** The bytes, when kept in memory (storage auto, below the payload limit). */
  content?: Buffer;
}

export interface GenerateMsgExstream {
  communicationId: string;
  communicationName: string;
  jobId?: string;
  flowInstanceId?: string;
  channel?: string;
  outputs?: OutputEntry[];
  customerCount?: number;
}

export interface GenerateMessage extends NodeMessage {
  payload?: unknown;
  filename?: string;
  communication?: string;
  driverDataSource?: string;
  channel?: string;
  document?: CommunicationDocument;
  exstream?: GenerateMsgExstream;
  failure?: { reason: string; permanent: boolean };
}

export interface ExstreamGenerateNode extends Node {
  server?: Node;
}

export type { GeneratedOutput };
