import { toContentServerDate } from "./dates";
import { MappingError, type MappingProblem } from "./errors";
import type { AttributeDefinition, AttributeValue, AttributeValueType, MappingResult, MappingRule } from "./types";

type Scalar = string | number | boolean;
type Converted = { value: Scalar } | { problem: string };

const TRUE_WORDS = new Set(["true", "yes", "y", "1", "ja", "j", "on"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0", "nein", "off"]);

/**
 * Applies a rule table to one message. `valueOf` reads a rule's source (manifest key, msg property, expression,
 * constant); `definitionOf` gives the live category definition of a target attribute by name, when the target is a
 * Content Server category. Every problem is collected and thrown together as one MappingError.
 */
export function mapAttributes(
  rules: MappingRule[],
  valueOf: (rule: MappingRule) => unknown,
  definitionOf?: (attribute: string) => AttributeDefinition | undefined,
): MappingResult {
  const result: MappingResult = { metadata: {}, categories: {} };
  const problems: MappingProblem[] = [];
  for (const rule of rules) {
    const definition = definitionOf?.(rule.attribute);
    if (definitionOf && !definition) {
      problems.push({ attribute: rule.attribute, problem: "no such attribute in the category definition" });
      continue;
    }
    const outcome = mapOne(rule, definition, valueOf);
    if ("problem" in outcome) {
      problems.push({ attribute: rule.attribute, problem: outcome.problem });
    } else if (outcome.value !== undefined) {
      result.metadata[rule.attribute] = outcome.value;
      if (definition) result.categories[definition.key] = outcome.value;
    }
  }
  if (problems.length) throw new MappingError(problems);
  return result;
}

function mapOne(
  rule: MappingRule,
  definition: AttributeDefinition | undefined,
  valueOf: (rule: MappingRule) => unknown,
): { value: AttributeValue | undefined } | { problem: string } {
  let raw: unknown;
  try {
    raw = valueOf(rule);
  } catch (err) {
    return { problem: `source could not be read: ${(err as Error).message}` };
  }
  if (isEmpty(raw)) raw = rule.defaultValue;
  if (isEmpty(raw)) {
    return (rule.required ?? definition?.required)
      ? { problem: "required, but no value and no default" }
      : { value: undefined };
  }
  const multiValue = rule.multiValue ?? definition?.multiValue ?? false;
  const values = Array.isArray(raw) ? raw.filter((v) => !isEmpty(v)) : [raw];
  if (!multiValue && values.length > 1) return { problem: `${values.length} values for a single-value attribute` };

  const converted: Scalar[] = [];
  for (const value of values) {
    const one = convert(value, rule, definition);
    if ("problem" in one) return one;
    converted.push(one.value);
  }
  return { value: multiValue ? converted : converted[0] };
}

function convert(value: unknown, rule: MappingRule, definition: AttributeDefinition | undefined): Converted {
  const type: AttributeValueType = rule.type ?? definition?.type ?? "string";
  const converted = convertType(value, type, rule);
  if ("problem" in converted) return converted;
  let result = converted.value;

  const maxLength = rule.maxLength ?? definition?.maxLength;
  if (typeof result === "string" && maxLength !== undefined && [...result].length > maxLength) {
    if (!rule.truncate) return { problem: `"${result}" is longer than ${maxLength} characters` };
    result = [...result].slice(0, maxLength).join("");
  }
  const validValues = rule.validValues ?? definition?.validValues;
  if (validValues?.length && !validValues.includes(String(result))) {
    return { problem: `"${String(result)}" is not one of ${validValues.map((v) => `"${v}"`).join(", ")}` };
  }
  return { value: result };
}

function convertType(value: unknown, type: AttributeValueType, rule: MappingRule): Converted {
  switch (type) {
    case "date":
      return toContentServerDate(value, { order: rule.dateOrder, timeZone: rule.timeZone });
    case "integer": {
      const number = typeof value === "number" ? value : /^\s*[-+]?\d+\s*$/.test(String(value)) ? Number(value) : NaN;
      return Number.isSafeInteger(number) ? { value: number } : { problem: `"${String(value)}" is not an integer` };
    }
    case "real": {
      const number =
        typeof value === "number"
          ? value
          : Number(
              String(value)
                .trim()
                .replace(/^(-?\d+),(\d+)$/, "$1.$2"),
            );
      return typeof value !== "boolean" && String(value).trim() !== "" && Number.isFinite(number)
        ? { value: number }
        : { problem: `"${String(value)}" is not a number` };
    }
    case "boolean": {
      if (typeof value === "boolean") return { value };
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: true };
      if (FALSE_WORDS.has(word)) return { value: false };
      return { problem: `"${String(value)}" is not a yes/no value` };
    }
    default:
      if (typeof value === "object") return { problem: "an object cannot be stored as text" };
      return { value: String(value) };
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}
