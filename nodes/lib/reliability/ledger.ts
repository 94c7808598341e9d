import fs from "node:fs";
import path from "node:path";
import { crashPoint } from "./crash-points";
import { JournalFile, type GroupCommit, type JournalLine, type Span } from "./journal-file";
import { LedgerIndex, type IndexEntry, type LedgerState } from "./ledger-index";
import { OwnerLock } from "./owner-lock";
import { makePrivateDirSync, openPrivateSync } from "./private-files";

/**
 * A durable record of work items for at-least-once delivery: every item is handed out until it is acknowledged, at
 * most `maxAttempts` times, then dead-lettered with its reason. Each change is appended to a journal file and
 * fsync'd (before the call returns, or with group commit before `durable()` resolves), so a crash (even SIGKILL)
 * loses nothing that was recorded. Memory holds an index only (ledger-index.ts); items are read back from the
 * journal. One process owns a journal (owner-lock.ts). A write that fails leaves the journal whole; a line that cannot
 * be read on replay is moved to `<journal>.quarantine` and reported. The journal is compacted into a snapshot when
 * it grows.
 */
export type { LedgerState };

export interface LedgerEntry<T> {
  id: string;
  state: LedgerState;
  item: T;
  attempts: number;
  /** Epoch ms of the last hand-out (in-flight) or of the final disposition. */
  updatedAt: number;
  /** Why the last attempt failed, or why the item was dead-lettered. */
  reason?: string;
  /** What the acknowledgement said (e.g. the archive outcome). */
  outcome?: unknown;
}

/** What the index knows of an item, without reading it from the journal. */
export interface LedgerEntryInfo {
  id: string;
  state: LedgerState;
  attempts: number;
  updatedAt: number;
  /** A reason (failed attempt, dead letter) or an outcome is recorded. */
  hasDetail: boolean;
}

/** A journal line that could not be read on replay, moved aside. */
export interface QuarantinedLine {
  file: string;
  lineNumber: number;
  quarantineFile: string;
  why: string;
}

type JournalRecord<T> =
  | { op: "add"; id: string; item: T; at: number }
  | { op: "take"; id: string; at: number }
  | { op: "ack"; id: string; at: number; outcome?: unknown }
  | { op: "fail"; id: string; at: number; reason: string; dead: boolean }
  | { op: "release"; id: string; at: number }
  | { op: "revive"; id: string; at: number }
  | { op: "snapshot"; entry: LedgerEntry<T> };

const OPS = new Set(["add", "take", "ack", "fail", "release", "revive", "snapshot"]);
/** Snapshot lines are written in batches of about this size when compacting. */
const COMPACTION_BATCH_BYTES = 256 * 1024;

export interface LedgerOptions<T = unknown> {
  /** Journal file; its folder is created when missing. */
  file: string;
  maxAttempts: number;
  /**
   * Rewrite the journal as a snapshot when it holds this many more records than live entries (or half as many as
   * there are live entries, when that is more).
   */
  compactAfterRecords?: number;
  /** Forget finished (done/dead) entries older than this when compacting; they stay queryable until then. */
  retainFinishedMs?: number;
  /**
   * What to keep of an acknowledged item while it is retained: a long retention must not keep every finished item
   * whole in the compacted journal. Default: the item as it was.
   */
  summarizeFinished?: (item: T) => T;
  /**
   * Group commit: appends within this many ms share one fsync ("auto": those made while one runs share the next, see
   * GroupCommit), and the methods return before it; `durable()` resolves once it is done. 0 (default): every append
   * is fsync'd before its method returns.
   */
  groupCommitMs?: GroupCommit;
  /** Told about lines quarantined on replay and about a stale lock taken over. */
  onWarning?: (message: string) => void;
  now?: () => number;
}

export class DurableLedger<T = unknown> {
  /** Ids are read back from the journal; while it is replayed (not yet open for appending), from its file. */
  private readonly index = new LedgerIndex((item) =>
    idOfRecord(this.journalOpen ? this.journal.read(item) : JournalFile.readAt(this.options.file, item)),
  );
  private readonly journal: JournalFile;
  private journalOpen = false;
  private readonly lock: OwnerLock;
  private records = 0;
  private closed = false;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  /** Lines quarantined by the replay at start. */
  readonly quarantined: QuarantinedLine[] = [];

  constructor(private readonly options: LedgerOptions<T>) {
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message));
    makePrivateDirSync(path.dirname(options.file));
    this.lock = OwnerLock.acquire(options.file, this.warn);
    try {
      const rewrite = this.replay();
      this.journal = new JournalFile(options.file, options.groupCommitMs ?? 0);
      this.journalOpen = true;
      if (rewrite) this.compact();
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  /** Why the ledger stopped accepting changes (a disk fault), if it did. */
  get failure(): Error | undefined {
    return this.journal.failed;
  }

  /** Records a new item as pending; returns false (and changes nothing) when the id is already known. */
  add(id: string, item: T): boolean {
    if (this.index.has(id)) return false;
    this.append({ op: "add", id, item, at: this.now() });
    return true;
  }

  /** Marks an item as handed out and counts the attempt. */
  take(id: string): LedgerEntry<T> {
    this.require(id, ["pending", "in-flight"]);
    this.append({ op: "take", id, at: this.now() });
    return this.get(id)!;
  }

  /** The item was fully handled: it will never be handed out again. */
  acknowledge(id: string, outcome?: unknown): void {
    if (this.index.stateOf(id) === "done") return;
    this.require(id, ["pending", "in-flight", "dead"]);
    this.append({ op: "ack", id, at: this.now(), outcome });
  }

  /** An attempt failed: the item is handed out again later, or dead-lettered once its attempts are used up. */
  fail(id: string, reason: string): LedgerEntry<T> {
    const entry = this.require(id, ["pending", "in-flight"]);
    this.append({ op: "fail", id, at: this.now(), reason, dead: entry.attempts >= this.options.maxAttempts });
    return this.get(id)!;
  }

  /** A permanent failure: the item is dead-lettered at once, whatever attempts it has left. */
  deadLetter(id: string, reason: string): LedgerEntry<T> {
    this.require(id, ["pending", "in-flight"]);
    this.append({ op: "fail", id, at: this.now(), reason, dead: true });
    return this.get(id)!;
  }

  /** Gives an in-flight item back without counting a failure (e.g. on shutdown). */
  release(id: string): void {
    if (this.index.stateOf(id) !== "in-flight") return;
    this.append({ op: "release", id, at: this.now() });
  }

  /** A dead letter is given another chance: pending again, with all its attempts. */
  revive(id: string): LedgerEntry<T> {
    this.require(id, ["dead"]);
    this.append({ op: "revive", id, at: this.now() });
    return this.get(id)!;
  }

  /** Resolves once every change made before the call is fsync'd (at once without group commit). */
  durable(): Promise<void> {
    return this.journal.durable();
  }

  get(id: string): LedgerEntry<T> | undefined {
    const entry = this.index.get(id);
    return entry && this.read(entry);
  }

  /** What the index knows of an item: no journal read. */
  info(id: string): LedgerEntryInfo | undefined {
    const entry = this.index.get(id);
    return entry && infoOf(id, entry);
  }

  /**
   * Ids in a state (all without one), oldest first; the item just given may change its state while iterating (copy
   * the ids first to change others').
   */
  ids(state?: LedgerState): Iterable<string> {
    return this.index.ids(state);
  }

  /**
   * Up to `limit` pending ids, oldest first, leaving out those whose last attempt failed less than `retryDelayMs`
   * before `now`; only the ids returned are read from the journal.
   */
  pendingDue(limit: number, now: number, retryDelayMs: number): string[] {
    const due: string[] = [];
    for (const slot of this.index.slots("pending")) {
      if (due.length >= limit) break;
      const entry = this.index.at(slot);
      if (!entry.detail || now - entry.updatedAt >= retryDelayMs) due.push(this.index.idAt(slot));
    }
    return due;
  }

  /** Items to hand out now: pending ones, and in-flight ones not acknowledged within `ackTimeoutMs`. */
  due(ackTimeoutMs: number, limit = Number.POSITIVE_INFINITY): Array<LedgerEntry<T>> {
    const now = this.now();
    const result: Array<LedgerEntry<T>> = [];
    for (const slot of this.index.slots()) {
      if (result.length >= limit) break;
      const entry = this.index.at(slot);
      if (entry.state === "pending" || (entry.state === "in-flight" && now - entry.updatedAt >= ackTimeoutMs)) {
        result.push(this.read(entry));
      }
    }
    return result;
  }

  counts(): Record<LedgerState, number> {
    return this.index.counts();
  }

  list(state?: LedgerState): Array<LedgerEntry<T>> {
    return [...this.entries(state)];
  }

  /**
   * The entries in a state (all without one), oldest first, each read when reached; an entry that left the state
   * meanwhile is skipped, one that entered it is not visited.
   */
  *entries(state?: LedgerState): Generator<LedgerEntry<T>> {
    for (const slot of [...this.index.slots(state)]) {
      const current = this.index.stateAt(slot);
      if (current === undefined || (state && current !== state)) continue;
      yield this.read(this.index.at(slot));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.journal.close();
    } finally {
      this.lock.release();
    }
  }

  /** Rewrites the journal as one record per live entry (atomically: temp file, fsync, rename). */
  compact(): void {
    if (this.journal.failed) throw this.journal.failed;
    const retain = this.options.retainFinishedMs;
    const now = this.now();
    if (retain !== undefined) {
      for (const slot of this.index.slots()) {
        const entry = this.index.at(slot);
        if ((entry.state === "done" || entry.state === "dead") && now - entry.updatedAt > retain) this.index.free(slot);
      }
    }
    const temp = `${this.options.file}.compact`;
    // Where each entry's snapshot line goes, in index order (typed arrays: a large ledger must not double its memory).
    const offsets = new Float64Array(this.index.size);
    const lengths = new Uint32Array(this.index.size);
    const fd = openPrivateSync(temp, "w");
    try {
      let batch = Buffer.alloc(COMPACTION_BATCH_BYTES);
      let used = 0;
      let offset = 0;
      let n = 0;
      const flush = () => {
        for (let written = 0; written < used;) written += fs.writeSync(fd, batch, written, used - written);
        used = 0;
      };
      for (const slot of compactionOrder(this.index)) {
        const entry = this.index.at(slot);
        // An entry unchanged since its snapshot or its add is copied byte for byte (no parse, no stringify, no string).
        const line = entry.current ? undefined : JSON.stringify({ op: "snapshot", entry: this.read(entry) });
        const length = line === undefined ? entry.item.length : Buffer.byteLength(line);
        if (used + length + 1 > batch.length) flush();
        if (length + 1 > batch.length) batch = Buffer.alloc(length + 1);
        if (line === undefined) this.journal.readInto(entry.item, batch, used);
        else batch.write(line, used);
        batch[used + length] = 0x0a;
        used += length + 1;
        offsets[n] = offset;
        lengths[n++] = length;
        offset += length + 1;
      }
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    crashPoint("ledger:compaction");
    fs.renameSync(temp, this.options.file);
    syncDirectory(path.dirname(this.options.file));
    this.journal.replaced();
    let n = 0;
    for (const slot of compactionOrder(this.index)) {
      const span = { offset: offsets[n], length: lengths[n++] };
      const entry = this.index.at(slot);
      this.index.change(slot, { updatedAt: entry.updatedAt, item: span, detail: entry.detail ? span : null });
    }
    this.records = this.index.size;
  }

  private require(id: string, states: LedgerState[]): IndexEntry {
    const entry = this.index.get(id);
    if (!entry) throw new Error(`ledger has no item "${id}"`);
    if (!states.includes(entry.state)) throw new Error(`ledger item "${id}" is ${entry.state}`);
    return entry;
  }

  private append(record: JournalRecord<T>): void {
    if (this.closed) throw new Error("ledger is closed");
    const span = this.journal.append(record);
    this.apply(record, span);
    this.records++;
    // At least half the live entries' worth of superseded records: a large ledger is not rewritten every few seconds.
    const threshold = Math.max(this.options.compactAfterRecords ?? 10_000, this.index.size >> 1);
    if (this.records - this.index.size > threshold) this.compact();
  }

  /** `trusted`: the record comes from a journal whose records all name items added before them (see `find`). */
  private apply(record: JournalRecord<T>, span: Span, trusted = false): void {
    if (record.op === "snapshot") {
      const { entry } = record;
      const detail = entry.reason !== undefined || entry.outcome !== undefined ? span : undefined;
      const { state, attempts, updatedAt } = entry;
      this.index.put(entry.id, { state, attempts, updatedAt, item: span, detail, current: true });
      return;
    }
    if (record.op === "add") {
      this.index.put(record.id, { state: "pending", attempts: 0, updatedAt: record.at, item: span, current: true });
      return;
    }
    const slot = this.index.find(record.id, trusted);
    if (slot === undefined) return;
    const at = record.at;
    if (record.op === "take")
      this.index.change(slot, { state: "in-flight", attempts: this.index.at(slot).attempts + 1, updatedAt: at });
    else if (record.op === "ack") this.index.change(slot, { state: "done", updatedAt: at, detail: span });
    else if (record.op === "fail")
      this.index.change(slot, { state: record.dead ? "dead" : "pending", updatedAt: at, detail: span });
    else if (record.op === "revive")
      this.index.change(slot, { state: "pending", attempts: 0, updatedAt: at, detail: null });
    else this.index.change(slot, { state: "pending", updatedAt: at });
  }

  /** The entry with its item (and reason/outcome) read back from the journal. */
  private read(entry: IndexEntry): LedgerEntry<T> {
    const itemRecord = JSON.parse(this.journal.read(entry.item)) as JournalRecord<T>;
    const detailRecord =
      entry.detail && entry.detail.offset !== entry.item.offset
        ? (JSON.parse(this.journal.read(entry.detail)) as JournalRecord<T>)
        : entry.detail
          ? itemRecord
          : undefined;
    let item = itemRecord.op === "snapshot" ? itemRecord.entry.item : (itemRecord as { item: T }).item;
    if (entry.state === "done" && this.options.summarizeFinished && itemRecord.op !== "snapshot") {
      item = this.options.summarizeFinished(item);
    }
    const result: LedgerEntry<T> = {
      id: itemRecord.op === "snapshot" ? itemRecord.entry.id : itemRecord.id,
      state: entry.state,
      item,
      attempts: entry.attempts,
      updatedAt: entry.updatedAt,
    };
    if (detailRecord) {
      const source = detailRecord.op === "snapshot" ? detailRecord.entry : (detailRecord as Partial<LedgerEntry<T>>);
      if (source.reason !== undefined) result.reason = source.reason;
      if (source.outcome !== undefined) result.outcome = source.outcome;
    }
    return result;
  }

  /**
   * Reads the journal into the index. A line that cannot be read is quarantined: a torn last line (a write a crash
   * cut off, never confirmed to its caller) is cut off; anything else makes the journal be rewritten without it.
   * Returns whether it has to be rewritten.
   */
  private replay(): boolean {
    const { file } = this.options;
    let rewrite = false;
    let tornAt: number | undefined;
    const quarantine = (line: JournalLine, why: string) => {
      const quarantineFile = `${file}.quarantine`;
      const fd = openPrivateSync(quarantineFile, "a");
      try {
        fs.writeSync(fd, line.text + "\n");
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      this.quarantined.push({ file, lineNumber: line.lineNumber, quarantineFile, why });
      this.warn(`${file} line ${line.lineNumber}: ${why}; moved to ${quarantineFile}`);
    };
    for (const line of JournalFile.lines(file, (torn) => {
      quarantine(torn, "record cut off (a write interrupted by a crash or a full disk)");
      tornAt = torn.span.offset;
    })) {
      const record = parseRecord<T>(line.text);
      if (record) {
        // After a quarantined line, a record may name an item whose add was lost: its id is checked.
        this.apply(record, line.span, this.quarantined.length === 0);
        this.records++;
        continue;
      }
      rewrite = true;
      // A record appended onto a torn one (before writes were cut back on failure): keep the whole one at its end.
      const start = line.text.lastIndexOf('{"op":"');
      const rest = start > 0 ? parseRecord<T>(line.text.slice(start)) : undefined;
      quarantine(
        rest ? { ...line, text: line.text.slice(0, start) } : line,
        "record unreadable (not a whole JSON record)",
      );
      if (rest) {
        const skipped = Buffer.byteLength(line.text.slice(0, start));
        this.apply(rest, { offset: line.span.offset + skipped, length: line.span.length - skipped });
        this.records++;
      }
    }
    if (tornAt !== undefined) fs.truncateSync(file, tornAt);
    // Whatever was in flight when the process stopped was never acknowledged: hand it out again.
    for (const slot of [...this.index.slots("in-flight")]) {
      this.index.change(slot, { state: "pending", updatedAt: this.index.at(slot).updatedAt });
    }
    this.index.relist();
    return rewrite;
  }
}

function parseRecord<T>(text: string): JournalRecord<T> | undefined {
  try {
    const record = JSON.parse(text) as JournalRecord<T>;
    if (record && typeof record === "object" && OPS.has(record.op)) return record;
  } catch {
    // reported by the caller
  }
  return undefined;
}

function infoOf(id: string, entry: IndexEntry): LedgerEntryInfo {
  const { state, attempts, updatedAt } = entry;
  return { id, state, attempts, updatedAt, hasDetail: entry.detail !== undefined };
}

/**
 * The order compaction writes entries in, which a replay of the snapshot keeps: in flight (handed out first), pending
 * and dead each in the order they entered their state, then the done ones.
 */
function* compactionOrder(index: LedgerIndex): Generator<number> {
  yield* index.slots("in-flight");
  yield* index.slots("pending");
  yield* index.slots("dead");
  yield* index.slots("done");
}

/** The id of an item's add or snapshot record, read from the line's start where JSON.stringify puts it. */
function idOfRecord(line: string): string {
  const quoted = /^\{"op":"(?:add|snapshot)",(?:"entry":\{)?"id":("(?:[^"\\]|\\.)*")/.exec(line)?.[1];
  if (quoted !== undefined) return JSON.parse(quoted) as string;
  const record = JSON.parse(line) as JournalRecord<unknown>;
  return record.op === "snapshot" ? record.entry.id : record.id;
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
