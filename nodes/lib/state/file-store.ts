/**
 * The file state store: each queue is a DurableLedger journal (fsync'd, one process). One owner — this process — so
 * a lease is the time since the hand-out, and whatever was claimed when the process stopped is pending again.
 */
import os from "node:os";
import { DurableLedger } from "../reliability/ledger";
import type {
  AckResult,
  ClaimOptions,
  QueueSpec,
  StateStore,
  WorkCounts,
  WorkEntry,
  WorkQueue,
  WorkState,
} from "./types";

export class FileStateStore implements StateStore {
  readonly kind = "file";
  readonly owner = `${os.hostname()}:${process.pid}`;
  private readonly ledgers: Array<DurableLedger<unknown>> = [];

  constructor(private readonly now: () => number = Date.now) {}

  async openQueue<T>(spec: QueueSpec<T>): Promise<WorkQueue<T>> {
    const ledger = new DurableLedger<T>({
      file: spec.file,
      maxAttempts: spec.maxAttempts,
      retainFinishedMs: spec.retainFinishedMs,
      compactAfterRecords: spec.compactAfterRecords,
      summarizeFinished: spec.summarizeFinished,
      now: this.now,
    });
    // Forget finished entries past their retention once per start.
    if (spec.retainFinishedMs !== undefined) ledger.compact();
    this.ledgers.push(ledger as DurableLedger<unknown>);
    return new FileWorkQueue(ledger, this.now);
  }

  async close(): Promise<void> {
    for (const ledger of this.ledgers.splice(0)) ledger.close();
  }
}

class FileWorkQueue<T> implements WorkQueue<T> {
  constructor(
    private readonly ledger: DurableLedger<T>,
    private readonly now: () => number,
  ) {}

  async add(id: string, item: T): Promise<boolean> {
    return this.ledger.add(id, item);
  }

  async get(id: string): Promise<WorkEntry<T> | undefined> {
    return this.ledger.get(id);
  }

  async claim(limit: number, options: ClaimOptions): Promise<Array<WorkEntry<T>>> {
    if (limit <= 0) return [];
    const now = this.now();
    const retryDelayMs = options.retryDelayMs ?? 0;
    const claimed: Array<WorkEntry<T>> = [];
    for (const entry of this.ledger.list("pending")) {
      if (claimed.length >= limit) break;
      if (entry.reason !== undefined && now - entry.updatedAt < retryDelayMs) continue;
      claimed.push(this.ledger.take(entry.id));
    }
    return claimed;
  }

  async claimOne(id: string, item: T, leaseMs: number, renewOwn: boolean): Promise<WorkEntry<T> | undefined> {
    this.ledger.add(id, item);
    const entry = this.ledger.get(id)!;
    const expired = this.now() - entry.updatedAt >= leaseMs;
    if (entry.state === "pending" || (entry.state === "in-flight" && (renewOwn || expired)))
      return this.ledger.take(id);
    return undefined;
  }

  async expire(leaseMs: number, reason: string): Promise<Array<WorkEntry<T>>> {
    const now = this.now();
    return this.ledger
      .list("in-flight")
      .filter((entry) => now - entry.updatedAt >= leaseMs)
      .map((entry) => this.ledger.fail(entry.id, reason));
  }

  async acknowledge(id: string, outcome?: unknown): Promise<AckResult> {
    const entry = this.ledger.get(id);
    if (!entry) return "unknown";
    if (entry.state === "done") return "already-finished";
    this.ledger.acknowledge(id, outcome);
    return "acknowledged";
  }

  async fail(id: string, reason: string, permanent: boolean): Promise<WorkEntry<T> | "unknown" | "already-finished"> {
    const entry = this.ledger.get(id);
    if (!entry) return "unknown";
    if (entry.state === "done" || entry.state === "dead") return "already-finished";
    return permanent ? this.ledger.deadLetter(id, reason) : this.ledger.fail(id, reason);
  }

  async deadLetter(id: string, item: T, reason: string, from: WorkState[]): Promise<WorkEntry<T> | undefined> {
    this.ledger.add(id, item);
    if (!from.includes(this.ledger.get(id)!.state)) return undefined;
    return this.ledger.deadLetter(id, reason);
  }

  async releaseOwned(): Promise<void> {
    for (const entry of this.ledger.list("in-flight")) this.ledger.release(entry.id);
  }

  async counts(): Promise<WorkCounts> {
    const c = this.ledger.counts();
    return { pending: c.pending, inFlight: c["in-flight"], done: c.done, dead: c.dead };
  }

  async list(state?: WorkState): Promise<Array<WorkEntry<T>>> {
    return this.ledger.list(state);
  }
}
