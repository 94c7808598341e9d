/*
 * The document engine's vocabulary: what a communication, a content block, a rendered document and an engine run are.
 * The rest of sim/exstream talks to the engine only through these shapes (re-exported by index.ts).
 */

export type EngineChannel = "print" | "email" | "sms";

/** An output queue of the communication set: print → PDF, email → HTML email, sms → plain text. */
export interface EngineQueue {
  name: string;
  channel: EngineChannel;
}

/** The customer attributes a block's rules can target; a rule value "*" matches any customer value. */
export interface BlockRules {
  language?: string;
  jurisdiction?: string;
  segment?: string;
  product?: string;
}

/** A governed piece of content (message text, legal disclaimer, brand image) at one approved version. */
export interface EngineBlock {
  id: string;
  name: string;
  version: number;
  type: "message" | "disclaimer" | "image";
  /** UTF-8 text for message/disclaimer (may contain {{Field}} placeholders); PNG or JPEG bytes for image. */
  content: Buffer;
  rules?: BlockRules;
}

export interface EngineCommunication {
  id: string;
  name: string;
  version: number;
  documentType: string;
  /**
   * Text with {{FieldName}} placeholders (driver fields, dotted paths for nested data) and {{block:<Block Name>}}
   * references. Paragraphs are separated by blank lines; a line starting with "# " is a heading.
   */
  template: string;
  queues: EngineQueue[];
  /** Delivery-log report name, e.g. "Delivery_Log"; without it no Report_<n>_… folder is written. */
  reportName?: string;
  /** Optional per-channel template replacing `template` for that channel (e.g. a shorter SMS text). */
  channelTemplates?: Partial<Record<EngineChannel, string>>;
}

/** One content block as chosen for one customer. */
export interface ChosenBlock {
  name: string;
  id: string;
  version: number;
  type: EngineBlock["type"];
  rules?: BlockRules;
  /** The rule dimensions this block matched exactly (a block without rules matched none: it is the fallback). */
  matched: (keyof BlockRules)[];
}

/** Which variant a customer received: the readable id plus every block decision behind it. */
export interface VariantSelection {
  /** e.g. "de-AT-retail"; "standard" when only fallback content was used. */
  id: string;
  language: string;
  jurisdiction: string;
  segment: string;
  product: string;
  blocks: ChosenBlock[];
  /** Block names referenced by the template for which no block exists (rendered as nothing). */
  missing: string[];
}

export interface EngineDocument {
  customerNumber: number;
  queueName: string;
  channel: string;
  fileName: string;
  mimeType: string;
  content: Buffer;
  /** Manifest keys, in emission order; see document-keys.ts for the names. */
  keys: Record<string, string>;
  pageCount: number;
  variant?: VariantSelection;
}

/**
 * How this engine writes what designers decide in a real installation (the evidence fixes neither):
 * the separator between the ContentVersions key's `blockId@version` items, and the words of its delivery log.
 */
export interface EngineOutputStyle {
  /** Default ";". */
  contentVersionsSeparator?: ContentVersionsSeparator;
  /**
   * `final` (default): print/e-mail/SMS `delivered`, or `undeliverable` without an address. `transmission`: what a
   * log written at hand-off says: print `queued` (waiting for the print shop), e-mail/SMS `sent`, `failed` without
   * an address.
   */
  deliveryStatuses?: DeliveryStatusStyle;
}

export type ContentVersionsSeparator = ";" | ",";
export type DeliveryStatusStyle = "final" | "transmission";

export interface EngineRun {
  outputRoot: string;
  tenant: string;
  domain: string;
  jobId: string;
  flowInstanceId: string;
  runId: string;
  /** atomic: temp name + rename, manifest last. slow: chunked writes with delays, manifest last and chunked too. */
  writeMode: "atomic" | "slow";
  /** Delay between chunks in slow mode (default 25 ms). */
  chunkDelayMs?: number;
  /** Largest chunk in slow mode (default 16 KiB); every file is written in at least SLOW_MIN_CHUNKS chunks. */
  chunkBytes?: number;
  deliveryStatuses?: DeliveryStatusStyle;
}

export interface OutputTree {
  outputDir: string;
  manifestPath: string;
  /** Queue and report files, relative to output/, with "/" separators. */
  files: string[];
}
