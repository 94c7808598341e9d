import fs from "node:fs";
import path from "node:path";
import { crashPoint } from "./crash-points";
import { makePrivateDirSync, openPrivateSync } from "./private-files";

/**
 * A durable record of work items for at-least-once delivery: every item is handed out until it is acknowledged, at
 * most `maxAttempts` times, then dead-lettered with its reason. Each change is appended to a journal file and
 * fsync'd before the call returns, so a crash (even SIGKILL) loses nothing that was recorded; a torn last line from a
 * crash mid-write is ignored on replay. The journal is compacted into a snapshot when it grows.
 */
export type LedgerState = "pending" | "in-flight" | "done" | "dead";

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

type JournalRecord<T> =
  | { op: "add"; id: string; item: T; at: number }
  | { op: "take"; id: string; at: number }
  | { op: "ack"; id: string; at: number; outcome?: unknown }
  | { op: "fail"; id: string; at: number; reason: string; dead: boolean }
  | { op: "release"; id: string; at: number };

export interface LedgerOptions<T = unknown> {
  /** Journal file; its folder is created when missing. */
  file: string;
  maxAttempts: number;
  /** Rewrite the journal as a snapshot when it holds this many more records than live entries. */
  compactAfterRecords?: number;
  /** Forget finished (done/dead) entries older than this when compacting; they stay queryable until then. */
  retainFinishedMs?: number;
  /**
   * What to keep of an acknowledged item while it is retained: a long retention must not hold every finished item
   * whole in memory (and in the compacted journal). Default: the item as it was.
   */
  summarizeFinished?: (item: T) => T;
  now?: () => number;
}

export class DurableLedger<T = unknown> {
  private readonly entries = new Map<string, LedgerEntry<T>>();
  private fd: number;
  private records = 0;
  private readonly now: () => number;

  constructor(private readonly options: LedgerOptions<T>) {
    this.now = options.now ?? Date.now;
    makePrivateDirSync(path.dirname(options.file));
    this.replay();
    this.fd = openPrivateSync(options.file, "a");
  }

  /** Records a new item as pending; returns false (and changes nothing) when the id is already known. */
  add(id: string, item: T): boolean {
    if (this.entries.has(id)) return false;
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
    if (this.entries.get(id)?.state === "done") return;
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
    if (this.entries.get(id)?.state !== "in-flight") return;
    this.append({ op: "release", id, at: this.now() });
  }

  get(id: string): LedgerEntry<T> | undefined {
    const entry = this.entries.get(id);
    return entry && { ...entry };
  }

  /** Items to hand out now: pending ones, and in-flight ones not acknowledged within `ackTimeoutMs`. */
  due(ackTimeoutMs: number, limit = Number.POSITIVE_INFINITY): Array<LedgerEntry<T>> {
    const now = this.now();
    const result: Array<LedgerEntry<T>> = [];
    for (const entry of this.entries.values()) {
      if (result.length >= limit) break;
      if (entry.state === "pending" || (entry.state === "in-flight" && now - entry.updatedAt >= ackTimeoutMs)) {
        result.push({ ...entry });
      }
    }
    return result;
  }

  counts(): Record<LedgerState, number> {
    const counts: Record<LedgerState, number> = { pending: 0, "in-flight": 0, done: 0, dead: 0 };
    for (const entry of this.entries.values()) counts[entry.state]++;
    return counts;
  }

  list(state?: LedgerState): Array<LedgerEntry<T>> {
    return [...this.entries.values()].filter((e) => !state || e.state === state).map((e) => ({ ...e }));
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Rewrites the journal as one record per live entry (atomically: temp file, fsync, rename). */
  compact(): void {
    const retain = this.options.retainFinishedMs;
    const now = this.now();
    if (retain !== undefined) {
      for (const [id, entry] of this.entries) {
        if ((entry.state === "done" || entry.state === "dead") && now - entry.updatedAt > retain)
          this.entries.delete(id);
      }
    }
    const temp = `${this.options.file}.compact`;
    const lines = [...this.entries.values()].map((entry) => JSON.stringify({ op: "snapshot", entry }) + "\n");
    const fd = openPrivateSync(temp, "w");
    try {
      fs.writeSync(fd, lines.join(""));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    crashPoint("ledger:compaction");
    if (this.fd >= 0) fs.closeSync(this.fd);
    fs.renameSync(temp, this.options.file);
    syncDirectory(path.dirname(this.options.file));
    this.fd = openPrivateSync(this.options.file, "a");
    this.records = this.entries.size;
  }

  private require(id: string, states: LedgerState[]): LedgerEntry<T> {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`ledger has no item "${id}"`);
    if (!states.includes(entry.state)) throw new Error(`ledger item "${id}" is ${entry.state}`);
    return entry;
  }

  private append(record: JournalRecord<T>): void {
    if (this.fd < 0) throw new Error("ledger is closed");
    const line = JSON.stringify(record) + "\n";
    crashPoint(`ledger:append:${record.op}`, () => {
      fs.writeSync(this.fd, line.slice(0, line.length >> 1));
      fs.fsyncSync(this.fd);
    });
    fs.writeSync(this.fd, line);
    fs.fsyncSync(this.fd);
    this.apply(record);
    this.records++;
    const threshold = this.options.compactAfterRecords ?? 10_000;
    if (this.records - this.entries.size > threshold) this.compact();
  }

  private apply(record: JournalRecord<T> | { op: "snapshot"; entry: LedgerEntry<T> }): void {
    if (record.op === "snapshot") {
      this.entries.set(record.entry.id, record.entry);
      return;
    }
    if (record.op === "add") {
      this.entries.set(record.id, {
        id: record.id,
        state: "pending",
        item: record.item,
        attempts: 0,
        updatedAt: record.at,
      });
      return;
    }
    const entry = this.entries.get(record.id);
    if (!entry) return;
    entry.updatedAt = record.at;
    if (record.op === "take") {
      entry.state = "in-flight";
      entry.attempts++;
    } else if (record.op === "ack") {
      entry.state = "done";
      entry.outcome = record.outcome;
      if (this.options.summarizeFinished) entry.item = this.options.summarizeFinished(entry.item);
    } else if (record.op === "fail") {
      entry.state = record.dead ? "dead" : "pending";
      entry.reason = record.reason;
    } else {
      entry.state = "pending";
    }
  }

  private replay(): void {
    if (!fs.existsSync(this.options.file)) return;
    const text = fs.readFileSync(this.options.file, "utf8");
    const complete = text.lastIndexOf("\n") + 1;
    for (const line of text.slice(0, complete).split("\n")) {
      if (!line) continue;
      this.apply(JSON.parse(line));
      this.records++;
    }
    // A torn tail is a write a crash interrupted: its change never returned to its caller, so it is dropped.
    if (complete < Buffer.byteLength(text))
      fs.truncateSync(this.options.file, Buffer.byteLength(text.slice(0, complete)));
    // Whatever was in flight when the process stopped was never acknowledged: hand it out again.
    for (const entry of this.entries.values()) if (entry.state === "in-flight") entry.state = "pending";
  }
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
