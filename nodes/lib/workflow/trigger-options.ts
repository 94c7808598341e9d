import path from "node:path";
import { splitList } from "./maps";

/** The workflow trigger's options, parsed and defaulted. */
export interface TriggerOptions {
  mode: "poll" | "callback";
  maps: string[];
  steps: string[];
  mapFolderId?: number;
  /** A task whose map the filter cannot identify: held with a warning (default) or emitted. */
  unidentifiedMaps: "hold" | "emit";
  pollIntervalMs: number;
  /** A task still assigned this long after it was emitted is emitted again. */
  reemitAfterMs: number;
  maxInFlight: number;
  /** 0 = unlimited. */
  maxEmissions: number;
  /** Stream attachment content into this folder (none = ids and names only). */
  downloadDir?: string;
  callbackPath: string;
  callbackAuth: "secret" | "hmac";
  callbackHeader: string;
}

type Texts = "mode" | "maps" | "steps" | "unidentifiedMaps" | "downloadDir" | "callbackPath" | "callbackAuth";
type Numbers = "mapFolderId" | "pollIntervalMs" | "reemitAfterMs" | "maxInFlight" | "maxEmissions";
/** The options as the editor stores them: strings (or numbers), blank = default. */
export type RawTriggerOptions = Partial<
  Record<Texts | "callbackHeader", string> & Record<Numbers, string | number> & { downloadContent: boolean }
>;

export const TRIGGER_DEFAULTS = {
  pollIntervalMs: 30_000,
  reemitAfterMs: 60 * 60 * 1000,
  maxInFlight: 10,
  maxEmissions: 0,
  callbackPath: "/cs-workflow",
  hmacHeader: "x-signature",
  secretHeader: "x-callback-secret",
};

/** Checks and defaults the options; downloads go below `userDir` unless a folder is given. */
export function parseTriggerOptions(raw: RawTriggerOptions, userDir: string): TriggerOptions {
  const number = (value: string | number | undefined, fallback: number, name: string, min: number): number => {
    if (value === undefined || value === "") return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`cs-workflow-trigger: invalid ${name} "${value}"`);
    return parsed;
  };
  const callbackAuth = raw.callbackAuth === "secret" ? "secret" : "hmac";
  let callbackPath = (raw.callbackPath ?? "").trim() || TRIGGER_DEFAULTS.callbackPath;
  if (!callbackPath.startsWith("/")) callbackPath = `/${callbackPath}`;
  return {
    mode: raw.mode === "callback" ? "callback" : "poll",
    maps: splitList(raw.maps),
    steps: splitList(raw.steps),
    mapFolderId: raw.mapFolderId ? number(raw.mapFolderId, 0, "map folder id", 1) : undefined,
    pollIntervalMs: number(raw.pollIntervalMs, TRIGGER_DEFAULTS.pollIntervalMs, "poll interval", 10),
    reemitAfterMs: number(raw.reemitAfterMs, TRIGGER_DEFAULTS.reemitAfterMs, "re-emit timeout", 1),
    maxInFlight: number(raw.maxInFlight, TRIGGER_DEFAULTS.maxInFlight, "max in flight", 1),
    maxEmissions: number(raw.maxEmissions, TRIGGER_DEFAULTS.maxEmissions, "max emissions", 0),
    downloadDir: raw.downloadContent
      ? path.resolve(raw.downloadDir?.trim() || path.join(userDir, "cs-workflow-trigger", "attachments"))
      : undefined,
    callbackPath,
    callbackAuth,
    unidentifiedMaps: raw.unidentifiedMaps === "emit" ? "emit" : "hold",
    callbackHeader:
      (raw.callbackHeader ?? "").trim() ||
      (callbackAuth === "hmac" ? TRIGGER_DEFAULTS.hmacHeader : TRIGGER_DEFAULTS.secretHeader),
  };
}
