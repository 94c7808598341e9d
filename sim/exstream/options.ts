import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SimulatorFlags } from "../types";
import type { ContentVersionsSeparator, DeliveryStatusStyle } from "./engine-port";
import type { FaultSpec } from "./faults";

/** Everything the simulator can be told on the command line (`--name value`) or programmatically. */
export interface ExstreamSimOptions {
  port: number;
  host: string;
  /** Root of the output tree: <output>/<tenant>/<domain>/jobs/… */
  outputRoot: string;
  /** Whether the output root is a temp dir the simulator created (removed on close). */
  outputRootIsTemp: boolean;
  /** Where the design store and the jobs persist (--data); in memory only when absent. */
  dataDir?: string;
  seed: string;
  tokenLifetimeSeconds: number;
  /** Further OTDS token path templates (`--token-path`, comma-separated), e.g. `/otds/otdsws/otdstenant/{tenant}/oauth2/token`. */
  tokenPaths: string[];
  jobDelayMs: number;
  writeMode: "atomic" | "slow";
  chunkDelayMs?: number;
  /** Separator of the ContentVersions key's items (designer-defined in a real installation). */
  contentVersionsSeparator: ContentVersionsSeparator;
  /** Words of the delivery log: final outcomes, or what a log written at hand-off says (queued, sent, failed). */
  deliveryStatuses: DeliveryStatusStyle;
  retentionMs: number;
  cleanupIntervalMs: number;
  faults: FaultSpec[];
  /** Wire behaviours where the evidence allows more than one reading; mutable at run time (tests, /sim/settings). */
  protocol: ProtocolSettings;
}

/**
 * csrf: HTTP input channels (batch, named on-demand) require the CSRF cookie the help documents ("required") or not
 * ("off"); dates: runtime dates as epoch ms (a real server's responses) or ISO date-time (the specs' type);
 * filterSyntax: runtime filters read from `filter=k:v;…` (the spec's description), `filter.k=v` (its schema) or both;
 * a server of one syntax answers 400 to a `filter=` it cannot read and ignores `filter.k` parameters.
 */
export interface ProtocolSettings {
  csrf: "required" | "off";
  csrfCookie: string;
  dates: "epoch" | "iso";
  filterSyntax: "both" | "semicolon" | "object";
}

export const DEFAULT_CSRF_COOKIE = "csrfToken";

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 900;
export const DEFAULT_JOB_DELAY_MS = 500;
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_CLEANUP_INTERVAL_MS = 60 * 1000;

function str(flags: SimulatorFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function oneOf<T extends string>(flags: SimulatorFlags, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(flags, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${name} must be ${allowed.join(" or ")}`);
  return raw as T;
}

function num(flags: SimulatorFlags, name: string, fallback: number): number {
  const raw = str(flags, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${raw}"`);
  return n;
}

/**
 * Flags: --port (0/missing = ephemeral) --host --output --seed demo|empty --token-lifetime <s> --token-path <templates>
 * --job-delay-ms --write-mode atomic|slow --chunk-delay-ms --content-versions-separator semicolon|comma
 * --delivery-statuses final|transmission --retention-ms --cleanup-interval-ms, and faults:
 * --fault-status <4xx|5xx> [--fault-path <text>] [--fault-times n] · --fail-rate <0..1> · --slow-engine-ms <ms> ·
 * --job-error <message> [--job-error-times n]; wire readings: --csrf required|off [--csrf-cookie name]
 * --dates epoch|iso --filter-syntax both|semicolon|object. --data <dir>: the design store (design.json) and the
 * Orchestration jobs (jobs.json) persist there, output trees in <dir>/output unless --output says otherwise.
 */
export function optionsFromFlags(flags: SimulatorFlags): ExstreamSimOptions {
  const data = str(flags, "data");
  // persisted jobs need their output trees after a restart: without --output they live in <data>/output
  const output = str(flags, "output") ?? (data ? path.join(data, "output") : undefined);
  const writeMode = str(flags, "write-mode") ?? "atomic";
  if (writeMode !== "atomic" && writeMode !== "slow") throw new Error(`--write-mode must be atomic or slow`);
  const separator = str(flags, "content-versions-separator") ?? "semicolon";
  const separators: Record<string, ContentVersionsSeparator> = { semicolon: ";", ";": ";", comma: ",", ",": "," };
  if (!separators[separator]) throw new Error(`--content-versions-separator must be semicolon or comma`);
  const deliveryStatuses = str(flags, "delivery-statuses") ?? "final";
  if (deliveryStatuses !== "final" && deliveryStatuses !== "transmission") {
    throw new Error(`--delivery-statuses must be final or transmission`);
  }
  const faults: FaultSpec[] = [];
  const faultStatus = str(flags, "fault-status");
  if (faultStatus) {
    const times = str(flags, "fault-times");
    faults.push({
      type: "http",
      status: Number(faultStatus),
      path: str(flags, "fault-path"),
      times: times ? Number(times) : undefined,
    });
  }
  if (str(flags, "fail-rate")) faults.push({ type: "fail-rate", rate: num(flags, "fail-rate", 0) });
  if (str(flags, "slow-engine-ms")) faults.push({ type: "slow-engine", delayMs: num(flags, "slow-engine-ms", 0) });
  const jobError = str(flags, "job-error");
  if (jobError) {
    const times = str(flags, "job-error-times");
    faults.push({ type: "job-error", message: jobError, times: times ? Number(times) : undefined });
  }
  const protocol: ProtocolSettings = {
    csrf: oneOf(flags, "csrf", ["required", "off"], "required"),
    csrfCookie: str(flags, "csrf-cookie") ?? DEFAULT_CSRF_COOKIE,
    dates: oneOf(flags, "dates", ["epoch", "iso"], "epoch"),
    filterSyntax: oneOf(flags, "filter-syntax", ["both", "semicolon", "object"], "both"),
  };
  return {
    port: num(flags, "port", 0),
    host: str(flags, "host") ?? "127.0.0.1",
    outputRoot: output ? path.resolve(output) : mkdtempSync(path.join(os.tmpdir(), "exstream-sim-")),
    outputRootIsTemp: !output,
    dataDir: data ? path.resolve(data) : undefined,
    seed: str(flags, "seed") ?? "demo",
    tokenLifetimeSeconds: num(flags, "token-lifetime", DEFAULT_TOKEN_LIFETIME_SECONDS),
    tokenPaths: tokenPaths(str(flags, "token-path")),
    jobDelayMs: num(flags, "job-delay-ms", DEFAULT_JOB_DELAY_MS),
    writeMode,
    chunkDelayMs: str(flags, "chunk-delay-ms") ? num(flags, "chunk-delay-ms", 25) : undefined,
    contentVersionsSeparator: separators[separator],
    deliveryStatuses,
    retentionMs: num(flags, "retention-ms", DEFAULT_RETENTION_MS),
    cleanupIntervalMs: num(flags, "cleanup-interval-ms", DEFAULT_CLEANUP_INTERVAL_MS),
    faults,
    protocol,
  };
}

function tokenPaths(raw: string | undefined): string[] {
  const paths = (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of paths) if (!p.startsWith("/")) throw new Error(`--token-path must start with "/", got "${p}"`);
  return paths;
}
