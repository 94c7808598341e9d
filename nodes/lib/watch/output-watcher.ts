/**
 * The output watcher: discovers manifests (folder scan or runtime API), waits until they are stable, expands them
 * into communications recorded in the durable ledger, and hands the communications out — at most `maxInFlight`
 * unacknowledged at a time, again after an ack timeout or a transient failure, never after an acknowledgement, and
 * to the dead-letter path once their attempts are used up or a failure is permanent. Knows nothing of Node-RED.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { ExstreamClient } from "../exstream/index";
import { toEpochMs } from "../exstream/dates";
import { ManifestError } from "../exstream/errors";
import { crashPoint } from "../reliability/crash-points";
import type { GroupCommit } from "../reliability/journal-file";
import { FileStateStore, type StateStore } from "../state";
import { ConcurrencyLimiter } from "../reliability/limiter";
import { ApiJobSource, type FetchedStep } from "./api-job-source";
import { OutputFolderScanner } from "./folder-scanner";
import { expandManifest, type ExpansionContext } from "./manifest-expansion";
import type { OutputWatchOptions } from "./options";
import { manifestKey, OutputWatchLedger, type AckResult, type DeadLetterSummary } from "./output-watch-ledger";
import { runIdentityFromEnginePath, runIdentityFromFolder } from "./run-identity";
import { FileChangingError, snapshotOf, StabilityGate, type FileSnapshot } from "./stability";
import type { CommunicationDocument, DeadLetter, ManifestRecord, RunIdentity, WatchCounts } from "./types";
import { sweepWorkFolders, workFolderOf } from "./work-folders";

export type WatchPhase =
  "starting" | "watching" | "root-missing" | "api-error" | "state-error" | "ledger-failed" | "closed";

export interface OutputWatcherEvents {
  /** Hand a communication out (attempt = how many times it has been handed out, this one included). */
  emit(document: CommunicationDocument, attempt: number): void;
  deadLetter(letter: DeadLetter): void;
  warn(message: string): void;
  /** The ledger stopped for good (a disk fault): nothing is handed out until someone frees the disk and restarts. */
  stopped(err: Error): void;
  /** `storeProblem`: while the state store fails, its error's code (e.g. ECONNREFUSED) or name. */
  status(phase: WatchPhase, counts: WatchCounts, storeProblem?: string): void;
}

export interface OutputWatcherSetup {
  options: OutputWatchOptions;
  /** Working folder (delivery-log extracts, API downloads) and the file store's journals. */
  ledgerDir: string;
  /** Where the ledger lives: the files in `ledgerDir` by default; closed with the watcher. */
  store?: StateStore;
  /** The ledger's name in a shared store (the same on every replica of the flow). */
  ledgerName?: string;
  /** API mode only. */
  client?: ExstreamClient;
  /** Nothing is handed out before this delay: the flow's other nodes must exist before the first send. */
  startDelayMs?: number;
  events: OutputWatcherEvents;
  /** The ledger's group commit (see GroupCommit); 0 or unset: fsync per change. */
  groupCommitMs?: GroupCommit;
  now?: () => number;
}

/** Longest wait for a manifest being expanded when the watcher closes (the node must close within seconds). */
const CLOSE_GRACE_MS = 3_000;
/** How often working folders of finished communications (downloads, delivery-log extracts) are removed. */
const SWEEP_INTERVAL_MS = 60_000;
/** Longest wait between two looks for files a manifest names but the share does not show yet. */
const MAX_MISSING_RETRY_MS = 60_000;
/** Wait between two tries to reach a state store that failed (opening it, or recording an acknowledgement). */
const STORE_RETRY_MS = 1_000;
/**
 * Most communications of a manifest recorded in one step (one statement in a database). The steps grow from one
 * communication to this many, so the first is handed out while the rest are still being read.
 */
const ADD_BATCH = 250;
/** How often a shared store's counts (one query over the whole queue) are read for the status. */
const SHARED_COUNTS_MS = 1_000;

/** Customers of a manifest waiting for files the manifest names but the share does not show (yet). */
interface AwaitedFiles {
  customers: Set<string>;
  since: number;
  retries: number;
}

export class OutputWatcher {
  private readonly options: OutputWatchOptions;
  private readonly events: OutputWatcherEvents;
  private readonly store: StateStore;
  private ledger: OutputWatchLedger | undefined;
  private readonly limiter: ConcurrencyLimiter;
  private readonly active = new Set<Promise<unknown>>();
  /** Manifests being waited on, expanded, or waiting for a retry: a rescan must not start them twice. */
  private readonly busy = new Set<string>();
  private readonly parseFailures = new Map<string, number>();
  private readonly awaited = new Map<string, AwaitedFiles>();
  /** Working folders of manifests being expanded right now: the sweep must leave them alone. */
  private readonly expanding = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private lastSweepAt = 0;
  private lastExpiryAt = 0;
  private lastCountsAt = 0;
  /** Hand-out rounds run at least this often; leases that ran out are looked for about as often. */
  private tickMs = 1_000;
  private gate: StabilityGate | undefined;
  private scanner: OutputFolderScanner | undefined;
  private api: ApiJobSource | undefined;
  private tick: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private phase: WatchPhase = "starting";
  private closed = false;
  private manifestsActive = 0;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private latestCounts: Omit<WatchCounts, "manifestsActive"> = { inFlight: 0, backlog: 0, done: 0, dead: 0 };
  /** The last state store failure while it lasts (status "state-error"). */
  private storeFailure: { message: string; code: string } | undefined;

  constructor(private readonly setup: OutputWatcherSetup) {
    this.options = setup.options;
    this.events = setup.events;
    this.now = setup.now ?? Date.now;
    this.store = setup.store ?? new FileStateStore(setup.now);
    this.limiter = new ConcurrencyLimiter(this.options.maxConcurrentManifests);
  }

  start(): void {
    const { options } = this;
    this.tickMs = Math.min(
      1_000,
      Math.max(10, Math.floor(Math.min(options.ackTimeoutMs, options.retryDelayMs || options.ackTimeoutMs) / 2)),
    );
    const begin = async () => {
      this.ledger = await this.whileStoreFails(() =>
        OutputWatchLedger.open(this.store, {
          dir: this.setup.ledgerDir,
          name: this.setup.ledgerName ?? path.basename(this.setup.ledgerDir),
          maxAttempts: options.maxAttempts,
          retainFinishedMs: options.retainFinishedMs,
          groupCommitMs: this.setup.groupCommitMs,
          onWarning: (message) => this.events.warn(message),
        }),
      );
      if (!this.ledger || this.closed) return;
      this.tick = setInterval(() => this.pump(), this.tickMs);
      if (options.source === "folder") this.startFolder();
      else this.startApi();
      this.pump();
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(begin());
    }, this.setup.startDelayMs ?? 0);
    this.timers.add(timer);
  }

  /**
   * A success acknowledgement from downstream (e.g. cs-archive's `msg.cs`). While the state store cannot be
   * reached it is tried again until it is recorded (or the watcher closes: the lease then runs out and the item is
   * handed out again, which the archive recognises as already stored).
   */
  async acknowledge(id: string, outcome?: unknown): Promise<AckResult> {
    if (!this.ledger) return "unknown";
    const recording = this.record(() => this.ledger!.acknowledge(id, outcome));
    // The file store holds the acknowledgement already (its fsync still to come): the next hand-out is claimed now,
    // so that its record shares the fsync, and is sent once both are on disk.
    if (this.store.kind === "file") this.pump();
    const result = (await recording) ?? "unknown";
    this.schedulePump();
    return result;
  }

  /** A failure reported back (Catch node): permanent → dead letter now; transient → one attempt used, emitted again later. */
  async fail(id: string, reason: string, permanent: boolean): Promise<AckResult> {
    if (!this.ledger) return "unknown";
    const entry = await this.record(() => this.ledger!.failAttempt(id, reason, permanent));
    if (entry === undefined) return "unknown";
    if (entry === "unknown" || entry === "already-finished") return entry;
    if (entry.state === "dead") this.reportDead(entry.item.document, entry.reason ?? reason, entry.attempts);
    await this.refreshCounts();
    this.schedulePump();
    return "acknowledged";
  }

  /** False once close() began: reports that come later are not recorded (the items are handed out again). */
  get open(): boolean {
    return !this.closed;
  }

  counts(): WatchCounts {
    return { ...this.latestCounts, manifestsActive: this.manifestsActive };
  }

  private async refreshCounts(): Promise<void> {
    try {
      if (this.ledger) this.latestCounts = await this.ledger.counts();
    } catch (err) {
      if (!this.closed) this.storeFailed(err);
    }
  }

  /**
   * Records what downstream reported. The database is tried again until it answers; a journal write that fails (a
   * full disk, cut back) fails the acknowledgement with its error, so the message's `done` says so.
   */
  private async record<R>(operation: () => Promise<R>): Promise<R | undefined> {
    if (this.store.kind !== "file") return this.whileStoreFails(operation);
    try {
      return await operation();
    } catch (err) {
      const failure = this.ledger?.failure;
      if (failure) this.ledgerFailed(failure);
      throw err;
    }
  }

  /** Runs a state store operation until it succeeds, reporting failures; undefined when the watcher closed first. */
  private async whileStoreFails<R>(operation: () => Promise<R>): Promise<R | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      try {
        const result = await operation();
        this.storeRecovered();
        return result;
      } catch (err) {
        if (this.closed) return undefined;
        this.storeFailed(err);
        // A file ledger stopped by a disk fault stays stopped: nothing to wait for.
        if (this.ledger?.failure) throw err;
        await new Promise((resolve) => setTimeout(resolve, STORE_RETRY_MS));
      }
    }
  }

  /** A state store operation failed: a stopped file ledger (disk fault) is the end; anything else may pass. */
  private storeFailed(err: unknown): void {
    const failure = this.ledger?.failure;
    if (failure) return this.ledgerFailed(failure);
    const message = `state store (${this.store.kind}): ${(err as Error).message}`;
    if (message !== this.storeFailure?.message) this.events.warn(message);
    const { code, name } = err as { code?: unknown; name?: unknown };
    this.storeFailure = { message, code: String(code ?? name ?? "Error") };
    this.reportStatus();
  }

  private storeRecovered(): void {
    if (this.storeFailure === undefined) return;
    this.storeFailure = undefined;
    this.events.warn(`state store (${this.store.kind}) reachable again`);
    this.reportStatus();
  }

  /** Manifests seen and not settled yet: waiting to become stable, being expanded, or waiting for a retry. */
  pendingManifests(): number {
    return this.busy.size;
  }

  /** Dead-lettered communications, oldest first (see OutputWatchLedger.deadLetters). */
  async deadLetters(limit?: number): Promise<DeadLetterSummary[]> {
    return this.ledger ? this.ledger.deadLetters(limit) : [];
  }

  async deadLetterCount(): Promise<number> {
    return this.ledger ? (await this.ledger.counts()).dead : 0;
  }

  /**
   * Hands dead-lettered communications (all without ids) out again with all their attempts; returns those revived,
   * once their revival is recorded (on disk, or committed in the database).
   */
  async replayDeadLetters(ids?: string[]): Promise<string[]> {
    if (this.closed || !this.ledger) throw new Error("the watch is not running");
    const revived = await this.ledger.replayDeadLetters(ids);
    await this.refreshCounts();
    this.schedulePump();
    return revived;
  }

  /** Stops discovery, waits briefly for expansions, gives in-flight items back uncounted and closes the ledger. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.gate?.close();
    await this.scanner?.close();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.active]),
      new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(grace);
    try {
      await this.ledger?.releaseOwned();
    } catch (err) {
      this.events.warn(`state store (${this.store.kind}): ${(err as Error).message}`);
    }
    await this.store.close();
    this.phase = "closed";
  }

  // ————— hand-out —————

  private schedulePump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** One hand-out round at a time: a round asked for while one runs follows it. */
  private pump(): void {
    if (this.closed || !this.ledger || this.ledger.failure) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.handOut(this.ledger).finally(() => {
      this.pumping = undefined;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.schedulePump();
      }
    });
    this.track(this.pumping);
  }

  /**
   * One hand-out round: one claim (up to maxInFlight held by this owner); leases that ran out and, with a shared
   * store, the counts are looked at only every so often (each is a query of its own).
   */
  private async handOut(ledger: OutputWatchLedger): Promise<void> {
    const { options } = this;
    try {
      if (this.now() - this.lastExpiryAt >= this.tickMs / 2) {
        this.lastExpiryAt = this.now();
        for (const entry of await ledger.expireOverdue(options.ackTimeoutMs)) {
          if (entry.state === "dead") this.reportDead(entry.item.document, entry.reason ?? "", entry.attempts);
        }
      }
      if (this.closed) return;
      const taken = await ledger.takeDue(options.maxInFlight, options.retryDelayMs, options.ackTimeoutMs);
      const countsEveryMs = this.store.kind === "file" ? 0 : SHARED_COUNTS_MS;
      if (this.now() - this.lastCountsAt >= countsEveryMs) {
        this.lastCountsAt = this.now();
        this.latestCounts = await ledger.counts();
      } else {
        const { inFlight, backlog } = this.latestCounts;
        this.latestCounts = {
          ...this.latestCounts,
          inFlight: inFlight + taken.length,
          backlog: Math.max(0, backlog - taken.length),
        };
      }
      // Claimed while closing: close() gives them back.
      for (const entry of taken) {
        if (this.closed) return;
        this.events.emit(entry.item.document, entry.attempts);
        crashPoint("watch:hand-out");
      }
      this.storeRecovered();
    } catch (err) {
      if (this.closed) return;
      this.storeFailed(err);
    }
    if (this.now() - this.lastSweepAt >= SWEEP_INTERVAL_MS) {
      this.lastSweepAt = this.now();
      this.track(this.sweep());
    }
    this.reportStatus();
  }

  /** A disk fault stopped the ledger: nothing is handed out any more, the node says so. */
  private ledgerFailed(err: Error): void {
    if (this.phase === "ledger-failed") return;
    this.phase = "ledger-failed";
    this.events.stopped(err);
    this.reportStatus();
  }

  private reportDead(document: CommunicationDocument, reason: string, attempts: number): void {
    this.events.deadLetter({ kind: "communication", id: document.id, reason, attempts, document });
  }

  private reportStatus(): void {
    // A stopped ledger stays stopped whatever the root or the runtime does meanwhile.
    const phase = this.ledger?.failure
      ? "ledger-failed"
      : this.storeFailure !== undefined && this.phase !== "ledger-failed"
        ? "state-error"
        : this.phase;
    this.events.status(phase, this.counts(), phase === "state-error" ? this.storeFailure?.code : undefined);
  }

  // ————— folder mode —————

  private startFolder(): void {
    const { options } = this;
    this.gate = new StabilityGate(
      options.stabilityWindowMs,
      (file, snapshot) => this.onStable(file, snapshot),
      (file) => this.busy.delete(file),
    );
    this.scanner = new OutputFolderScanner({
      root: options.root,
      manifestName: options.manifestName,
      method: options.watchMethod,
      scanIntervalMs: options.scanIntervalMs,
      fullRescanIntervalMs: options.fullRescanIntervalMs,
      onManifest: (file) => void this.onManifestSeen(file),
      isSettled: (file, snapshot) => this.ledger!.isKnownSettled(manifestKey(file, snapshot.size, snapshot.mtimeMs)),
      onRootState: (reachable) => {
        this.phase = reachable ? "watching" : "root-missing";
        this.reportStatus();
      },
      onWarning: (message) => this.events.warn(message),
    });
    this.scanner.start();
  }

  private async onManifestSeen(file: string): Promise<void> {
    if (this.closed || this.busy.has(file)) return;
    this.busy.add(file);
    try {
      const snapshot = await snapshotOf(file).catch(() => undefined);
      // vanished between the event and the look: cleanup, not an error
      if (!snapshot || (await this.ledger!.isSettled(manifestKey(file, snapshot.size, snapshot.mtimeMs)))) {
        this.busy.delete(file);
        return;
      }
      this.gate?.observe(file);
    } catch (err) {
      this.storeFailed(err);
      this.retryLater(file, STORE_RETRY_MS);
    }
  }

  private onStable(file: string, snapshot: FileSnapshot): void {
    const key = manifestKey(file, snapshot.size, snapshot.mtimeMs);
    if (this.closed || this.ledger!.isKnownSettled(key)) {
      this.busy.delete(file);
      return;
    }
    const record: ManifestRecord = { path: file, size: snapshot.size, mtimeMs: snapshot.mtimeMs };
    const context: ExpansionContext = {
      root: this.options.root,
      grouping: this.options,
      // The engine writes the manifest last: its time is the run's, however late the watch reads it.
      identity: {
        ...runIdentityFromFolder(path.dirname(file), this.options.root),
        runDate: new Date(snapshot.mtimeMs).toISOString(),
      },
      workDir: this.workDirOf(key),
      ...this.missingFilePolicy(key),
      shouldStop: () => this.closed,
    };
    this.track(
      this.limiter.run(async () => {
        if (this.closed) return;
        // One replica expands a manifest version: the others leave it while the claim lasts.
        let claimed: boolean;
        try {
          claimed = await this.ledger!.claim(key, record, this.options.ackTimeoutMs);
        } catch (err) {
          this.storeFailed(err);
          return this.retryLater(file, STORE_RETRY_MS);
        }
        if (!claimed) {
          if (this.ledger!.isKnownSettled(key)) this.busy.delete(file);
          else this.retryLater(file, this.options.ackTimeoutMs);
          return;
        }
        const outcome = await this.expand(file, key, record, context);
        if (outcome === "done") this.busy.delete(file);
        else this.retryLater(file, outcome === "await-files" ? this.missingRetryDelay(key) : undefined);
      }),
    );
  }

  private retryLater(file: string, delayMs = Math.max(this.options.stabilityWindowMs, 10)): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.busy.delete(file);
      void this.onManifestSeen(file);
    }, delayMs);
    this.timers.add(timer);
  }

  /** While the grace period lasts, customers with missing files wait; afterwards they are refused. */
  private missingFilePolicy(key: string): Pick<ExpansionContext, "deferMissing" | "onlyCustomers"> {
    const awaited = this.awaited.get(key);
    const deferMissing = !awaited || this.now() - awaited.since < this.options.missingFileGraceMs;
    return { deferMissing, ...(awaited ? { onlyCustomers: awaited.customers } : {}) };
  }

  /** Doubling waits (from the stability window) that end with the grace period. */
  private missingRetryDelay(key: string): number {
    const awaited = this.awaited.get(key)!;
    const first = Math.max(this.options.stabilityWindowMs, 10);
    const doubling = Math.min(MAX_MISSING_RETRY_MS, first * 2 ** Math.min(awaited.retries++, 16));
    const left = awaited.since + this.options.missingFileGraceMs - this.now();
    return Math.max(10, Math.min(doubling, left));
  }

  private workDirOf(key: string): string {
    return workFolderOf(this.setup.ledgerDir, key);
  }

  /** Expands one manifest into the ledger; "retry" when it should be looked at again later. */
  private async expand(
    file: string,
    key: string,
    record: ManifestRecord,
    context: ExpansionContext,
  ): Promise<"done" | "retry" | "await-files"> {
    this.manifestsActive++;
    this.expanding.add(context.workDir);
    this.reportStatus();
    try {
      const found: CommunicationDocument[] = [];
      let step = 1;
      const recordFound = async () => {
        const batch = found.splice(0);
        if (batch.length > 0 && !this.closed && (await this.ledger!.addAll(batch)) > 0) this.schedulePump();
      };
      const result = await expandManifest(file, context, {
        communication: async (document) => {
          if (found.push(document) < step) return;
          step = Math.min(ADD_BATCH, step * 2);
          await recordFound();
        },
        refused: async (document, reason) => {
          if (this.closed) return;
          const entry = await this.ledger!.refuse(document, reason);
          if (entry) this.reportDead(document, reason, entry.attempts);
        },
      }).finally(recordFound);
      if (result.outcome === "expanded" && !this.closed && result.deferred.length > 0) {
        const awaited = this.awaited.get(key);
        if (awaited) awaited.customers = new Set(result.deferred);
        else this.awaited.set(key, { customers: new Set(result.deferred), since: this.now(), retries: 0 });
        return "await-files";
      }
      if (result.outcome === "expanded" && !this.closed) {
        await this.ledger!.settle(key, { ...record, customers: result.customers });
        this.parseFailures.delete(key);
      }
      this.awaited.delete(key);
      return "done";
    } catch (err) {
      if (this.closed) return "done";
      if (!(await exists(file))) return "done"; // the job folder was cleaned up: not an error
      if (err instanceof FileChangingError) return "retry"; // still being written after all: wait again
      const failures = (this.parseFailures.get(key) ?? 0) + 1;
      this.parseFailures.set(key, failures);
      const reason =
        err instanceof ManifestError ? err.message : `manifest could not be expanded: ${(err as Error).message}`;
      if (failures < this.options.manifestAttempts) return "retry";
      this.parseFailures.delete(key);
      const entry = await this.ledger!.deadLetterManifest(key, record, reason);
      if (entry) this.events.deadLetter({ kind: "manifest", id: key, reason, attempts: failures, manifest: record });
      return "done";
    } finally {
      // What the expansion recorded (backlog, refused) shows in counts() before the manifest counts as settled.
      await this.refreshCounts();
      this.manifestsActive--;
      this.expanding.delete(context.workDir);
      this.reportStatus();
    }
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err) => this.events.warn((err as Error).message));
    this.active.add(tracked);
    void tracked.finally(() => this.active.delete(tracked));
  }

  // ————— API mode —————

  private startApi(): void {
    const { client } = this.setup;
    if (!client) throw new Error("API mode needs an Exstream connection");
    const workRoot = path.join(this.setup.ledgerDir, "work");
    this.api = new ApiJobSource({
      client,
      workRoot,
      checkpointFile: path.join(this.setup.ledgerDir, "checkpoint.json"),
      manifestName: this.options.manifestName,
      startFrom: this.options.startFrom,
      isSettled: (key) => this.ledger!.isSettled(key),
      // The download's own record: the size and time of the manifest are known once it is on disk.
      claim: (key, manifestPath) =>
        this.ledger!.claim(key, { path: manifestPath, size: 0, mtimeMs: 0 }, this.options.ackTimeoutMs),
      shouldStop: () => this.closed,
      now: this.setup.now,
    });
    this.phase = "watching";
    const loop = async (): Promise<void> => {
      if (this.closed) return;
      const poll = this.pollApi(workRoot);
      this.track(poll);
      await poll.catch(() => undefined);
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void loop();
      }, this.options.pollIntervalMs);
      this.timers.add(timer);
    };
    void loop();
  }

  private async pollApi(workRoot: string): Promise<void> {
    try {
      await this.api!.poll((fetched) => this.expandFetched(fetched, workRoot));
      if (this.phase === "api-error") this.phase = "watching";
      await this.sweep();
    } catch (err) {
      if (this.closed) return;
      this.phase = "api-error";
      this.events.warn(`runtime poll failed: ${(err as Error).message}`);
    }
    this.reportStatus();
  }

  private async expandFetched(fetched: FetchedStep, workRoot: string): Promise<void> {
    const snapshot = await snapshotOf(fetched.manifestPath);
    const record: ManifestRecord = { path: fetched.manifestPath, size: snapshot.size, mtimeMs: snapshot.mtimeMs };
    // The download's time is ours, not the run's: the runtime's dates come first.
    const runDate = [fetched.job.endDate, fetched.step.endDate, fetched.job.startDate]
      .map(toEpochMs)
      .find((ms) => ms !== undefined && ms > 0);
    const identity = (engineName: string | undefined): RunIdentity => {
      const fromPath = engineName ? runIdentityFromEnginePath(engineName) : undefined;
      return {
        jobId: fetched.job.id,
        flowInstanceId: fetched.flowInstanceId,
        runId: fromPath?.runId ?? fetched.step.id,
        domain: fromPath?.domain ?? fetched.job.domainId ?? this.setup.client?.domain,
        ...(fromPath?.tenant ? { tenant: fromPath.tenant } : {}),
        runDate: new Date(runDate ?? snapshot.mtimeMs).toISOString(),
      };
    };
    // Downloaded files are all there or the step is fetched again: a missing one is refused at once.
    const context: ExpansionContext = {
      root: workRoot,
      grouping: this.options,
      identity,
      workDir: this.workDirOf(fetched.key),
      deferMissing: false,
      shouldStop: () => this.closed,
    };
    // A downloaded manifest is complete: a parse failure is permanent, so one attempt settles it.
    const key = fetched.key;
    const attempts = this.options.manifestAttempts;
    this.parseFailures.set(key, attempts - 1);
    // Claimed before the download (ApiJobSource): renewed, so the lease counts from here.
    await this.limiter.run(async () => {
      if (await this.ledger!.claim(key, record, this.options.ackTimeoutMs)) {
        await this.expand(fetched.manifestPath, key, record, context);
      }
    });
    // Unsettled (closing, an I/O failure, the claim lost meanwhile): the poll stops here and the checkpoint stays before this job.
    if (!(await this.ledger!.isSettled(key))) throw new Error(`flow step ${fetched.step.id} was not expanded`);
  }

  /** Removes working folders no replica needs any more (see work-folders.ts). */
  private async sweep(): Promise<void> {
    await sweepWorkFolders({
      ledgerDir: this.setup.ledgerDir,
      ledger: this.ledger!,
      leaseMs: this.options.ackTimeoutMs,
      // Manifests being expanded, or waiting for late files, may still hand their extracts out.
      inUse: () => [...this.expanding, ...[...this.awaited.keys()].map((key) => this.workDirOf(key))],
      stopped: () => this.closed,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
