import { DurableLedger, type LedgerEntry } from "../reliability/ledger";

/** A task as the tracker records it (enough to read it again after a restart). */
export interface TrackedTask {
  processId: number;
  subprocessId: number;
  taskId: number;
  stepName: string;
  mapId?: number;
  dueDate?: string;
}

export interface TaskTrackerOptions {
  /** Journal file (fsync'd; survives restarts). */
  file: string;
  /** A task still assigned this long after its emission is emitted again. */
  reemitAfterMs: number;
  /** Tasks emitted and still assigned at most; further new tasks wait. */
  maxInFlight: number;
  /** Emissions per task at most (0 = unlimited); then the task is dead-lettered and left alone. */
  maxEmissions?: number;
  /** Forget completed tasks after this long (journal compaction). */
  retainFinishedMs?: number;
  /** How long accepted callback nonces are remembered (at least twice the signature window). */
  nonceRetentionMs?: number;
  /** Told about journal lines quarantined at start and about a stale lock taken over. */
  onWarning?: (message: string) => void;
  now?: () => number;
}

export interface TaskDue {
  id: string;
  task: TrackedTask;
  /** 1 for the first emission, 2+ for re-emissions (timeout or restart). */
  attempt: number;
}

const DEFAULT_RETAIN_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_NONCE_RETENTION_MS = 30 * 60 * 1000;

/** The identity of a task occurrence: process, subprocess and step (a step entered again is a new occurrence). */
export function taskKey(task: Pick<TrackedTask, "processId" | "subprocessId" | "taskId">): string {
  return `${task.processId}/${task.subprocessId}/${task.taskId}`;
}

/**
 * Decides which assigned workflow tasks to emit, with a durable record (DurableLedger) so that a task is emitted once,
 * again only when it is still assigned after `reemitAfterMs` or after a restart, and never after it left the
 * assignments (completed by anyone). A step entered again later (e.g. after a Reject) is a new occurrence.
 */
export class WorkflowTaskTracker {
  private readonly ledger: DurableLedger<TrackedTask & { key: string; occurrence: number }>;
  /** Latest occurrence per task key. */
  private readonly latest = new Map<string, { id: string; occurrence: number }>();
  /** Nonces of accepted callbacks, beside the task journal (`<file>.callbacks`). */
  private readonly nonces: DurableLedger<Record<string, never>>;

  constructor(private readonly options: TaskTrackerOptions) {
    this.ledger = new DurableLedger({
      file: options.file,
      maxAttempts: options.maxEmissions && options.maxEmissions > 0 ? options.maxEmissions : Number.MAX_SAFE_INTEGER,
      retainFinishedMs: options.retainFinishedMs ?? DEFAULT_RETAIN_FINISHED_MS,
      compactAfterRecords: 1000,
      onWarning: options.onWarning,
      now: options.now,
    });
    for (const entry of this.ledger.list()) this.remember(entry);
    try {
      this.nonces = new DurableLedger({
        file: `${options.file}.callbacks`,
        maxAttempts: 1,
        retainFinishedMs: options.nonceRetentionMs ?? DEFAULT_NONCE_RETENTION_MS,
        compactAfterRecords: 1000,
        onWarning: options.onWarning,
        now: options.now,
      });
    } catch (err) {
      this.ledger.close();
      throw err;
    }
  }

  /** Records a callback's nonce; false when it was accepted before (a replay), also before a restart. */
  acceptNonce(nonce: string): boolean {
    const id = `nonce:${nonce}`;
    if (!this.nonces.add(id, {})) return false;
    this.nonces.acknowledge(id);
    return true;
  }

  /**
   * A callback names this task (read and found assigned): it is recorded like a polled task. Returns the occurrence
   * to emit now — a new one, or a recorded one not yet emitted or emitted longer than the re-emit timeout ago —
   * or undefined when it is in flight (a repeated callback) or dead-lettered.
   */
  callback(task: TrackedTask): TaskDue | undefined {
    const key = taskKey(task);
    const known = this.latest.get(key);
    const entry = known ? this.ledger.get(known.id) : undefined;
    if (entry?.state === "dead") return undefined;
    if (entry?.state === "pending") return toDue(entry);
    if (entry?.state === "in-flight") {
      const now = (this.options.now ?? Date.now)();
      if (now - entry.updatedAt < this.options.reemitAfterMs) return undefined;
      const max = this.options.maxEmissions ?? 0;
      if (max > 0 && entry.attempts >= max) {
        this.ledger.fail(entry.id, `still assigned after ${entry.attempts} emissions`);
        return undefined;
      }
      return toDue(entry);
    }
    const occurrence = (known?.occurrence ?? 0) + 1;
    const id = `${key}#${occurrence}`;
    this.ledger.add(id, { ...task, key, occurrence });
    this.latest.set(key, { id, occurrence });
    return toDue(this.ledger.get(id)!);
  }

  /** The task is no longer this user's (completed by anyone): its recorded occurrence is done. */
  finished(task: Pick<TrackedTask, "processId" | "subprocessId" | "taskId">): void {
    const known = this.latest.get(taskKey(task));
    const state = known ? this.ledger.get(known.id)?.state : undefined;
    if (known && state && state !== "done") this.ledger.acknowledge(known.id, "no longer assigned");
  }

  /**
   * Brings the record in line with the current assignments: tasks no longer assigned (dead-lettered ones included) are acknowledged, new ones
   * (and steps entered again) recorded as pending. Returns how many were acknowledged and added.
   */
  reconcile(assigned: TrackedTask[]): { acknowledged: number; added: number } {
    const keys = new Set(assigned.map(taskKey));
    let acknowledged = 0;
    let added = 0;
    const live = [...this.ledger.list("pending"), ...this.ledger.list("in-flight"), ...this.ledger.list("dead")];
    for (const entry of live) {
      if (!keys.has(entry.item.key)) {
        this.ledger.acknowledge(entry.id, "no longer assigned");
        acknowledged++;
      }
    }
    for (const task of assigned) {
      const key = taskKey(task);
      const known = this.latest.get(key);
      const state = known ? this.ledger.get(known.id)?.state : undefined;
      if (state === "pending" || state === "in-flight" || state === "dead") continue;
      // unknown, forgotten, or done (it left the assignments and is back: a new occurrence)
      const occurrence = (known?.occurrence ?? 0) + 1;
      const id = `${key}#${occurrence}`;
      if (this.ledger.add(id, { ...task, key, occurrence })) {
        this.latest.set(key, { id, occurrence });
        added++;
      }
    }
    return { acknowledged, added };
  }

  /**
   * Tasks to emit now: in-flight ones not completed within the timeout (they already count as in flight), then
   * pending ones while fewer than `maxInFlight` are in flight. Tasks that used up their emissions are dead-lettered.
   */
  due(): TaskDue[] {
    const now = (this.options.now ?? Date.now)();
    const result: TaskDue[] = [];
    let inFlight = this.ledger.counts()["in-flight"];
    const max = this.options.maxEmissions ?? 0;
    for (const entry of this.ledger.due(this.options.reemitAfterMs)) {
      if (entry.state === "in-flight") {
        if (max > 0 && entry.attempts >= max) {
          this.ledger.fail(entry.id, `still assigned after ${entry.attempts} emissions`);
          continue;
        }
        if (now - entry.updatedAt >= this.options.reemitAfterMs) result.push(toDue(entry));
      } else if (inFlight < this.options.maxInFlight) {
        inFlight++;
        result.push(toDue(entry));
      }
    }
    return result;
  }

  /** Records the emission (before the message leaves, so a crash in between re-emits rather than loses it). */
  emitted(id: string): number {
    return this.ledger.take(id).attempts;
  }

  /** The task occurrence is handled for good (e.g. emitted by a callback and completed). */
  acknowledge(id: string): void {
    if (this.ledger.get(id)) this.ledger.acknowledge(id);
  }

  get inFlight(): number {
    return this.ledger.counts()["in-flight"];
  }

  get pending(): number {
    return this.ledger.counts().pending;
  }

  get dead(): Array<LedgerEntry<TrackedTask>> {
    return this.ledger.list("dead");
  }

  close(): void {
    this.ledger.close();
    this.nonces.close();
  }

  private remember(entry: LedgerEntry<TrackedTask & { key: string; occurrence: number }>): void {
    const known = this.latest.get(entry.item.key);
    if (!known || known.occurrence < entry.item.occurrence) {
      this.latest.set(entry.item.key, { id: entry.id, occurrence: entry.item.occurrence });
    }
  }
}

function toDue(entry: LedgerEntry<TrackedTask & { key: string; occurrence: number }>): TaskDue {
  const { key: _key, occurrence: _occurrence, ...task } = entry.item;
  return { id: entry.id, task, attempt: entry.attempts + 1 };
}
