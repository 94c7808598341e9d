import { ContentServerError, isPermanentServerMessage } from "../errors";

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

/** Content Server answers that will not change on a retry: 4xx validation and CS's permanent 500s. */
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
