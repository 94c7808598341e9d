/**
 * The manifest's `file@name` values are absolute paths on the ENGINE's file system (e.g. `/mnt/nfs/<tenant>/…`),
 * while this process usually sees the same share under another mount point. A file is therefore located by its place
 * inside the manifest's own `output/` folder — never by the engine's absolute path — and anything that would land
 * outside the watched root (`..`, absolute names, symlinks pointing out) is refused.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { digestSmallFile, FILE_THREAD_STOPPED, SMALL_FILE_BYTES } from "../files/file-thread";
import { isInside } from "../files/inside";
import { FileChangingError } from "./stability";

export class PathRefusedError extends Error {
  override name = "PathRefusedError";
  constructor(
    message: string,
    /** `escape`: would leave the root; `unplaceable`: no output/ or Queue_ tail; `missing`: not there (or vanished). */
    readonly kind: "escape" | "unplaceable" | "missing",
  ) {
    super(message);
  }
}

const QUEUE_FOLDER = /^(Queue|Report)_\d+_/;

/** The part of an engine path below its `output/` folder, as `/`-separated segments. */
export function outputRelativeSegments(engineName: string): string[] {
  const normalised = engineName.replace(/\\/g, "/");
  const segments = normalised.split("/").filter((s) => s !== "" && s !== ".");
  const outputAt = segments.lastIndexOf("output");
  if (outputAt >= 0 && outputAt < segments.length - 1) return segments.slice(outputAt + 1);
  const queueAt = segments.findIndex((s) => QUEUE_FOLDER.test(s));
  if (queueAt >= 0 && queueAt < segments.length - 1) return segments.slice(queueAt);
  if (!normalised.startsWith("/") && !/^[A-Za-z]:/.test(normalised) && segments.length > 0) return segments;
  throw new PathRefusedError(`"${engineName}" is not inside an output/ folder`, "unplaceable");
}

/**
 * Resolves a manifest file name against the local `output/` folder the manifest sits in, and proves that the real
 * path (symlinks followed) stays inside `root`. Returns the real path of an existing regular file.
 */
export async function resolveOutputFile(engineName: string, outputDir: string, root: string): Promise<string> {
  return (await locateOutputFile(engineName, outputDir, root)).path;
}

/**
 * {@link resolveOutputFile}, with the file's size and modification time as it was found and, with `digest`, the
 * SHA-256 of a small file (read on the file thread with the look-up; undefined for a larger one, which the caller
 * streams).
 */
export async function locateOutputFile(
  engineName: string,
  outputDir: string,
  root: string,
  options: { digest?: boolean } = {},
): Promise<{ path: string; size: number; mtimeMs: number; sha256?: string }> {
  const segments = outputRelativeSegments(engineName);
  if (segments.some((s) => s === ".." || s.includes("\0"))) {
    throw new PathRefusedError(`"${engineName}" climbs out of its output folder`, "escape");
  }
  const candidate = path.resolve(outputDir, ...segments);
  const realRoot = await realDirectory(root).catch((err: NodeJS.ErrnoException) => {
    throw new PathRefusedError(`watched root ${root} does not exist (${err.code ?? "error"})`, "missing");
  });
  if (!isInside(candidate, path.resolve(root)) && !isInside(candidate, realRoot)) {
    throw new PathRefusedError(`"${engineName}" resolves outside the watched root`, "escape");
  }
  const look = await digestSmallFile(candidate, [realRoot], options.digest ? SMALL_FILE_BYTES : -1).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === FILE_THREAD_STOPPED) throw err;
      // Name the local place too: the engine's path (`/mnt/nfs/…`) alone does not tell an operator where we looked.
      throw new PathRefusedError(
        `"${engineName}" (looked for at ${candidate}) does not exist (${err.code ?? "error"})`,
        "missing",
      );
    },
  );
  const { real, isFile, size, mtimeMs } = look.facts;
  if (!isInside(real, realRoot)) {
    throw new PathRefusedError(`"${engineName}" is a link to a place outside the watched root`, "escape");
  }
  if (!isFile) throw new PathRefusedError(`"${engineName}" is not a regular file`, "unplaceable");
  if (look.changed) throw new FileChangingError(`${real} changed while it was read`);
  return { path: real, size, mtimeMs, sha256: look.sha256 };
}

/** How long a folder's real path is reused: every file of a run (and every message) asks for the same few roots. */
const REAL_DIRECTORY_MS = 5_000;
const MAX_REAL_DIRECTORIES = 256;
const realDirectories = new Map<string, { real: string; until: number }>();

/**
 * The real path (symlinks followed) of a root folder, looked up at most every few seconds; rejects like
 * `fs.realpath` while the folder does not exist (that is never remembered).
 */
export async function realDirectory(dir: string): Promise<string> {
  const now = Date.now();
  const cached = realDirectories.get(dir);
  if (cached && cached.until > now) return cached.real;
  realDirectories.delete(dir);
  const real = await fsp.realpath(dir);
  if (realDirectories.size >= MAX_REAL_DIRECTORIES) realDirectories.clear();
  realDirectories.set(dir, { real, until: now + REAL_DIRECTORY_MS });
  return real;
}

/** Joins a server-given relative name (API mode) below `dir`, refusing absolute names and `..`. */
export function joinInside(dir: string, relativeName: string): string {
  const segments = relativeName.replace(/\\/g, "/").split("/");
  if (
    relativeName.startsWith("/") ||
    /^[A-Za-z]:/.test(relativeName) ||
    segments.some((s) => s === ".." || s.includes("\0"))
  ) {
    throw new PathRefusedError(`"${relativeName}" is not a safe relative name`, "escape");
  }
  const target = path.resolve(dir, ...segments.filter((s) => s !== "" && s !== "."));
  if (!isInside(target, path.resolve(dir))) {
    throw new PathRefusedError(`"${relativeName}" resolves outside ${dir}`, "escape");
  }
  return target;
}
