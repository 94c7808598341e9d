/**
 * Finds delivery manifests below an output root: native change events (fs.watch, recursive) as a fast hint, and a
 * periodic full rescan as the guarantee (events are lost on network shares, on overflow and while the process is
 * down). The walk stops at every `output/` folder — the manifest sits directly in it — so a rescan costs one look per
 * engine run, not one per output file. Symlinked folders are not followed.
 */
import fs, { promises as fsp } from "node:fs";
import path from "node:path";
import type { WatchMethod } from "./options";

export interface FolderScannerOptions {
  root: string;
  manifestName: string;
  method: WatchMethod;
  scanIntervalMs: number;
  /** A manifest path was seen (possibly again); the caller de-duplicates. */
  onManifest: (manifestPath: string) => void;
  /** The root became reachable (true) or unreachable (false). */
  onRootState?: (reachable: boolean) => void;
  onWarning?: (message: string) => void;
}

/** Coalesces a burst of change events into one rescan. */
const EVENT_RESCAN_DEBOUNCE_MS = 100;

export class OutputFolderScanner {
  private watcher: fs.FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescanRequested = false;
  private rootReachable: boolean | undefined;
  private closed = false;

  constructor(private readonly options: FolderScannerOptions) {}

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
    this.watcher?.close();
    this.watcher = undefined;
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
      this.watcher?.close();
      this.watcher = undefined;
      return;
    }
    this.ensureWatcher();
    const stack = [root];
    while (stack.length > 0 && !this.closed) {
      const dir = stack.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Exstream's cleanup deletes whole job trees while we walk them: not an error.
        if (code !== "ENOENT" && code !== "ENOTDIR") this.options.onWarning?.(`cannot read ${dir}: ${code}`);
        continue;
      }
      const isOutput = path.basename(dir) === "output";
      for (const entry of entries) {
        if (entry.isFile() && entry.name === this.options.manifestName) {
          this.options.onManifest(path.join(dir, entry.name));
        } else if (entry.isDirectory() && !isOutput) {
          stack.push(path.join(dir, entry.name));
        }
      }
    }
  }

  private ensureWatcher(): void {
    if (this.options.method !== "events" || this.watcher || this.closed) return;
    try {
      this.watcher = fs.watch(this.options.root, { recursive: true, persistent: false }, (_event, filename) =>
        this.onEvent(filename ? String(filename) : undefined),
      );
      this.watcher.on("error", (err) => {
        // Typically the root vanished or the watch limit was hit: the periodic rescan carries on alone.
        this.options.onWarning?.(`change events stopped (${(err as NodeJS.ErrnoException).code ?? err.message})`);
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.options.onWarning?.(`change events unavailable (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }

  private onEvent(filename: string | undefined): void {
    if (this.closed) return;
    if (filename && path.basename(filename) === this.options.manifestName) {
      this.options.onManifest(path.join(this.options.root, filename));
      return;
    }
    // New folders (a new job) need a walk to be seen below them.
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescan(), EVENT_RESCAN_DEBOUNCE_MS);
  }

  private setRootState(reachable: boolean): void {
    if (this.rootReachable === reachable) return;
    this.rootReachable = reachable;
    this.options.onRootState?.(reachable);
  }
}
