/** Exstream output watching: folder scan or runtime API → one durable, acknowledged hand-out per communication. */
export { OutputWatcher, type OutputWatcherEvents, type OutputWatcherSetup, type WatchPhase } from "./output-watcher";
export {
  DEFAULT_OUTPUT_WATCH_OPTIONS,
  OutputWatchOptionsError,
  parseOutputWatchOptions,
  type OutputWatchOptions,
  type RawOutputWatchOptions,
} from "./options";
export { OutputWatchError } from "./errors";
export { communicationFields, deadLetterFields } from "./messages";
export { acknowledgedId, recordAcknowledgement, type Acknowledgement } from "./acknowledgements";
export { ledgerFolderOf, ledgerInUse, startWatch, type RunningWatch } from "./running-watch";
export { watchStatus, type WatchStatus } from "./watch-status";
export { channelOf, groupCommunication, variantOf } from "./communication-grouping";
export { outputRelativeSegments, resolveOutputFile, joinInside, PathRefusedError } from "./path-safety";
export { manifestKey, OutputWatchLedger, type AckResult } from "./output-watch-ledger";
export type * from "./types";
