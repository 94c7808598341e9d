/**
 * An append-only file of JSON lines that a ledger journals into: each append is written whole or not at all (a write
 * cut short, e.g. by a full disk, is cut back to the last whole line), made durable by fsync (at once, or with
 * group commit one fsync for a batch of appends: see GroupCommit), and read back by position. A failure the file cannot
 * recover from (an fsync error, a cut-back that fails) puts it into a failed state: every later append throws.
 */
import fs from "node:fs";
import { crashPoint } from "./crash-points";
import { openPrivateSync } from "./private-files";

/** Where a record lies in the journal. */
export interface Span {
  offset: number;
  length: number;
}

/** One line of the journal as read on replay (without its newline). */
export interface JournalLine {
  text: string;
  span: Span;
  /** 1-based line number. */
  lineNumber: number;
}

const READ_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const SCRATCH_BYTES = 16 * 1024;

export class JournalFailedError extends Error {
  override name = "JournalFailedError";
}

/**
 * How appends become durable: 0 — fsync'd before `append` returns; a number of ms — one fsync (on the event loop) for
 * all appends of that window; "auto" — an fsync starts on the thread pool as soon as the current turn of the event
 * loop has made its appends, and appends made while it runs share the next one (no added wait when idle, one fsync
 * per batch under load, the event loop never blocked by the disk). With a window or "auto", `durable()` says when.
 */
export type GroupCommit = number | "auto";

export class JournalFile {
  private fd: number;
  /** Bytes of whole lines in the file: where the next append starts, and where a failed one is cut back to. */
  private size: number;
  /** Bytes known to be on disk (fsync'd). */
  private syncedSize: number;
  private failure: Error | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  /** "auto": an fsync is asked for (setImmediate) or running on the thread pool. */
  private syncQueued = false;
  private syncingFd = -1;
  /** File descriptors replaced or closed while an fsync on them still ran: closed when it ends. */
  private readonly closeAfterSync = new Set<number>();
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private scratch = Buffer.alloc(SCRATCH_BYTES);

  constructor(
    readonly file: string,
    private readonly groupCommit: GroupCommit = 0,
  ) {
    this.fd = openPrivateSync(file, "a+");
    this.size = fs.fstatSync(this.fd).size;
    this.syncedSize = this.size;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Appends one record as a line; returns where it lies. Durable on return unless group commit is on. */
  append(record: { op: string }): Span {
    this.usable();
    const bytes = Buffer.from(JSON.stringify(record) + "\n");
    const offset = this.size;
    crashPoint(`ledger:append:${record.op}`, () => {
      fs.writeSync(this.fd, bytes.subarray(0, bytes.length >> 1));
      fs.fsyncSync(this.fd);
    });
    try {
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
    } catch (err) {
      this.cutBack(err as NodeJS.ErrnoException);
    }
    this.size += bytes.length;
    if (this.groupCommit === "auto") this.queueSync();
    else if (this.groupCommit > 0) this.scheduleSync();
    else this.sync();
    return { offset, length: bytes.length - 1 };
  }

  /** Resolves once every record appended before the call is fsync'd. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.syncedSize >= this.size) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.size, resolve, reject }));
  }

  /** Fsyncs what was appended and not yet synced (group commit), now. */
  sync(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    try {
      this.usable();
      fs.fsyncSync(this.fd);
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages: what is on disk is unknown.
      throw this.failSync(err as NodeJS.ErrnoException);
    }
    this.synced(this.size);
  }

  read(span: Span): string {
    // One buffer reused for every read: a fresh one per item read back would churn native memory.
    if (this.scratch.length < span.length) this.scratch = Buffer.alloc(Math.max(span.length, this.scratch.length * 2));
    this.readInto(span, this.scratch, 0);
    return this.scratch.toString("utf8", 0, span.length);
  }

  /** Copies a record's bytes into `target` at `at` (no string made of them). */
  readInto(span: Span, target: Buffer, at: number): void {
    readFully(this.fd, this.file, span, target, at);
  }

  /** One record of a journal not open for appending (e.g. while it is being replayed). */
  static readAt(file: string, span: Span): string {
    const fd = fs.openSync(file, "r");
    try {
      const bytes = Buffer.alloc(span.length);
      readFully(fd, file, span, bytes, 0);
      return bytes.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every whole line, in order; `torn` receives the bytes after the last newline (a write a crash interrupted). */
  static *lines(file: string, torn: (line: JournalLine) => void): Generator<JournalLine> {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    try {
      const chunk = Buffer.alloc(READ_CHUNK_BYTES);
      let carry = Buffer.alloc(0);
      let offset = 0;
      let lineNumber = 0;
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE, start)) {
          lineNumber++;
          const span = { offset: offset + start, length: end - start };
          if (span.length > 0) yield { text: data.toString("utf8", start, end), span, lineNumber };
          start = end + 1;
        }
        offset += start;
        data = data.subarray(start);
        carry = Buffer.from(data);
      }
      if (carry.length > 0) {
        torn({ text: carry.toString("utf8"), span: { offset, length: carry.length }, lineNumber: lineNumber + 1 });
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      if (this.syncedSize < this.size && !this.failure) this.sync();
    } finally {
      this.release(this.fd);
      this.fd = -1;
      const failure = this.failure ?? new JournalFailedError(`${this.file}: closed before it was synced`);
      for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
    }
  }

  /** The file was replaced as a whole (compaction): everything in it is durable. */
  replaced(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.release(this.fd);
    this.fd = openPrivateSync(this.file, "a+");
    this.size = fs.fstatSync(this.fd).size;
    this.syncedSize = this.size;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Everything up to `upTo` is on disk: the callers waiting for it are told. */
  private synced(upTo: number): void {
    this.syncedSize = Math.max(this.syncedSize, upTo);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.upTo <= this.syncedSize) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private failSync(err: NodeJS.ErrnoException): JournalFailedError {
    const failure = this.fail(`fsync failed (${err.code ?? err.message})`);
    for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
    return failure;
  }

  /** "auto": one fsync on the thread pool after this turn's appends; appends made while it runs wait for the next. */
  private queueSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    setImmediate(() => this.syncInBackground());
  }

  private syncInBackground(): void {
    const fd = this.fd;
    if (fd < 0 || this.failure || this.syncedSize >= this.size) {
      this.syncQueued = false;
      return;
    }
    const upTo = this.size;
    this.syncingFd = fd;
    fs.fsync(fd, (err) => {
      this.syncingFd = -1;
      if (this.closeAfterSync.delete(fd)) fs.closeSync(fd);
      // Replaced (compaction) or closed meanwhile: that made everything up to then durable itself.
      const current = fd === this.fd;
      if (current && err && !this.failure) {
        this.syncQueued = false;
        this.failSync(err);
        return;
      }
      if (current && !err) this.synced(upTo);
      // What was appended meanwhile gets the next one, after the turn that tells the waiters (their replies share it).
      if (this.fd >= 0 && !this.failure && this.syncedSize < this.size) setImmediate(() => this.syncInBackground());
      else this.syncQueued = false;
    });
  }

  /** Closes a descriptor, or leaves it to the fsync still running on it. */
  private release(fd: number): void {
    if (fd === this.syncingFd) this.closeAfterSync.add(fd);
    else fs.closeSync(fd);
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      try {
        this.sync();
      } catch {
        // The waiters were told; the next append reports the failed state.
      }
    }, this.groupCommit as number);
  }

  private usable(): void {
    if (this.failure) throw this.failure;
    if (this.fd < 0) throw new Error(`${this.file}: ledger is closed`);
  }

  /** A write failed part-way: cut the file back to its last whole line, or fail for good when that fails too. */
  private cutBack(err: NodeJS.ErrnoException): never {
    const what = err.code ?? err.message;
    try {
      fs.ftruncateSync(this.fd, this.size);
      fs.fsyncSync(this.fd);
    } catch (cutErr) {
      throw this.fail(
        `write failed (${what}) and the cut back to the last whole record failed too ` +
          `(${(cutErr as NodeJS.ErrnoException).code ?? (cutErr as Error).message})`,
      );
    }
    const error = new Error(`${this.file}: write failed (${what}); nothing was recorded, the journal is whole`);
    (error as NodeJS.ErrnoException).code = err.code;
    throw error;
  }

  private fail(what: string): JournalFailedError {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.failure = new JournalFailedError(
      `${this.file}: ${what}; the ledger stopped (nothing more is handed out) — free the disk, then restart the flow`,
    );
    return this.failure;
  }
}

function readFully(fd: number, file: string, span: Span, target: Buffer, at: number): void {
  let read = 0;
  while (read < span.length) {
    const n = fs.readSync(fd, target, at + read, span.length - read, span.offset + read);
    if (n === 0) throw new Error(`${file}: record at byte ${span.offset} is cut short`);
    read += n;
  }
}
