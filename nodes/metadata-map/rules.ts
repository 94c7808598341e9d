import { timeZoneProblem, type DateOrder, type MappingRule } from "../lib/mapping";
import type { MetadataMapProperties, RuleConfig } from "./types";

const TYPES = new Set(["string", "integer", "real", "date", "boolean"]);

/** Rule table → engine rules; problems of the configuration itself (reported at deploy). */
export function toMappingRules(config: MetadataMapProperties): { rules: MappingRule[]; problems: string[] } {
  const problems: string[] = [];
  const seen = new Set<string>();
  const dateOrder =
    config.dateOrder === "DMY" || config.dateOrder === "MDY" ? (config.dateOrder as DateOrder) : undefined;
  const timeZone = (config.timeZone ?? "").trim() || undefined;
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem) problems.push(zoneProblem);
  const rules = (Array.isArray(config.rules) ? config.rules : []).map((row: RuleConfig, index) => {
    const attribute = String(row.target ?? "").trim();
    if (!attribute) problems.push(`rule ${index + 1}: no target`);
    else if (seen.has(attribute.toLowerCase())) problems.push(`rule ${index + 1}: "${attribute}" is mapped twice`);
    seen.add(attribute.toLowerCase());
    if (row.type && !TYPES.has(row.type)) problems.push(`rule ${index + 1}: unknown type "${row.type}"`);
    const maxLength = row.maxLength === undefined || row.maxLength === "" ? undefined : Number(row.maxLength);
    if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) {
      problems.push(`rule ${index + 1}: max length must be a positive whole number`);
    }
    const validValues = (row.validValues ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    const rule: MappingRule = {
      attribute,
      type: row.type ? row.type : undefined,
      // Unchecked boxes leave the decision to the live definition.
      multiValue: row.multi ? true : undefined,
      required: row.required ? true : undefined,
      defaultValue: row.default === undefined || row.default === "" ? undefined : row.default,
      maxLength,
      validValues: validValues.length ? validValues : undefined,
      dateOrder,
      timeZone,
      truncate: config.truncate === true,
    };
    return rule;
  });
  if (rules.length === 0) problems.push("the rule table is empty");
  return { rules, problems };
}
