/** Whether a failed Exstream call is worth retrying later: what a flow puts into `msg.failure`. */
import { QueueFullError } from "../reliability/limiter";
import { ExstreamError, ManifestError } from "./errors";

export interface FailureInfo {
  reason: string;
  /** true: the same input will fail again (bad data, unknown communication, refused transition). */
  permanent: boolean;
}

/** Client errors (4xx except 408/429) and a job the engine ended in error are permanent; the rest is transient. */
const TRANSIENT_STATUSES = new Set([408, 425, 429]);

export function classifyFailure(err: unknown): FailureInfo {
  const reason = err instanceof Error ? err.message : String(err);
  if (err instanceof ExstreamError) {
    // Sending it again could render (and deliver) the communication twice: an operator decides.
    if (err.code === "EMAYBEPROCESSED") return { reason, permanent: true };
    if (err.status !== undefined) {
      return { reason, permanent: err.status >= 400 && err.status < 500 && !TRANSIENT_STATUSES.has(err.status) };
    }
    // No HTTP status: a network failure, a deadline, or a job that ended in error (its message from the server).
    if (err.code) return { reason, permanent: false };
    return { reason, permanent: err.operation === "batch job" };
  }
  if (err instanceof QueueFullError) return { reason, permanent: false };
  if (err instanceof ManifestError) return { reason, permanent: err.reason === "unsafe" || err.reason === "malformed" };
  if (err instanceof TypeError) return { reason, permanent: true };
  return { reason, permanent: false };
}
