import { ContentServerError, isPermanentServerMessage } from "../errors";

/** How a failed item is reported to the source that emitted it (`msg.failure`). */
export interface FailureReport {
  reason: string;
  /** True when trying again cannot help (validation, mapping, missing file): dead-letter at once. */
  permanent: boolean;
}

/** An archive problem that is not a Content Server answer (missing file, bad name template, checksum mismatch). */
export class ArchiveError extends Error {
  override name = "ArchiveError";
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly code: string,
  ) {
    super(message);
  }
}

const PERMANENT_CS_CODES = new Set(["NOT_FOUND", "DUPLICATE", "INVALID_REQUEST"]);

/**
 * Classifies any error of the archive pipeline: 4xx validation answers, Content Server's permanent 500s, mapping
 * problems and missing files are permanent; timeouts, resets, 429, 5xx, lost sessions and full queues are transient.
 */
export function describeFailure(err: unknown): FailureReport {
  const reason = err instanceof Error ? err.message : String(err);
  if (err instanceof ArchiveError) return { reason, permanent: err.permanent };
  if (err instanceof ContentServerError) return { reason, permanent: isPermanentCsError(err) };
  const name = (err as { name?: unknown } | null)?.name;
  if (name === "MappingError" || name === "NameTemplateError") return { reason, permanent: true };
  return { reason, permanent: false };
}

export function isPermanentCsError(err: ContentServerError): boolean {
  if (PERMANENT_CS_CODES.has(err.code)) return true;
  if (err.code !== "HTTP") return false;
  const status = err.status ?? 0;
  if (status === 408 || status === 429) return false;
  if (status >= 400 && status < 500) return true;
  return status === 500 && isPermanentServerMessage(err.csMessage);
}

/**
 * A create whose outcome is unknown: the request may have reached CS (lost answer) or CS answered with a
 * temporary server error. The item must be looked up before it is sent again.
 */
export function isAmbiguousCreateFailure(err: unknown): boolean {
  if (!(err instanceof ContentServerError)) return false;
  if (err.mayHaveBeenProcessed) return true;
  if (err.code === "TIMEOUT" || err.code === "NETWORK" || err.code === "BAD_RESPONSE") return true;
  return err.code === "HTTP" && (err.status ?? 0) >= 500 && !isPermanentCsError(err);
}

/** CS refused a category key: the attribute was removed or the category changed since its definition was read. */
export function isUnknownAttributeError(err: unknown): boolean {
  return (
    err instanceof ContentServerError &&
    /does not exist in category|non-matching attribute|is not a category|unknown attribute/i.test(err.csMessage ?? "")
  );
}
