/** How a generation run treats its renditions and how long it waits (parsed from a node's options). */
export interface RunOptions {
  /** Content type of string/Buffer driver data; undefined = detect (JSON or XML). */
  contentType?: string;
  /** Queue whose rendition is the primary one; undefined = the first PDF. */
  primaryQueue?: string;
  /** auto: a rendition up to the payload limit stays in memory, a larger one is written to a file; files: always. */
  storage: "auto" | "files";
  payloadLimitBytes: number;
  /** Folder for written renditions and batch outputs. */
  outputDir: string;
  /** On-demand: find the job the call produced and read its manifest keys. */
  readKeys: boolean;
  timeoutMs: number;
  jobTimeoutMs: number;
  pollIntervalMs: number;
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

/** msg.exstream of a generated communication. */
export interface GeneratedExstream {
  communicationId: string;
  communicationName: string;
  jobId?: string;
  flowInstanceId?: string;
  channel?: string;
  outputs?: OutputEntry[];
  customerCount?: number;
}
