export { runBatch, runOnDemand, type BatchRun, type OnDemandRun, type OnDemandTarget } from "./runs";
export { CommunicationBindings, isCommunicationId, type ResolvedTarget } from "./communication-bindings";
export { Generator, type BatchRequest, type OnDemandRequest } from "./generator";
export { batchDocumentFields, onDemandFields, withFields, type GeneratedFields } from "./messages";
export { generationSlotsOf } from "./slots";
export type { GeneratedExstream, OutputEntry, RunOptions } from "./types";
export { limiterFor, runBounded } from "./limits";
