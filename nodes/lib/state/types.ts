/**
 * The durable state the watcher and the workflow trigger keep, behind one asynchronous interface with two
 * implementations: files (one process, the default) and PostgreSQL (several replicas on one database).
 *
 * A work queue holds items from their discovery to their acknowledgement or dead letter. An item is claimed by one
 * owner at a time with a lease; an acknowledgement ends it; a lease that runs out gives the item to whoever claims it
 * next (the attempt count travels with the item); a failed attempt counts, and the last one dead-letters it.
 */
import type { GroupCommit } from "../reliability/journal-file";
import type { LedgerEntry, LedgerState } from "../reliability/ledger";

export type WorkEntry<T> = LedgerEntry<T>;
export type WorkState = LedgerState;
export type AckResult = "acknowledged" | "already-finished" | "unknown";

export interface WorkCounts {
  pending: number;
  /** Claimed by this owner and not yet acknowledged. */
  inFlight: number;
  done: number;
  dead: number;
}

export interface QueueSpec<T> {
  /** The queue's name, unique in its store (the database key). */
  name: string;
  /** The journal file of the file store. */
  file: string;
  maxAttempts: number;
  retainFinishedMs?: number;
  compactAfterRecords?: number;
  /** What to keep of an acknowledged item while it is retained. */
  summarizeFinished?: (item: T) => T;
  /**
   * Changes within this many ms share one fsync (file store, DurableLedger's group commit; "auto": those made while
   * one runs share the next) or one statement (PostgreSQL acknowledgements, which also group whatever arrives while
   * the previous group commits; "auto" there is no window); 0/unset: off.
   */
  groupCommitMs?: GroupCommit;
  /** File store: told about journal lines quarantined at start and about a stale lock taken over. */
  onWarning?: (message: string) => void;
}

export interface ClaimOptions {
  /** A failed item waits this long before it is claimed again. */
  retryDelayMs?: number;
  /** The claim lasts this long without an acknowledgement. */
  leaseMs: number;
  /** Claims only as many as keep this owner's claimed items at or below this number (counted in the same step). */
  ownedAtMost?: number;
}

export interface WorkQueue<T> {
  /** Records a new pending item; false when the id is already known. */
  add(id: string, item: T): Promise<boolean>;
  /** Records new pending items in one step (in their order); returns how many were new. */
  addAll(entries: Array<{ id: string; item: T }>): Promise<number>;
  get(id: string): Promise<WorkEntry<T> | undefined>;
  /** Claims up to `limit` due items (oldest first), each counting an attempt. Never hands one item to two owners. */
  claim(limit: number, options: ClaimOptions): Promise<Array<WorkEntry<T>>>;
  /**
   * Claims one item (added when unknown): undefined when it is finished or another owner holds a live lease on it.
   * With `renewOwn`, an item this owner already holds is claimed again (its lease renewed, another attempt counted).
   */
  claimOne(id: string, item: T, leaseMs: number, renewOwn: boolean): Promise<WorkEntry<T> | undefined>;
  /** Claimed items whose lease ran out count a failed attempt (dead when used up); returns them as they are now. */
  expire(leaseMs: number, reason: string): Promise<Array<WorkEntry<T>>>;
  /** Resolves once the acknowledgement is durable (on disk, or committed). */
  acknowledge(id: string, outcome?: unknown): Promise<AckResult>;
  /** Items claimed under a lease that has not run out (by any owner); the file store counts `leaseMs` from the claim. */
  leased(leaseMs: number): Promise<Array<WorkEntry<T>>>;
  /** A failed attempt: permanent → dead letter at once; otherwise pending again, dead once the attempts are used up. */
  fail(id: string, reason: string, permanent: boolean): Promise<WorkEntry<T> | "unknown" | "already-finished">;
  /** Records an item straight as a dead letter (added when unknown); undefined when it is past `from`. */
  deadLetter(id: string, item: T, reason: string, from: WorkState[]): Promise<WorkEntry<T> | undefined>;
  /** Dead letters (all of them without ids) are pending again with no attempts counted; returns the ids revived. */
  revive(ids?: string[]): Promise<string[]>;
  /** Gives this owner's claimed items back without counting a failure (shutdown). */
  releaseOwned(): Promise<void>;
  counts(): Promise<WorkCounts>;
  /** Items in a state, oldest first, read a few at a time (never all in memory at once). */
  each(state: WorkState): AsyncIterable<WorkEntry<T>>;
  /** Items (in a state), oldest first, at most `limit`. */
  list(state?: WorkState, limit?: number): Promise<Array<WorkEntry<T>>>;
  /**
   * Resolves once every change made so far is durable. Changes that hand something on already wait for it; this is
   * for an add that must be on disk before a change elsewhere (another queue) counts on it.
   */
  durable(): Promise<void>;
  /** Frees what this queue holds alone (the file store's journal and its lock); the store's close() does it too. */
  close(): Promise<void>;
  /** Why the queue stopped accepting changes (the file store after a disk fault), if it did. */
  failure(): Error | undefined;
}

export interface StateStore {
  /** "file" or "postgresql" (status and logs). */
  readonly kind: string;
  /** Who claims: host and process (the lease owner in the database). */
  readonly owner: string;
  openQueue<T>(spec: QueueSpec<T>): Promise<WorkQueue<T>>;
  /** Closes what the store opened for this user (a node); the shared database pool stays with its config node. */
  close(): Promise<void>;
}
