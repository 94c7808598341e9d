/**
 * The file state store: each queue is a DurableLedger journal (one owner process, an index in memory, items on disk).
 * One owner — this process — so a lease is the time since the hand-out, and whatever was claimed when the process
 * stopped is pending again. With group commit, a change that hands something on (claim, acknowledgement, failure,
 * dead letter, revival) resolves only once it is on disk; an add does not wait (a later change waits for it).
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
      groupCommitMs: spec.groupCommitMs,
      onWarning: spec.onWarning,
      now: this.now,
    });
    this.ledgers.push(ledger as DurableLedger<unknown>);
    // Forget finished entries past their retention once per start.
    if (spec.retainFinishedMs !== undefined) ledger.compact();
    return new FileWorkQueue(ledger, this.now, () => {
      const at = this.ledgers.indexOf(ledger as DurableLedger<unknown>);
      if (at >= 0) this.ledgers.splice(at, 1);
    });
  }

  async close(): Promise<void> {
    for (const ledger of this.ledgers.splice(0)) ledger.close();
  }
}

class FileWorkQueue<T> implements WorkQueue<T> {
  constructor(
    private readonly ledger: DurableLedger<T>,
    private readonly now: () => number,
    private readonly forget: () => void,
  ) {}

  async add(id: string, item: T): Promise<boolean> {
    return this.ledger.add(id, item);
  }

  async addAll(entries: Array<{ id: string; item: T }>): Promise<number> {
    return entries.filter(({ id, item }) => this.ledger.add(id, item)).length;
  }

  async get(id: string): Promise<WorkEntry<T> | undefined> {
    return this.ledger.get(id);
  }

  async claim(limit: number, options: ClaimOptions): Promise<Array<WorkEntry<T>>> {
    if (options.ownedAtMost !== undefined) {
      limit = Math.min(limit, options.ownedAtMost - this.ledger.counts()["in-flight"]);
    }
    if (limit <= 0) return [];
    const due = this.ledger.pendingDue(limit, this.now(), options.retryDelayMs ?? 0);
    return due.length > 0 ? this.durably(due.map((id) => this.ledger.take(id))) : this.unchanged([]);
  }

  async claimOne(id: string, item: T, leaseMs: number, renewOwn: boolean): Promise<WorkEntry<T> | undefined> {
    this.ledger.add(id, item);
    const info = this.ledger.info(id)!;
    const expired = this.now() - info.updatedAt >= leaseMs;
    if (info.state === "pending" || (info.state === "in-flight" && (renewOwn || expired)))
      return this.durably(this.ledger.take(id));
    return undefined;
  }

  async expire(leaseMs: number, reason: string): Promise<Array<WorkEntry<T>>> {
    const now = this.now();
    const expired: Array<WorkEntry<T>> = [];
    for (const id of [...this.ledger.ids("in-flight")]) {
      if (now - this.ledger.info(id)!.updatedAt >= leaseMs) expired.push(this.ledger.fail(id, reason));
    }
    return expired.length > 0 ? this.durably(expired) : this.unchanged(expired);
  }

  async leased(leaseMs: number): Promise<Array<WorkEntry<T>>> {
    const now = this.now();
    const ids = [...this.ledger.ids("in-flight")].filter((id) => now - this.ledger.info(id)!.updatedAt < leaseMs);
    return ids.map((id) => this.ledger.get(id)!);
  }

  async acknowledge(id: string, outcome?: unknown): Promise<AckResult> {
    const info = this.ledger.info(id);
    if (!info) return "unknown";
    if (info.state === "done") return "already-finished";
    this.ledger.acknowledge(id, outcome);
    return this.durably("acknowledged");
  }

  async fail(id: string, reason: string, permanent: boolean): Promise<WorkEntry<T> | "unknown" | "already-finished"> {
    const info = this.ledger.info(id);
    if (!info) return "unknown";
    if (info.state === "done" || info.state === "dead") return "already-finished";
    return this.durably(permanent ? this.ledger.deadLetter(id, reason) : this.ledger.fail(id, reason));
  }

  async deadLetter(id: string, item: T, reason: string, from: WorkState[]): Promise<WorkEntry<T> | undefined> {
    this.ledger.add(id, item);
    if (!from.includes(this.ledger.info(id)!.state)) return undefined;
    return this.durably(this.ledger.deadLetter(id, reason));
  }

  async revive(ids?: string[]): Promise<string[]> {
    const wanted = ids ?? [...this.ledger.ids("dead")];
    const revived = wanted.filter((id) => this.ledger.info(id)?.state === "dead");
    for (const id of revived) this.ledger.revive(id);
    return this.durably(revived);
  }

  async releaseOwned(): Promise<void> {
    for (const id of [...this.ledger.ids("in-flight")]) this.ledger.release(id);
  }

  async counts(): Promise<WorkCounts> {
    const c = this.ledger.counts();
    return { pending: c.pending, inFlight: c["in-flight"], done: c.done, dead: c.dead };
  }

  async list(state?: WorkState, limit = Number.POSITIVE_INFINITY): Promise<Array<WorkEntry<T>>> {
    const result: Array<WorkEntry<T>> = [];
    for (const entry of this.ledger.entries(state)) {
      if (result.length >= limit) break;
      result.push(entry);
    }
    return result;
  }

  async *each(state: WorkState): AsyncGenerator<WorkEntry<T>> {
    yield* this.ledger.entries(state);
  }

  durable(): Promise<void> {
    return this.ledger.durable();
  }

  async close(): Promise<void> {
    this.forget();
    this.ledger.close();
  }

  failure(): Error | undefined {
    return this.ledger.failure;
  }

  /** Nothing changed: nothing to wait for (another caller's change has its own wait); a stopped ledger says so. */
  private async unchanged<R>(result: R): Promise<R> {
    const failure = this.ledger.failure;
    if (failure) throw failure;
    return result;
  }

  /** `result` once the changes recorded so far are on disk (group commit). */
  private async durably<R>(result: R): Promise<R> {
    await this.ledger.durable();
    return result;
  }
}
