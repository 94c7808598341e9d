import { DEFAULT_NAME_RULES } from "./names";
import type { ArchiverOptions, ExistsPolicy } from "./types";

const POLICIES: ExistsPolicy[] = ["version", "new", "skip", "fail"];
const DEFAULT_SETTLE_MS = 1000;
const MIN_NAME_LENGTH = 8;

/** An archive node's settings as saved (numbers may be text; blank means the default). */
export interface ArchiveSettings {
  existsPolicy?: string;
  maxNameLength?: string | number;
  category?: string;
  checksumAttribute?: string;
  replacement?: string;
  forbiddenCharacters?: string;
  verifyChecksum?: boolean;
  rmClassification?: string;
  hold?: string;
  ambiguousSettleMs?: string | number;
}

/** Saved settings → archiver options, with every problem of the settings (reported at deployment). */
export function archiverOptions(settings: ArchiveSettings): { options: ArchiverOptions; problems: string[] } {
  const problems: string[] = [];
  const policy = (settings.existsPolicy || "version") as ExistsPolicy;
  if (!POLICIES.includes(policy)) problems.push(`unknown policy "${policy}"`);
  const maxLength = numberOr(settings.maxNameLength, DEFAULT_NAME_RULES.maxLength);
  if (!Number.isInteger(maxLength) || maxLength < MIN_NAME_LENGTH || maxLength > DEFAULT_NAME_RULES.maxLength) {
    problems.push(`name length must be ${MIN_NAME_LENGTH}–${DEFAULT_NAME_RULES.maxLength}`);
  }
  const category = (settings.category ?? "").trim();
  const checksum = (settings.checksumAttribute ?? "").trim();
  if (checksum && !category) problems.push("the checksum attribute needs a category");
  const replacement = settings.replacement ?? DEFAULT_NAME_RULES.replacement;
  const forbidden = settings.forbiddenCharacters ?? DEFAULT_NAME_RULES.forbiddenCharacters;
  if ([...replacement].some((ch) => forbidden.includes(ch))) problems.push("the replacement is a forbidden character");
  const options: ArchiverOptions = {
    existsPolicy: policy,
    checksumAttribute: checksum && category ? { category, attribute: checksum } : undefined,
    verifyChecksum: settings.verifyChecksum === true,
    rmClassification: (settings.rmClassification ?? "").trim() || undefined,
    hold: (settings.hold ?? "").trim() || undefined,
    ambiguousSettleMs: numberOr(settings.ambiguousSettleMs, DEFAULT_SETTLE_MS),
    nameRules: { forbiddenCharacters: forbidden, replacement, maxLength },
  };
  return { options, problems };
}

function numberOr(value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === null || String(value).trim() === "") return fallback;
  return Number(value);
}
