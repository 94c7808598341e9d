import path from "node:path";
import { fileFacts, FILE_THREAD_STOPPED, type FileFacts } from "../files/file-thread";
import { isInside } from "../files/inside";
import { realDirectory } from "../watch/path-safety";
import { ArchiveError } from "./failures";

/**
 * Proves that a file a message names lies below one of the allowed folders, before anything is read or sent: a
 * message must not be able to archive `/etc/passwd` or the deployment's `settings.js`. The path is checked as
 * written (`..` resolved) and, when it exists, with symlinks followed, so a link inside a root cannot point out.
 * A file that does not exist is left to the reader, which reports it as missing. Returns what the look found.
 */
export async function requireAllowedFile(
  filePath: string,
  roots: readonly string[],
  what: string,
): Promise<FileFacts | undefined> {
  const refuse = (detail: string): never => {
    throw new ArchiveError(
      `${what} "${filePath}" ${detail}; allowed folders: ${roots.length ? roots.join(", ") : "none"}`,
      true,
      "FILE_NOT_ALLOWED",
    );
  };
  if (filePath.includes("\0")) refuse("is not a valid path");
  const resolved = path.resolve(filePath);
  const resolvedRoots = roots.map((root) => path.resolve(root));
  if (!resolvedRoots.some((root) => isInside(resolved, root))) refuse("is outside the allowed folders");
  let facts: FileFacts;
  try {
    facts = await fileFacts(resolved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === FILE_THREAD_STOPPED) throw err;
    return undefined;
  }
  // A root that does not exist is taken as it is: a file inside it does not exist either.
  const realRoots = await Promise.all(resolvedRoots.map((root) => realDirectory(root).catch(() => root)));
  if (!realRoots.some((root) => isInside(facts.real, root))) {
    refuse("is a link to a place outside the allowed folders");
  }
  return facts;
}
