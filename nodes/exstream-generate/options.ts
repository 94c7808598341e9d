import os from "node:os";
import path from "node:path";
import type { ExstreamGenerateProperties, GenerateOptions } from "./types";

/** Defaults of the exstream-generate fields; the editor's `defaults` repeat these values. */
export const GENERATE_DEFAULTS = {
  mode: "ondemand" as const,
  storage: "auto" as const,
  payloadLimitMb: 5,
  readKeys: true,
  timeoutS: 120,
  jobTimeoutS: 600,
  pollIntervalMs: 500,
  maxQueued: 100,
};

export const DEFAULT_OUTPUT_DIR = path.join(os.tmpdir(), "exstream-generate");
const BYTES_PER_MB = 1024 * 1024;

/** Editor properties → typed options; throws an Error naming the field when a value is unusable. */
export function parseGenerateOptions(def: Partial<ExstreamGenerateProperties>): GenerateOptions {
  const number = (field: keyof ExstreamGenerateProperties, fallback: number, min: number): number => {
    const raw = def[field];
    if (raw === undefined || raw === null || String(raw).trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`exstream-generate: "${field}" must be a number ≥ ${min}`);
    return value;
  };
  const text = (value: string | undefined) => (value && value.trim() !== "" ? value.trim() : undefined);
  return {
    mode: def.mode === "batch" ? "batch" : GENERATE_DEFAULTS.mode,
    contentType: text(def.contentType),
    primaryQueue: text(def.primaryQueue),
    storage: def.storage === "files" ? "files" : GENERATE_DEFAULTS.storage,
    payloadLimitBytes: Math.floor(number("payloadLimitMb", GENERATE_DEFAULTS.payloadLimitMb, 0) * BYTES_PER_MB),
    outputDir: path.resolve(text(def.outputDir) ?? DEFAULT_OUTPUT_DIR),
    readKeys:
      def.readKeys === undefined ? GENERATE_DEFAULTS.readKeys : def.readKeys === true || def.readKeys === "true",
    timeoutMs: number("timeoutS", GENERATE_DEFAULTS.timeoutS, 1) * 1000,
    jobTimeoutMs: number("jobTimeoutS", GENERATE_DEFAULTS.jobTimeoutS, 0.01) * 1000,
    pollIntervalMs: number("pollIntervalMs", GENERATE_DEFAULTS.pollIntervalMs, 10),
    maxQueued: Math.floor(number("maxQueued", GENERATE_DEFAULTS.maxQueued, 0)),
  };
}
