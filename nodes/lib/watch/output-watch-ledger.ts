/**
 * The watcher's durable memory, two fsync'd journals in one folder:
 *  - `communications.journal`: every communication from its discovery to its acknowledgement or dead letter
 *    (at-least-once hand-out, bounded attempts, re-emission after an ack timeout and after a restart);
 *  - `manifests.journal`: manifests already expanded (or dead-lettered as a whole), keyed by path + size + mtime, and
 *    in API mode the flow steps already fetched — so nothing is expanded twice and nothing is forgotten.
 */
import path from "node:path";
import { DurableLedger, type LedgerEntry } from "../reliability/ledger";
import type { CommunicationDocument, LedgerItem, ManifestRecord, WatchCounts } from "./types";

export interface OutputWatchLedgerOptions {
  dir: string;
  maxAttempts: number;
  retainFinishedMs: number;
  /** Group commit window (DurableLedger's `groupCommitMs`); 0: every change fsync'd before its method returns. */
  groupCommitMs?: number;
  /** Told about journal lines quarantined at start and about a stale lock taken over. */
  onWarning?: (message: string) => void;
  now?: () => number;
}

/** A dead-lettered communication as an operator sees it. */
export interface DeadLetterSummary {
  id: string;
  reason: string;
  attempts: number;
  /** Epoch ms when it was dead-lettered. */
  at: number;
  fileName: string;
  customerNumber: string;
  jobId: string;
}

export type AckResult = "acknowledged" | "already-finished" | "unknown";

export class OutputWatchLedger {
  private readonly communications: DurableLedger<LedgerItem>;
  private readonly manifests: DurableLedger<ManifestRecord>;
  private readonly now: () => number;

  constructor(readonly options: OutputWatchLedgerOptions) {
    this.now = options.now ?? Date.now;
    const common = {
      retainFinishedMs: options.retainFinishedMs,
      groupCommitMs: options.groupCommitMs,
      onWarning: options.onWarning,
      now: this.now,
    };
    this.communications = new DurableLedger<LedgerItem>({
      ...common,
      file: path.join(options.dir, "communications.journal"),
      maxAttempts: options.maxAttempts,
      summarizeFinished: archivedSummary,
    });
    try {
      this.manifests = new DurableLedger<ManifestRecord>({
        ...common,
        file: path.join(options.dir, "manifests.journal"),
        maxAttempts: 1,
      });
    } catch (err) {
      this.communications.close();
      throw err;
    }
    // Forget finished entries past their retention once per start.
    this.communications.compact();
    this.manifests.compact();
  }

  // ————— communications —————

  /** Records a newly discovered communication; false when its id is already known (a re-read manifest). */
  add(document: CommunicationDocument): boolean {
    return this.communications.add(document.id, { document });
  }

  /** Records a communication that cannot be emitted (refused or missing file) straight as a dead letter. */
  refuse(document: CommunicationDocument, reason: string): LedgerEntry<LedgerItem> | undefined {
    const known = this.communications.info(document.id);
    if (known && known.state !== "pending") return undefined;
    if (!known) this.communications.add(document.id, { document });
    return this.communications.deadLetter(document.id, reason);
  }

  get(id: string): LedgerEntry<LedgerItem> | undefined {
    return this.communications.get(id);
  }

  /** In-flight communications whose acknowledgement is overdue count a failed attempt; returns them as they are now. */
  expireOverdue(ackTimeoutMs: number): Array<LedgerEntry<LedgerItem>> {
    const now = this.now();
    const expired: Array<LedgerEntry<LedgerItem>> = [];
    for (const id of [...this.communications.ids("in-flight")]) {
      if (now - this.communications.info(id)!.updatedAt < ackTimeoutMs) continue;
      expired.push(this.communications.fail(id, `not acknowledged within ${ackTimeoutMs} ms`));
    }
    return expired;
  }

  /** Hands out up to `limit` waiting communications (oldest first); a failed one only after `retryDelayMs`. */
  takeDue(limit: number, retryDelayMs: number): Array<LedgerEntry<LedgerItem>> {
    if (limit <= 0) return [];
    const now = this.now();
    const due: string[] = [];
    for (const id of this.communications.ids("pending")) {
      if (due.length >= limit) break;
      const info = this.communications.info(id)!;
      if (!info.hasDetail || now - info.updatedAt >= retryDelayMs) due.push(id);
    }
    return due.map((id) => this.communications.take(id));
  }

  /** Resolves once every change recorded so far is on disk (at once unless group commit is on). */
  durable(): Promise<void> {
    return Promise.all([this.communications.durable(), this.manifests.durable()]).then(() => undefined);
  }

  /** Why the ledger stopped accepting changes (a disk fault), if it did. */
  get failure(): Error | undefined {
    return this.communications.failure ?? this.manifests.failure;
  }

  /** Dead-lettered communications, oldest first, at most `limit`. */
  deadLetters(limit = Number.POSITIVE_INFINITY): DeadLetterSummary[] {
    const result: DeadLetterSummary[] = [];
    for (const id of this.communications.ids("dead")) {
      if (result.length >= limit) break;
      const entry = this.communications.get(id)!;
      const { fileName, customerNumber, job } = entry.item.document;
      result.push({
        id,
        reason: entry.reason ?? "",
        attempts: entry.attempts,
        at: entry.updatedAt,
        fileName,
        customerNumber,
        jobId: job.jobId,
      });
    }
    return result;
  }

  /**
   * Gives dead-lettered communications another chance (all of them without ids): pending again with all their
   * attempts, recorded in the journal. Ids not (or no longer) dead are left alone. Returns the ids revived.
   */
  replayDeadLetters(ids?: string[]): string[] {
    const wanted = ids ?? [...this.communications.ids("dead")];
    const revived: string[] = [];
    for (const id of wanted) {
      if (this.communications.info(id)?.state !== "dead") continue;
      this.communications.revive(id);
      revived.push(id);
    }
    return revived;
  }

  acknowledge(id: string, outcome?: unknown): AckResult {
    const entry = this.communications.info(id);
    if (!entry) return "unknown";
    if (entry.state === "done") return "already-finished";
    this.communications.acknowledge(id, outcome);
    return "acknowledged";
  }

  /** A downstream failure: permanent → dead letter at once; transient → counts an attempt (dead when used up). */
  failAttempt(
    id: string,
    reason: string,
    permanent: boolean,
  ): LedgerEntry<LedgerItem> | "unknown" | "already-finished" {
    const entry = this.communications.info(id);
    if (!entry) return "unknown";
    if (entry.state === "done" || entry.state === "dead") return "already-finished";
    return permanent ? this.communications.deadLetter(id, reason) : this.communications.fail(id, reason);
  }

  /** Gives every in-flight communication back without counting a failure (shutdown). */
  releaseInFlight(): void {
    for (const id of [...this.communications.ids("in-flight")]) this.communications.release(id);
  }

  counts(): Omit<WatchCounts, "manifestsActive"> {
    const c = this.communications.counts();
    return { inFlight: c["in-flight"], backlog: c.pending, done: c.done, dead: c.dead };
  }

  /** Documents still to be handed out or acknowledged. */
  unfinishedDocuments(): CommunicationDocument[] {
    return [...this.eachUnfinishedDocument()];
  }

  /** Documents still to be handed out or acknowledged, read one at a time from the journal (a backlog stays on disk). */
  *eachUnfinishedDocument(): Generator<CommunicationDocument> {
    for (const state of ["pending", "in-flight"] as const) {
      for (const id of [...this.communications.ids(state)]) {
        const entry = this.communications.get(id);
        if (entry && (entry.state === "pending" || entry.state === "in-flight")) yield entry.item.document;
      }
    }
  }

  // ————— manifests and fetched steps —————

  /** Whether a manifest version (or an API flow step) was already expanded or dead-lettered. */
  isSettled(key: string): boolean {
    const state = this.manifests.info(key)?.state;
    return state === "done" || state === "dead";
  }

  manifestEntry(key: string): LedgerEntry<ManifestRecord> | undefined {
    return this.manifests.get(key);
  }

  settle(key: string, record: ManifestRecord): void {
    if (this.isSettled(key)) return;
    this.manifests.add(key, record);
    this.manifests.acknowledge(key);
  }

  deadLetterManifest(key: string, record: ManifestRecord, reason: string): LedgerEntry<ManifestRecord> | undefined {
    if (this.isSettled(key)) return undefined;
    this.manifests.add(key, record);
    return this.manifests.deadLetter(key, reason);
  }

  close(): void {
    this.communications.close();
    this.manifests.close();
  }
}

export function manifestKey(file: string, size: number, mtimeMs: number): string {
  return `${file}|${size}|${Math.trunc(mtimeMs)}`;
}

/**
 * What an archived communication keeps for its retention period: its identity, primary file, keys and job — enough
 * to recognise it again and to audit it, without its renditions, delivery log and manifest details.
 */
function archivedSummary({ document }: LedgerItem): LedgerItem {
  const { id, fileName, path: filePath, mimeType, size, sha256, queue, channel, customerNumber, keys, job } = document;
  return {
    document: { id, fileName, path: filePath, mimeType, size, sha256, queue, channel, customerNumber, keys, job },
  } as LedgerItem;
}
