import { mapAttributes, type AttributeValue, type MappingRule } from "../mapping";
import type { CategoryAttributes } from "./category-attributes";

/** One rule with where its value comes from. */
export interface RuleInput<M> {
  rule: MappingRule;
  read(msg: M): Promise<unknown>;
  /** Splits a text value into several values, e.g. ";". */
  separator?: string;
}

export interface MappedMetadata {
  /** Values by attribute name (or target property in driver mode). */
  metadata: Record<string, AttributeValue>;
  /** Category mode: the values by resolved key, `{catId}_{attrId}`, of the category `id`. */
  category?: { id: number; values: Record<string, AttributeValue> };
}

/**
 * Maps one message: every rule's value is read at once (a failed read is that rule's problem), split by its
 * separator, then checked and converted — against the category's attributes when `attributes` is given. Every
 * problem of the message is thrown together as one MappingError.
 */
export async function mapMetadata<M>(
  inputs: Array<RuleInput<M>>,
  msg: M,
  attributes?: CategoryAttributes,
): Promise<MappedMetadata> {
  const reads = await Promise.all(
    inputs.map(async (input): Promise<{ value: unknown } | { error: Error }> => {
      try {
        return { value: await input.read(msg) };
      } catch (err) {
        return { error: err as Error };
      }
    }),
  );
  const values = new Map(inputs.map((input, i) => [input.rule, { ...reads[i], separator: input.separator }]));
  const valueOf = (rule: MappingRule) => {
    const read = values.get(rule)!;
    if ("error" in read) throw read.error;
    return read.separator && typeof read.value === "string"
      ? read.value.split(read.separator).map((v) => v.trim())
      : read.value;
  };
  const rules = inputs.map((input) => input.rule);
  if (!attributes) return { metadata: mapAttributes(rules, valueOf).metadata };
  const { lookup, categoryId } = await attributes(rules);
  const result = mapAttributes(rules, valueOf, lookup);
  return { metadata: result.metadata, category: { id: categoryId, values: result.categories } };
}

/** `categories` (msg.categories) with `values` added to category `id`, keeping what was there. */
export function withCategory(
  categories: unknown,
  id: number,
  values: Record<string, AttributeValue>,
): Record<string, Record<string, unknown>> {
  const all = isRecord(categories) ? (categories as Record<string, Record<string, unknown>>) : {};
  const before = isRecord(all[id]) ? all[id] : {};
  return { ...all, [id]: { ...before, ...values } };
}

/** `values` added to what a message property held, when it held an object. */
export function withValues(previous: unknown, values: Record<string, AttributeValue>): Record<string, unknown> {
  return { ...(isRecord(previous) ? previous : {}), ...values };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}
