/**
 * "Has this file stopped changing?" — there is no completion marker in Exstream's output (the manifest is simply
 * written last), so a file counts as complete once its size and mtime stayed the same for a whole window.
 */
import { createReadStream, promises as fsp } from "node:fs";
import { sha256OfStream } from "../checksum";

export interface FileSnapshot {
  size: number;
  mtimeMs: number;
}

interface Watched {
  snapshot?: FileSnapshot;
  since: number;
  timer?: NodeJS.Timeout;
}

/**
 * Observes paths and calls `onStable` once per observation when a path's size + mtime have not changed for
 * `windowMs`. A path that disappears meanwhile is reported to `onVanished` (cleanup is not an error).
 */
export class StabilityGate {
  private readonly watched = new Map<string, Watched>();
  private closed = false;

  constructor(
    private readonly windowMs: number,
    private readonly onStable: (file: string, snapshot: FileSnapshot) => void,
    private readonly onVanished: (file: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts watching `file` (no-op while it is already being watched). */
  observe(file: string): void {
    if (this.closed || this.watched.has(file)) return;
    this.watched.set(file, { since: this.now() });
    void this.check(file);
  }

  /** Whether `file` is currently waiting to become stable. */
  has(file: string): boolean {
    return this.watched.has(file);
  }

  get size(): number {
    return this.watched.size;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watched.values()) clearTimeout(w.timer);
    this.watched.clear();
  }

  private async check(file: string): Promise<void> {
    const w = this.watched.get(file);
    if (!w || this.closed) return;
    let snapshot: FileSnapshot;
    try {
      snapshot = await snapshotOf(file);
    } catch {
      this.watched.delete(file);
      this.onVanished(file);
      return;
    }
    if (this.closed || this.watched.get(file) !== w) return;
    const now = this.now();
    if (!w.snapshot || !sameSnapshot(w.snapshot, snapshot)) {
      // Any change (and the first look) restarts the window: mtimes written by another host's clock are not trusted.
      w.snapshot = snapshot;
      w.since = now;
    }
    const waited = now - w.since;
    if (waited >= this.windowMs) {
      this.watched.delete(file);
      this.onStable(file, snapshot);
      return;
    }
    // Looked at again within an eighth of the window (not only at its end): a change is seen soon after it happens,
    // so a file still being written at the first look is stable about one window after its last write, not two.
    const next = Math.min(this.windowMs - waited, Math.max(50, Math.floor(this.windowMs / 8)));
    w.timer = setTimeout(() => void this.check(file), Math.max(5, next));
  }
}

export async function snapshotOf(file: string): Promise<FileSnapshot> {
  const stat = await fsp.stat(file);
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

export function sameSnapshot(a: FileSnapshot, b: FileSnapshot): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export class FileChangingError extends Error {
  override name = "FileChangingError";
}

/** Largest read of a file being hashed. */
const DIGEST_CHUNK_BYTES = 256 * 1024;

/**
 * SHA-256, size and modification time of a file, streamed; refuses (FileChangingError) a file that changed while it
 * was read. Size and modification time travel with the SHA-256 so a later reader can reuse it for the unchanged file.
 */
export async function digestFile(
  file: string,
  /** The file as it was just found (saves a look before reading). */
  found?: FileSnapshot,
): Promise<{ size: number; sha256: string; mtimeMs: number }> {
  const before = found ?? (await snapshotOf(file));
  // A read buffer sized to the file: a fixed 256 KiB one per file read (twice, with the read that finds the end)
  // made a backlog of small files churn gigabytes of native memory, whose pressure made V8 promote live messages.
  const highWaterMark = Math.min(DIGEST_CHUNK_BYTES, Math.max(before.size, 1));
  const digest = await sha256OfStream(createReadStream(file, { highWaterMark }));
  const after = await snapshotOf(file);
  if (!sameSnapshot(before, after) || digest.size !== after.size) {
    throw new FileChangingError(`${file} changed while it was read`);
  }
  return { ...digest, mtimeMs: after.mtimeMs };
}
