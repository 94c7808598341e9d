/**
 * Finds delivery manifests below an output root: native change events as a fast hint, and a periodic rescan as the
 * guarantee (events are lost on network shares, on overflow and while the process is down). Events come from one
 * watch per folder the walk visits (never one per file, as a recursive fs.watch keeps on Linux: a backlog of 20,000
 * files would hold 20,000 watchers); the walk adds the watches of new folders and drops those of vanished ones.
 *
 * A rescan must stay cheap on trees of millions of files:
 *  - an `output/` folder is never listed (it may hold every file of a run): its manifest is looked at by name;
 *  - any other folder is listed only when its modification time changed since it was last listed (adding, removing
 *    or renaming an entry changes it), otherwise its remembered sub-folders are used;
 *  - a manifest already settled (expanded or dead-lettered in that size + mtime) is not reported again.
 * A folder whose mtime was still recent when it was listed is listed again (coarse timestamps on network shares), and
 * every `fullRescanIntervalMs` a rescan trusts no remembered listing at all. Symlinked folders are not followed.
 */
import fs, { promises as fsp } from "node:fs";
import path from "node:path";
import type { WatchMethod } from "./options";

export interface FolderScannerOptions {
  root: string;
  manifestName: string;
  method: WatchMethod;
  scanIntervalMs: number;
  /** Every this often a rescan lists every folder again. */
  fullRescanIntervalMs: number;
  /** A manifest path was seen (possibly again); the caller de-duplicates. */
  onManifest: (manifestPath: string) => void;
  /** Whether this version of a manifest needs no more looks (not reported then). */
  isSettled?: (manifestPath: string, snapshot: { size: number; mtimeMs: number }) => boolean;
  now?: () => number;
  /** The root became reachable (true) or unreachable (false). */
  onRootState?: (reachable: boolean) => void;
  onWarning?: (message: string) => void;
}

/** Coalesces a burst of change events into one rescan. */
const EVENT_RESCAN_DEBOUNCE_MS = 100;
/**
 * A folder listed less than this after its last change is listed again next time: an entry added within the same
 * timestamp tick (a second on some network shares) would not change the mtime we remembered.
 */
const MTIME_SETTLE_MS = 3_000;

/** What the last listing of a folder showed. */
interface Listing {
  mtimeMs: number;
  listedAt: number;
  subdirs: string[];
  hasManifest: boolean;
}

export class OutputFolderScanner {
  /** Watched folders, with the number of the walk that was running when each watch began. */
  private readonly watchers = new Map<string, { watcher: fs.FSWatcher; walk: number }>();
  private walks = 0;
  private watchLimitReported = false;
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescanRequested = false;
  private rootReachable: boolean | undefined;
  private closed = false;
  private readonly listings = new Map<string, Listing>();
  private lastFullRescanAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: FolderScannerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.interval = setInterval(() => void this.rescan(), this.options.scanIntervalMs);
    void this.rescan();
  }

  /** Walks the whole tree once; a call during a walk schedules exactly one more walk. */
  rescan(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.scanning) {
      this.rescanRequested = true;
      return this.scanning;
    }
    this.scanning = this.walkAll().finally(() => {
      this.scanning = undefined;
      if (this.rescanRequested && !this.closed) {
        this.rescanRequested = false;
        void this.rescan();
      }
    });
    return this.scanning;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    this.unwatchAll();
    await this.scanning?.catch(() => undefined);
  }

  private async walkAll(): Promise<void> {
    const root = this.options.root;
    let reachable: boolean;
    try {
      const stat = await fsp.stat(root);
      reachable = stat.isDirectory();
    } catch {
      reachable = false;
    }
    this.setRootState(reachable);
    if (!reachable) {
      this.unwatchAll();
      return;
    }
    if (this.now() - this.lastFullRescanAt >= this.options.fullRescanIntervalMs) {
      this.lastFullRescanAt = this.now();
      this.listings.clear();
    }
    const walk = ++this.walks;
    const visited = await this.walk(root);
    if (!this.closed) this.unwatchUnvisited(visited, walk);
  }

  /** Walks `start` and what lies below it; returns the folders it reached. */
  private async walk(start: string): Promise<Set<string>> {
    const stack = [start];
    const visited = new Set<string>();
    while (stack.length > 0 && !this.closed) {
      const dir = stack.pop()!;
      // Watched before it is looked at: nothing written after the look goes unnoticed.
      this.watch(dir);
      visited.add(dir);
      if (this.isOutputFolder(dir)) {
        await this.lookAtManifest(path.join(dir, this.options.manifestName));
        continue;
      }
      const listing = await this.listingOf(dir);
      if (!listing) {
        visited.delete(dir);
        this.unwatch(dir);
        continue;
      }
      if (listing.hasManifest) await this.lookAtManifest(path.join(dir, this.options.manifestName));
      for (const name of listing.subdirs) stack.push(path.join(dir, name));
    }
    return visited;
  }

  /** A folder an event named, walked when it is a folder (not a symlink) not watched yet. */
  private async walkNewFolder(entry: string): Promise<void> {
    if (this.watchers.has(entry)) return;
    const stat = await fsp.lstat(entry).catch(() => undefined);
    if (stat?.isDirectory()) await this.walk(entry);
  }

  /**
   * A run's output/ folder holds its files, not runs: only its manifest is looked at. The root is always walked,
   * whatever its name (installations often call the whole share "output").
   */
  private isOutputFolder(dir: string): boolean {
    return dir !== this.options.root && path.basename(dir) === "output";
  }

  /** The folder's remembered listing while its mtime says nothing changed; a fresh listing otherwise. */
  private async listingOf(dir: string): Promise<Listing | undefined> {
    try {
      const { mtimeMs } = await fsp.stat(dir);
      const known = this.listings.get(dir);
      if (known && known.mtimeMs === mtimeMs && known.listedAt - mtimeMs >= MTIME_SETTLE_MS) return known;
      const listedAt = this.now();
      const entries = await fsp.readdir(dir, { withFileTypes: true });
      const listing: Listing = {
        mtimeMs,
        listedAt,
        subdirs: entries.filter((e) => e.isDirectory()).map((e) => e.name),
        hasManifest: entries.some((e) => e.isFile() && e.name === this.options.manifestName),
      };
      this.listings.set(dir, listing);
      return listing;
    } catch (err) {
      this.forget(dir);
      const code = (err as NodeJS.ErrnoException).code;
      // Exstream's cleanup deletes whole job trees while we walk them: not an error.
      if (code !== "ENOENT" && code !== "ENOTDIR") this.options.onWarning?.(`cannot read ${dir}: ${code}`);
      return undefined;
    }
  }

  private forget(dir: string): void {
    const known = this.listings.get(dir);
    this.listings.delete(dir);
    for (const name of known?.subdirs ?? []) this.forget(path.join(dir, name));
  }

  private async lookAtManifest(file: string): Promise<void> {
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(file);
    } catch {
      return; // not there (yet), or gone: nothing to report
    }
    if (!stat.isFile() || this.closed) return;
    if (this.options.isSettled?.(file, { size: stat.size, mtimeMs: stat.mtimeMs })) return;
    this.options.onManifest(file);
  }

  /**
   * Folders a whole walk did not reach (vanished) lose their watch — not those an event showed while it ran (a new
   * folder may appear behind the walk).
   */
  private unwatchUnvisited(visited: Set<string>, walk: number): void {
    for (const [dir, watched] of this.watchers) if (watched.walk < walk && !visited.has(dir)) this.unwatch(dir);
  }

  private watch(dir: string): void {
    if (this.options.method !== "events" || this.watchers.has(dir) || this.closed) return;
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, filename) =>
        this.onEvent(dir, filename ? String(filename) : undefined),
      );
      // Typically the folder vanished: the next walk watches it again if it is back.
      watcher.on("error", () => this.unwatch(dir));
      this.watchers.set(dir, { watcher, walk: this.walks });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || this.watchLimitReported) return;
      // Typically the watch limit (ENOSPC): the periodic rescan finds what events would have told sooner.
      this.watchLimitReported = true;
      this.options.onWarning?.(`change events unavailable for ${dir} and maybe other folders (${code ?? err})`);
    }
  }

  private unwatch(dir: string): void {
    this.watchers.get(dir)?.watcher.close();
    this.watchers.delete(dir);
  }

  private unwatchAll(): void {
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private onEvent(dir: string, filename: string | undefined): void {
    if (this.closed) return;
    // The event names what changed: its folder is listed again even if its mtime did not move.
    this.listings.delete(dir);
    if (filename === this.options.manifestName) {
      this.options.onManifest(path.join(dir, filename));
      return;
    }
    // Files of a run change its output/ folder only; a new folder (a new job) needs a walk to be seen below it: at
    // once for the folder the event names, and a whole rescan for anything else that changed.
    if (this.isOutputFolder(dir)) return;
    if (filename) void this.walkNewFolder(path.join(dir, filename));
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescan(), EVENT_RESCAN_DEBOUNCE_MS);
  }

  private setRootState(reachable: boolean): void {
    if (this.rootReachable === reachable) return;
    this.rootReachable = reachable;
    this.options.onRootState?.(reachable);
  }
}
