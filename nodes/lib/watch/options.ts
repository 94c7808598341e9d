/**
 * Every option of the output watcher, declared once with its default. The node's editor defaults mirror this table
 * and the runtime validates the editor's strings through {@link parseOutputWatchOptions}.
 */

export type WatchSource = "folder" | "api";
/** `events`: fs.watch on each folder + periodic rescan; `poll`: periodic rescan only (network shares). */
export type WatchMethod = "events" | "poll";
/** One message per customer communication (all its channel files grouped), or one per output file. */
export type EmitUnit = "communication" | "file";

export interface OutputWatchOptions {
  source: WatchSource;
  /** Folder mode: the Exstream output root (…/<tenant>/<domain>/jobs/… lies below it). */
  root: string;
  watchMethod: WatchMethod;
  /**
   * Rescan interval in folder mode (also catches what fs.watch missed). A rescan reads only folders whose modification
   * time changed; see {@link OutputWatchOptions.fullRescanIntervalMs}.
   */
  scanIntervalMs: number;
  /** Every this often a rescan reads every folder again, trusting no modification time (coarse or skewed clocks). */
  fullRescanIntervalMs: number;
  /** A manifest (and a file) is read only after its size and mtime stayed unchanged this long. */
  stabilityWindowMs: number;
  manifestName: string;
  /**
   * A file the manifest names but the share does not show (yet) is looked for again this long before its communication
   * is dead-lettered (network shares make files visible late). 0 = dead-letter at once.
   */
  missingFileGraceMs: number;
  /** Parse attempts of a stable manifest before it is dead-lettered as a whole. */
  manifestAttempts: number;
  maxConcurrentManifests: number;
  emitPer: EmitUnit;
  /** Queue holding the primary rendition; blank = the first queue whose channel is print. */
  primaryQueue: string;
  /** Queue name → channel overrides, e.g. `Archive=print, Mail=email`. */
  channelMap: Record<string, string>;
  /** Report (dataFile or queue name) that is the delivery log; blank = the first whose name mentions "deliver". */
  deliveryLogReport: string;
  /** Emitted but not yet acknowledged communications, at most. */
  maxInFlight: number;
  /** An emitted communication not acknowledged within this time counts a failed attempt and is emitted again. */
  ackTimeoutMs: number;
  /** Emissions per communication before it is dead-lettered. */
  maxAttempts: number;
  /** Wait before a communication whose attempt failed (transiently) is emitted again. */
  retryDelayMs: number;
  /** Ledger folder; blank = <userDir>/exstream-xecm/<ledger name or node id>. */
  ledgerDir: string;
  /** Finished (acknowledged / dead) entries are remembered this long; keep it above Exstream's job retention. */
  retainFinishedMs: number;
  /** API mode: how often the runtime is asked for completed jobs. */
  pollIntervalMs: number;
  /** API mode without a checkpoint: `all` = every completed job the runtime still lists, `now` = only new ones. */
  startFrom: "all" | "now";
}

export const DEFAULT_OUTPUT_WATCH_OPTIONS: OutputWatchOptions = {
  source: "folder",
  root: "",
  watchMethod: "events",
  scanIntervalMs: 5_000,
  fullRescanIntervalMs: 15 * 60_000,
  stabilityWindowMs: 2_000,
  missingFileGraceMs: 2 * 60_000,
  manifestName: "_STDDELIVERYFILE.xml",
  manifestAttempts: 3,
  maxConcurrentManifests: 2,
  emitPer: "communication",
  primaryQueue: "",
  channelMap: {},
  deliveryLogReport: "",
  maxInFlight: 8,
  ackTimeoutMs: 10 * 60_000,
  maxAttempts: 5,
  retryDelayMs: 30_000,
  ledgerDir: "",
  retainFinishedMs: 30 * 24 * 60 * 60_000,
  pollIntervalMs: 30_000,
  startFrom: "all",
};

/** The editor's (string) values; anything missing takes its default. */
export type RawOutputWatchOptions = Partial<Record<keyof OutputWatchOptions | "retainDays", unknown>>;

export class OutputWatchOptionsError extends Error {
  override name = "OutputWatchOptionsError";
  constructor(readonly problems: string[]) {
    super(`invalid options: ${problems.join("; ")}`);
  }
}

const INTEGER_LIMITS: Partial<Record<keyof OutputWatchOptions, [number, number]>> = {
  scanIntervalMs: [10, 24 * 3_600_000],
  fullRescanIntervalMs: [10, 7 * 24 * 3_600_000],
  stabilityWindowMs: [0, 3_600_000],
  missingFileGraceMs: [0, 24 * 3_600_000],
  manifestAttempts: [1, 1000],
  maxConcurrentManifests: [1, 64],
  maxInFlight: [1, 100_000],
  ackTimeoutMs: [10, 7 * 24 * 3_600_000],
  maxAttempts: [1, 1000],
  retryDelayMs: [0, 24 * 3_600_000],
  pollIntervalMs: [10, 24 * 3_600_000],
};

/** Validates the editor's values; throws {@link OutputWatchOptionsError} listing every problem at once. */
export function parseOutputWatchOptions(raw: RawOutputWatchOptions): OutputWatchOptions {
  const problems: string[] = [];
  const options: OutputWatchOptions = { ...DEFAULT_OUTPUT_WATCH_OPTIONS, channelMap: {} };
  const text = (name: keyof OutputWatchOptions): string | undefined => {
    const value = raw[name];
    return value === undefined || value === null || String(value).trim() === "" ? undefined : String(value).trim();
  };
  const oneOf = <T extends string>(name: keyof OutputWatchOptions, allowed: readonly T[]): T | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(", ")}`);
    return undefined;
  };

  options.source = oneOf("source", ["folder", "api"] as const) ?? options.source;
  options.watchMethod = oneOf("watchMethod", ["events", "poll"] as const) ?? options.watchMethod;
  options.emitPer = oneOf("emitPer", ["communication", "file"] as const) ?? options.emitPer;
  options.startFrom = oneOf("startFrom", ["all", "now"] as const) ?? options.startFrom;
  options.root = text("root") ?? "";
  options.manifestName = text("manifestName") ?? options.manifestName;
  options.primaryQueue = text("primaryQueue") ?? "";
  options.deliveryLogReport = text("deliveryLogReport") ?? "";
  options.ledgerDir = text("ledgerDir") ?? "";

  for (const [name, [min, max]] of Object.entries(INTEGER_LIMITS) as Array<[keyof OutputWatchOptions, number[]]>) {
    const value = text(name);
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name} must be an integer from ${min} to ${max}`);
    else (options as unknown as Record<string, number>)[name] = n;
  }
  if (raw.retainDays !== undefined && String(raw.retainDays).trim() !== "") {
    const days = Number(raw.retainDays);
    if (!Number.isFinite(days) || days <= 0) problems.push("retainDays must be a positive number");
    else options.retainFinishedMs = Math.round(days * 24 * 60 * 60_000);
  }

  const map = raw.channelMap;
  if (map && typeof map === "object") {
    for (const [queue, channel] of Object.entries(map as Record<string, unknown>)) {
      options.channelMap[queue] = String(channel);
    }
  } else if (typeof map === "string" && map.trim() !== "") {
    for (const pair of map.split(/[,;\n]/)) {
      if (!pair.trim()) continue;
      const [queue, channel] = pair.split("=").map((s) => s?.trim());
      if (!queue || !channel) problems.push(`channelMap entry "${pair.trim()}" is not queue=channel`);
      else options.channelMap[queue] = channel;
    }
  }

  if (options.source === "folder" && !options.root) problems.push("root (the Exstream output folder) is required");
  if (/[/\\]/.test(options.manifestName)) problems.push("manifestName must be a file name");
  if (problems.length > 0) throw new OutputWatchOptionsError(problems);
  return options;
}
