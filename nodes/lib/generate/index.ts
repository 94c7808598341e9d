export { runBatch, runOnDemand, type BatchRun, type OnDemandRun, type OnDemandTarget } from "./runs";
export type { OutputEntry, RunOptions } from "./types";
