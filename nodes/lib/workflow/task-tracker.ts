import type { GroupCommit } from "../reliability/journal-file";
import { FileStateStore, type StateStore, type WorkEntry, type WorkQueue } from "../state";

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
  /** Journal file of the file store (fsync'd; survives restarts); `<file>.callbacks` holds the callback nonces. */
  file: string;
  /** The tracker's name in a shared store (the same on every replica of the flow). */
  name?: string;
  /** Where the record lives: the journal files by default; closed with the tracker. */
  store?: StateStore;
  /** A task still assigned this long after its emission is emitted again (the lease of a claimed task). */
  reemitAfterMs: number;
  /** Tasks emitted and still assigned at most (per replica); further new tasks wait. */
  maxInFlight: number;
  /** Emissions per task at most (0 = unlimited); then the task is dead-lettered and left alone. */
  maxEmissions?: number;
  /** Forget completed tasks after this long (journal compaction). */
  retainFinishedMs?: number;
  /** How long accepted callback nonces are remembered (at least twice the signature window). */
  nonceRetentionMs?: number;
  /** Told about journal lines quarantined at start and about a stale lock taken over. */
  onWarning?: (message: string) => void;
  /**
   * File store: group commit (see GroupCommit); a claim, acknowledgement or failure still resolves only once on disk,
   * a task recorded as pending shares the fsync of the claim after it. 0 (default): every change fsync'd at once.
   */
  groupCommitMs?: GroupCommit;
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

type TaskItem = TrackedTask & { key: string; occurrence: number };

/**
 * Decides which assigned workflow tasks to emit, with a durable record (a state store) so that a task is emitted once,
 * again only when it is still assigned after `reemitAfterMs` or after a restart, and never after it left the
 * assignments (completed by anyone). A step entered again later (e.g. after a Reject) is a new occurrence.
 * A task is claimed before it is emitted, so with replicas on one database one task goes to one replica.
 */
export class WorkflowTaskTracker {
  private lastCounts = { inFlight: 0 };
  private readonly store: StateStore;
  private opened: Promise<{ tasks: WorkQueue<TaskItem>; nonces: WorkQueue<Record<string, never>> }> | undefined;

  constructor(private readonly options: TaskTrackerOptions) {
    this.store = options.store ?? new FileStateStore(options.now);
  }

  /** The tracker's two queues, opened on first use (again after a failed try: the database may come later). */
  private queues(): Promise<{ tasks: WorkQueue<TaskItem>; nonces: WorkQueue<Record<string, never>> }> {
    const { options, store } = this;
    const name = options.name ?? options.file;
    this.opened ??= (async () => {
      const tasks = await store.openQueue<TaskItem>({
        name: `${name}/tasks`,
        file: options.file,
        maxAttempts: options.maxEmissions && options.maxEmissions > 0 ? options.maxEmissions : Number.MAX_SAFE_INTEGER,
        retainFinishedMs: options.retainFinishedMs ?? DEFAULT_RETAIN_FINISHED_MS,
        compactAfterRecords: 1000,
        groupCommitMs: options.groupCommitMs,
        onWarning: options.onWarning,
      });
      try {
        const nonces = await store.openQueue<Record<string, never>>({
          name: `${name}/callbacks`,
          file: `${options.file}.callbacks`,
          maxAttempts: 1,
          retainFinishedMs: options.nonceRetentionMs ?? DEFAULT_NONCE_RETENTION_MS,
          compactAfterRecords: 1000,
          groupCommitMs: options.groupCommitMs,
          onWarning: options.onWarning,
        });
        return { tasks, nonces };
      } catch (err) {
        // Opened again on the next try: the first journal must not stay locked by this attempt.
        await tasks.close();
        throw err;
      }
    })();
    this.opened.catch(() => (this.opened = undefined));
    return this.opened;
  }

  private async tasks(): Promise<WorkQueue<TaskItem>> {
    return (await this.queues()).tasks;
  }

  /** Records a callback's nonce; false when it was accepted before (a replay), also before a restart. */
  async acceptNonce(nonce: string): Promise<boolean> {
    const id = `nonce:${nonce}`;
    const { nonces } = await this.queues();
    if (!(await nonces.add(id, {}))) return false;
    await nonces.acknowledge(id);
    return true;
  }

  /**
   * A callback names this task (read and found assigned): it is recorded like a polled task and claimed. Returns the
   * occurrence to emit now — a new one, or a recorded one not yet emitted or emitted longer than the re-emit timeout
   * ago — or undefined when it is in flight (a repeated callback) or dead-lettered.
   */
  async callback(task: TrackedTask): Promise<TaskDue | undefined> {
    await this.expireOverdue();
    const key = taskKey(task);
    const latest = await this.latestOccurrence(key, await this.unfinishedOccurrences());
    if (latest?.state === "dead") return undefined;
    if (latest?.state === "in-flight") return undefined;
    const occurrence = latest?.state === "pending" ? latest.item.occurrence : (latest?.item.occurrence ?? 0) + 1;
    const id = `${key}#${occurrence}`;
    const claimed = await (
      await this.tasks()
    ).claimOne(id, { ...task, key, occurrence }, this.options.reemitAfterMs, false);
    return claimed && toDue(claimed);
  }

  /** The task is no longer this user's (completed by anyone): its recorded occurrence is done. */
  async finished(task: Pick<TrackedTask, "processId" | "subprocessId" | "taskId">): Promise<void> {
    const latest = (await this.unfinishedOccurrences()).get(taskKey(task));
    if (latest) await (await this.tasks()).acknowledge(latest.id, "no longer assigned");
  }

  /**
   * Brings the record in line with the current assignments: tasks no longer assigned (dead-lettered ones included)
   * are acknowledged, new ones (and steps entered again) recorded as pending. Returns how many were acknowledged and
   * added.
   */
  async reconcile(assigned: TrackedTask[]): Promise<{ acknowledged: number; added: number }> {
    const keys = new Set(assigned.map(taskKey));
    let acknowledged = 0;
    let added = 0;
    const unfinished = await this.unfinishedOccurrences();
    for (const entry of unfinished.values()) {
      if (!keys.has(entry.item.key)) {
        if ((await (await this.tasks()).acknowledge(entry.id, "no longer assigned")) === "acknowledged") acknowledged++;
      }
    }
    for (const task of assigned) {
      const key = taskKey(task);
      const known = await this.latestOccurrence(key, unfinished);
      // recorded meanwhile by another replica (or a callback), or still unfinished
      if (known && known.state !== "done") continue;
      // unknown, forgotten, or done (it left the assignments and is back: a new occurrence)
      const occurrence = (known?.item.occurrence ?? 0) + 1;
      if (await (await this.tasks()).add(`${key}#${occurrence}`, { ...task, key, occurrence })) added++;
    }
    return { acknowledged, added };
  }

  /**
   * Claims the tasks to emit now: those emitted longer than the re-emit timeout ago and still assigned (tasks that
   * used up their emissions are dead-lettered instead), then pending ones while fewer than `maxInFlight` are in flight.
   */
  async due(): Promise<TaskDue[]> {
    await this.expireOverdue();
    const counts = await (await this.tasks()).counts();
    const claimed = await (
      await this.tasks()
    ).claim(this.options.maxInFlight - counts.inFlight, {
      leaseMs: this.options.reemitAfterMs,
    });
    this.lastCounts = { inFlight: counts.inFlight + claimed.length };
    return claimed.map(toDue);
  }

  /** A claimed task could not be emitted (it could not be read): it is due again at the next poll. */
  async notEmitted(id: string, reason: string): Promise<void> {
    await (await this.tasks()).fail(id, reason, false);
  }

  /** The task occurrence is handled for good (e.g. emitted by a callback and completed). */
  async acknowledge(id: string): Promise<void> {
    await (await this.tasks()).acknowledge(id);
  }

  /** In flight after the last look (claimed by this process and still assigned). */
  get inFlight(): number {
    return this.lastCounts.inFlight;
  }

  /** Pending and in flight (claimed by this process), read from the record now. */
  async counts(): Promise<{ pending: number; inFlight: number }> {
    const { pending, inFlight } = await (await this.tasks()).counts();
    return { pending, inFlight };
  }

  async dead(): Promise<Array<WorkEntry<TrackedTask>>> {
    return (await this.tasks()).list("dead");
  }

  /** Gives this process's claimed tasks back (they are emitted again by whichever replica polls next) and closes. */
  async close(release = true): Promise<void> {
    try {
      if (release && this.opened) await (await this.tasks()).releaseOwned();
    } finally {
      await this.store.close();
    }
  }

  private async expireOverdue(): Promise<void> {
    const reason = `still assigned ${this.options.reemitAfterMs} ms after its emission`;
    await (await this.tasks()).expire(this.options.reemitAfterMs, reason);
  }

  /**
   * The latest occurrence of every task key that has an unfinished one (pending, in flight or dead): a new occurrence
   * is only recorded once the one before is done, so an unfinished one is always the latest. Finished ones are not
   * read: a poll must not read every task kept for `retainFinishedMs`.
   */
  private async unfinishedOccurrences(): Promise<Map<string, WorkEntry<TaskItem>>> {
    const tasks = await this.tasks();
    const latest = new Map<string, WorkEntry<TaskItem>>();
    for (const state of ["pending", "in-flight", "dead"] as const) {
      for (const entry of await tasks.list(state)) {
        const known = latest.get(entry.item.key);
        if (!known || known.item.occurrence < entry.item.occurrence) latest.set(entry.item.key, entry);
      }
    }
    return latest;
  }

  /**
   * The latest recorded occurrence of a task: its unfinished one, else the one found by id (#1, #2, …) that is not
   * done (recorded meanwhile, e.g. by another replica) or the last before the first one not recorded. One forgotten
   * after `retainFinishedMs` ends the search and its number is used again, which is safe: no record of it is left.
   */
  private async latestOccurrence(
    key: string,
    unfinished: Map<string, WorkEntry<TaskItem>>,
  ): Promise<WorkEntry<TaskItem> | undefined> {
    const open = unfinished.get(key);
    if (open) return open;
    const tasks = await this.tasks();
    let latest: WorkEntry<TaskItem> | undefined;
    for (let occurrence = 1; ; occurrence++) {
      const entry = await tasks.get(`${key}#${occurrence}`);
      if (!entry || entry.state !== "done") return entry ?? latest;
      latest = entry;
    }
  }
}

function toDue(entry: WorkEntry<TaskItem>): TaskDue {
  const { key: _key, occurrence: _occurrence, ...task } = entry.item;
  return { id: entry.id, task, attempt: entry.attempts };
}
