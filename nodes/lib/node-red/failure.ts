import { ContentServerError } from "../content-server";
import { ArchiveError, isPermanentCsError } from "../content-server/archive/failures";
import { classifyFailure, ExstreamError, ManifestError } from "../exstream";
import { QueueFullError } from "../reliability/limiter";

/** What a failing node puts into `msg.failure` before `done(err)`, so the source can retry or dead-letter it. */
export interface Failure {
  reason: string;
  /** True when the same input will fail again (validation, mapping, missing file): dead-letter at once. */
  permanent: boolean;
}

/**
 * The one classification of every error our nodes raise: validation answers, Content Server's permanent 500s,
 * mapping problems, bad input and missing files are permanent; timeouts, resets, 429, 5xx, lost sessions and full
 * queues are transient.
 */
export function failureOf(err: unknown): Failure {
  const reason = err instanceof Error ? err.message : String(err);
  if (err instanceof ArchiveError) return { reason, permanent: err.permanent };
  if (err instanceof ContentServerError) return { reason, permanent: isPermanentCsError(err) };
  if (err instanceof ExstreamError || err instanceof ManifestError || err instanceof QueueFullError) {
    return classifyFailure(err);
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (name === "MappingError" || name === "NameTemplateError" || err instanceof TypeError) {
    return { reason, permanent: true };
  }
  return { reason, permanent: false };
}
