import { ContentServerError } from "../content-server/errors";

export { isAmbiguousCreateFailure } from "../content-server/errors";

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

/** CS refused a category key: the attribute was removed or the category changed since its definition was read. */
export function isUnknownAttributeError(err: unknown): boolean {
  return (
    err instanceof ContentServerError &&
    /does not exist in category|non-matching attribute|is not a category|unknown attribute/i.test(err.csMessage ?? "")
  );
}
