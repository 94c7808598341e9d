/**
 * The watcher's durable memory, two queues of a state store (files in one folder by default, or PostgreSQL):
 *  - `communications`: every communication from its discovery to its acknowledgement or dead letter
 *    (at-least-once hand-out under a lease, bounded attempts, re-emission after the lease and after a restart);
 *  - `manifests`: manifests claimed for expansion, expanded or dead-lettered as a whole, keyed by path + size + mtime,
 *    and in API mode the flow steps already fetched — so nothing is expanded twice and nothing is forgotten.
 */
import path from "node:path";
import type { GroupCommit } from "../reliability/journal-file";
import type { AckResult, StateStore, WorkEntry, WorkQueue } from "../state";
import type { CommunicationDocument, LedgerItem, ManifestRecord, WatchCounts } from "./types";

export type { AckResult };

export interface OutputWatchLedgerOptions {
  /** The file store's folder (journals); the name of the queues in a shared store. */
  dir: string;
  name: string;
  maxAttempts: number;
  retainFinishedMs: number;
  /** File store: group commit (DurableLedger's `groupCommitMs`); 0: every change fsync'd before it resolves. */
  groupCommitMs?: GroupCommit;
  /** File store: told about journal lines quarantined at start and about a stale lock taken over. */
  onWarning?: (message: string) => void;
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

export class OutputWatchLedger {
  /** Manifest keys known to be settled (a cache: the scanner asks synchronously, settled stays settled). */
  private readonly settled = new Set<string>();

  private constructor(
    private readonly communications: WorkQueue<LedgerItem>,
    private readonly manifests: WorkQueue<ManifestRecord>,
  ) {}

  static async open(store: StateStore, options: OutputWatchLedgerOptions): Promise<OutputWatchLedger> {
    const common = {
      retainFinishedMs: options.retainFinishedMs,
      groupCommitMs: options.groupCommitMs,
      onWarning: options.onWarning,
    };
    const communications = await store.openQueue<LedgerItem>({
      ...common,
      name: `${options.name}/communications`,
      file: path.join(options.dir, "communications.journal"),
      maxAttempts: options.maxAttempts,
      summarizeFinished: archivedSummary,
    });
    let manifests: WorkQueue<ManifestRecord>;
    try {
      manifests = await store.openQueue<ManifestRecord>({
        ...common,
        name: `${options.name}/manifests`,
        file: path.join(options.dir, "manifests.journal"),
        maxAttempts: 1,
      });
    } catch (err) {
      // Opened again on the next try: the first journal must not stay locked by this attempt.
      await communications.close();
      throw err;
    }
    const ledger = new OutputWatchLedger(communications, manifests);
    for (const state of ["done", "dead"] as const) {
      for (const entry of await manifests.list(state)) ledger.settled.add(entry.id);
    }
    return ledger;
  }

  // ————— communications —————

  /** Records a newly discovered communication; false when its id is already known (a re-read manifest). */
  add(document: CommunicationDocument): Promise<boolean> {
    return this.communications.add(document.id, { document });
  }

  /** Records newly discovered communications in one step (one statement in a database); returns how many were new. */
  addAll(documents: CommunicationDocument[]): Promise<number> {
    return this.communications.addAll(documents.map((document) => ({ id: document.id, item: { document } })));
  }

  /** Records a communication that cannot be emitted (refused or missing file) straight as a dead letter. */
  refuse(document: CommunicationDocument, reason: string): Promise<WorkEntry<LedgerItem> | undefined> {
    return this.communications.deadLetter(document.id, { document }, reason, ["pending"]);
  }

  get(id: string): Promise<WorkEntry<LedgerItem> | undefined> {
    return this.communications.get(id);
  }

  /** Claimed communications whose lease (the ack timeout) ran out count a failed attempt; returns them as they are now. */
  expireOverdue(ackTimeoutMs: number): Promise<Array<WorkEntry<LedgerItem>>> {
    return this.communications.expire(ackTimeoutMs, `not acknowledged within ${ackTimeoutMs} ms`);
  }

  /**
   * Claims waiting communications (oldest first) for `leaseMs` until this owner holds `maxInFlight`, in one step; a
   * failed one only after `retryDelayMs`.
   */
  takeDue(maxInFlight: number, retryDelayMs: number, leaseMs: number): Promise<Array<WorkEntry<LedgerItem>>> {
    return this.communications.claim(maxInFlight, { retryDelayMs, leaseMs, ownedAtMost: maxInFlight });
  }

  acknowledge(id: string, outcome?: unknown): Promise<AckResult> {
    return this.communications.acknowledge(id, outcome);
  }

  /** A downstream failure: permanent → dead letter at once; transient → counts an attempt (dead when used up). */
  failAttempt(
    id: string,
    reason: string,
    permanent: boolean,
  ): Promise<WorkEntry<LedgerItem> | "unknown" | "already-finished"> {
    return this.communications.fail(id, reason, permanent);
  }

  /** Gives this owner's claimed communications and manifests back without counting a failure (shutdown). */
  async releaseOwned(): Promise<void> {
    await this.communications.releaseOwned();
    await this.manifests.releaseOwned();
  }

  /** Why the ledger stopped accepting changes (a disk fault of the file store), if it did. */
  get failure(): Error | undefined {
    return this.communications.failure() ?? this.manifests.failure();
  }

  /** Dead-lettered communications, oldest first, at most `limit`. */
  async deadLetters(limit?: number): Promise<DeadLetterSummary[]> {
    return (await this.communications.list("dead", limit)).map(({ id, reason, attempts, updatedAt, item }) => {
      const { fileName, customerNumber, job } = item.document;
      return { id, reason: reason ?? "", attempts, at: updatedAt, fileName, customerNumber, jobId: job.jobId };
    });
  }

  /**
   * Gives dead-lettered communications another chance (all of them without ids): pending again with all their
   * attempts, recorded durably. Ids not (or no longer) dead are left alone. Returns the ids revived.
   */
  replayDeadLetters(ids?: string[]): Promise<string[]> {
    return this.communications.revive(ids);
  }

  async counts(): Promise<Omit<WatchCounts, "manifestsActive">> {
    const c = await this.communications.counts();
    return { inFlight: c.inFlight, backlog: c.pending, done: c.done, dead: c.dead };
  }

  /** Documents still to be handed out or acknowledged. */
  async unfinishedDocuments(): Promise<CommunicationDocument[]> {
    const documents: CommunicationDocument[] = [];
    for await (const document of this.eachUnfinishedDocument()) documents.push(document);
    return documents;
  }

  /** Documents still to be handed out or acknowledged, read a few at a time (a backlog stays on disk). */
  async *eachUnfinishedDocument(): AsyncGenerator<CommunicationDocument> {
    for (const state of ["pending", "in-flight"] as const) {
      for await (const entry of this.communications.each(state)) yield entry.item.document;
    }
  }

  // ————— manifests and fetched steps —————

  /** Whether this process already knows a manifest version (or an API flow step) to be settled. */
  isKnownSettled(key: string): boolean {
    return this.settled.has(key);
  }

  /** Whether a manifest version (or an API flow step) was already expanded or dead-lettered (by any replica). */
  async isSettled(key: string): Promise<boolean> {
    if (this.settled.has(key)) return true;
    const state = (await this.manifests.get(key))?.state;
    const settled = state === "done" || state === "dead";
    if (settled) this.settled.add(key);
    return settled;
  }

  /**
   * Claims a manifest version for expansion: false when it is settled or another replica holds it. A claim this
   * process holds already is renewed (a manifest looked at again while files are awaited).
   */
  async claim(key: string, record: ManifestRecord, leaseMs: number): Promise<boolean> {
    if (this.settled.has(key)) return false;
    const claimed = await this.manifests.claimOne(key, record, leaseMs, true);
    if (!claimed) await this.isSettled(key);
    return claimed !== undefined;
  }

  /** Manifest versions some replica (this one included) holds a live claim on: being expanded right now. */
  async claimedManifests(leaseMs: number): Promise<Array<{ key: string; record: ManifestRecord }>> {
    return (await this.manifests.leased(leaseMs)).map((entry) => ({ key: entry.id, record: entry.item }));
  }

  async settle(key: string, record: ManifestRecord): Promise<void> {
    if (this.settled.has(key)) return;
    // Its communications first: a manifest on disk as settled is never expanded again, so they must be there too.
    await this.communications.durable();
    if ((await this.manifests.acknowledge(key, { customers: record.customers })) === "unknown") {
      await this.manifests.add(key, record);
      await this.manifests.acknowledge(key, { customers: record.customers });
    }
    this.settled.add(key);
  }

  async deadLetterManifest(
    key: string,
    record: ManifestRecord,
    reason: string,
  ): Promise<WorkEntry<ManifestRecord> | undefined> {
    if (this.settled.has(key)) return undefined;
    const entry = await this.manifests.deadLetter(key, record, reason, ["pending", "in-flight"]);
    this.settled.add(key);
    return entry;
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
