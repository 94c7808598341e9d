/*
 * Variant selection: for a block name, the candidate whose rules best fit the customer's Language, Jurisdiction,
 * Segment and Product wins.
 *  - A rule value that differs from the customer's value excludes the candidate.
 *  - Per dimension: exact match 4 points, language primary-subtag match ("de" for a "de-AT" customer) 3, wildcard "*"
 *    1, dimension not targeted 0. Highest total wins, so exact beats wildcard and a block without rules is the fallback.
 *  - Ties: the earlier dimension's score decides (language, jurisdiction, segment, product), then the higher version,
 *    then the smaller id — the choice never depends on the order blocks were passed in.
 */
import type { BlockRules, ChosenBlock, EngineBlock, VariantSelection } from "./model";
import { formatValue, lookupField } from "./template";

export const RULE_DIMENSIONS = ["language", "jurisdiction", "segment", "product"] as const;
type Dimension = (typeof RULE_DIMENSIONS)[number];

/** The driver fields each rule dimension reads, in order of preference. */
const CUSTOMER_FIELDS: Record<Dimension, string[]> = {
  language: ["Language", "SYS_LanguageCustomer", "Locale"],
  jurisdiction: ["Jurisdiction"],
  segment: ["Segment"],
  product: ["Product"],
};

const SCORE_EXACT = 4;
const SCORE_LANGUAGE_PRIMARY = 3;
const SCORE_WILDCARD = 1;
const WILDCARD = "*";
export const STANDARD_VARIANT = "standard";

export type CustomerProfile = Record<Dimension, string>;

export function customerProfile(customer: Record<string, unknown>): CustomerProfile {
  const profile = {} as CustomerProfile;
  for (const dim of RULE_DIMENSIONS) {
    const field = CUSTOMER_FIELDS[dim].map((f) => formatValue(lookupField(customer, f)).trim()).find((v) => v !== "");
    profile[dim] = field ?? "";
  }
  return profile;
}

interface Scored {
  block: EngineBlock;
  total: number;
  perDimension: number[];
  matched: Dimension[];
}

function scoreDimension(dim: Dimension, rule: string | undefined, value: string): number | null {
  const wanted = (rule ?? "").trim().toLowerCase();
  if (wanted === "") return 0;
  if (wanted === WILDCARD) return SCORE_WILDCARD;
  const actual = value.toLowerCase().replace(/_/g, "-");
  if (actual === "") return null;
  const normalizedWanted = wanted.replace(/_/g, "-");
  if (normalizedWanted === actual) return SCORE_EXACT;
  if (dim === "language" && !normalizedWanted.includes("-") && actual.split("-")[0] === normalizedWanted) {
    return SCORE_LANGUAGE_PRIMARY;
  }
  return null;
}

function score(block: EngineBlock, profile: CustomerProfile): Scored | null {
  const perDimension: number[] = [];
  const matched: Dimension[] = [];
  for (const dim of RULE_DIMENSIONS) {
    const s = scoreDimension(dim, block.rules?.[dim], profile[dim]);
    if (s === null) return null;
    perDimension.push(s);
    if (s >= SCORE_LANGUAGE_PRIMARY) matched.push(dim);
  }
  return { block, total: perDimension.reduce((a, b) => a + b, 0), perDimension, matched };
}

function better(a: Scored, b: Scored): boolean {
  if (a.total !== b.total) return a.total > b.total;
  for (let i = 0; i < a.perDimension.length; i++) {
    if (a.perDimension[i] !== b.perDimension[i]) return a.perDimension[i] > b.perDimension[i];
  }
  if (a.block.version !== b.block.version) return a.block.version > b.block.version;
  return a.block.id < b.block.id;
}

/** The best-fitting candidate for this customer, or undefined when every candidate's rules exclude the customer. */
export function chooseBlock(
  candidates: readonly EngineBlock[],
  profile: CustomerProfile,
): { block: EngineBlock; chosen: ChosenBlock } | undefined {
  let best: Scored | undefined;
  for (const candidate of candidates) {
    const s = score(candidate, profile);
    if (s && (!best || better(s, best))) best = s;
  }
  if (!best) return undefined;
  const { block } = best;
  return {
    block,
    chosen: {
      name: block.name,
      id: block.id,
      version: block.version,
      type: block.type,
      ...(block.rules ? { rules: { ...block.rules } } : {}),
      matched: best.matched,
    },
  };
}

/** Groups blocks by name (case-insensitive, trimmed) once per render so each reference is a map lookup. */
export function indexBlocksByName(blocks: readonly EngineBlock[]): Map<string, EngineBlock[]> {
  const index = new Map<string, EngineBlock[]>();
  for (const block of blocks) {
    const key = blockKey(block.name);
    const list = index.get(key);
    if (list) list.push(block);
    else index.set(key, [block]);
  }
  return index;
}

export function blockKey(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The readable variant id: for each dimension (language, jurisdiction, segment, product) that at least one chosen
 * block matched exactly, the matched value — e.g. "de-AT-retail"; "standard" when only fallback/wildcard content was
 * used. It names the content the customer actually got, so two customers with the same id received the same variant.
 */
export function describeVariant(profile: CustomerProfile, chosen: ChosenBlock[], missing: string[]): VariantSelection {
  const parts: string[] = [];
  const values: CustomerProfile = { language: "", jurisdiction: "", segment: "", product: "" };
  for (const dim of RULE_DIMENSIONS) {
    let value = "";
    for (const c of chosen) {
      if (!c.matched.includes(dim)) continue;
      const rule = ruleValue(c.rules, dim);
      if (rule.length > value.length) value = rule;
    }
    if (value === "") continue;
    values[dim] = value;
    parts.push(dim === "language" ? normalizeLanguageTag(value) : value.replace(/[^\p{L}\p{N}._]+/gu, "_"));
  }
  return {
    id: parts.length > 0 ? parts.join("-") : STANDARD_VARIANT,
    language: profile.language,
    jurisdiction: profile.jurisdiction,
    segment: profile.segment,
    product: profile.product,
    blocks: chosen,
    missing,
  };
}

function ruleValue(rules: BlockRules | undefined, dim: Dimension): string {
  return (rules?.[dim] ?? "").trim();
}

/** "de_at" / "DE-at" → "de-AT"; script subtags keep title case ("sr-Latn-RS"). */
export function normalizeLanguageTag(tag: string): string {
  return tag
    .trim()
    .split(/[-_]/)
    .filter((p) => p !== "")
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 2) return part.toUpperCase();
      if (part.length === 4) return part[0].toUpperCase() + part.slice(1).toLowerCase();
      return part.toLowerCase();
    })
    .join("-");
}
