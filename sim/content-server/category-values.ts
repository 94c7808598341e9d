import { badRequest } from "./errors";
import type { AppliedCategory, AttributeDefinition, AttributeValue, CategoryDefinition } from "./model";
import { newToken } from "./store";

type Scalar = string | number | boolean | null;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function normalizeScalar(category: CategoryDefinition, attr: AttributeDefinition, raw: unknown): Scalar {
  if (raw === null || raw === undefined || raw === "") return null;
  const where = `attribute '${attr.name}' of category '${category.name}'`;
  switch (attr.type) {
    case "Integer":
    case "User": {
      const n = typeof raw === "number" ? raw : Number(String(raw).trim());
      if (!Number.isInteger(n)) throw badRequest(`Invalid integer value '${String(raw)}' for ${where}.`);
      return n;
    }
    case "Boolean": {
      if (raw === true || raw === "true" || raw === "1" || raw === 1) return true;
      if (raw === false || raw === "false" || raw === "0" || raw === 0) return false;
      throw badRequest(`Invalid boolean value '${String(raw)}' for ${where}.`);
    }
    case "Date": {
      const match = DATE_PATTERN.exec(String(raw).trim());
      if (!match || Number.isNaN(Date.parse(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`))) {
        throw badRequest(`Invalid date value '${String(raw)}' for ${where}.`);
      }
      return `${match[1]}-${match[2]}-${match[3]}T${match[4] ?? "00"}:${match[5] ?? "00"}:${match[6] ?? "00"}`;
    }
    default: {
      if (typeof raw === "object") throw badRequest(`Invalid value for ${where}.`);
      const text = String(raw);
      if (attr.maxLength !== undefined && text.length > attr.maxLength) {
        throw badRequest(`The value for ${where} exceeds the maximum length of ${attr.maxLength}.`);
      }
      if (attr.validValues?.length && !attr.validValues.includes(text)) {
        throw badRequest(`'${text}' is not a valid value for ${where}.`);
      }
      return text;
    }
  }
}

function normalizeValue(category: CategoryDefinition, attr: AttributeDefinition, raw: unknown): AttributeValue {
  if (!attr.multiValue) {
    if (Array.isArray(raw)) {
      if (raw.length > 1) throw badRequest(`Attribute '${attr.name}' of category '${category.name}' takes one value.`);
      return normalizeScalar(category, attr, raw[0]);
    }
    return normalizeScalar(category, attr, raw);
  }
  const list = Array.isArray(raw) ? raw : raw === null || raw === undefined || raw === "" ? [] : [raw];
  const max = attr.maxValues ?? 50;
  if (list.length > max) {
    throw badRequest(`Attribute '${attr.name}' of category '${category.name}' takes at most ${max} values.`);
  }
  return list.map((v) => normalizeScalar(category, attr, v));
}

function isEmpty(value: AttributeValue | undefined): boolean {
  if (value === null || value === undefined || value === "") return true;
  return Array.isArray(value) && value.every((v) => v === null || v === "");
}

function setRows(category: CategoryDefinition, set: AttributeDefinition, values: Record<string, AttributeValue>) {
  const prefix = `${category.id}_${set.id}_`;
  const rows = new Set<number>();
  for (const key of Object.keys(values)) {
    if (!key.startsWith(prefix)) continue;
    const row = Number(key.slice(prefix.length).split("_")[0]);
    if (Number.isInteger(row) && row > 0) rows.add(row);
  }
  return [...rows].sort((a, b) => a - b);
}

/** Keys and empty values of a freshly applied category (sets get one row). */
export function defaultValues(category: CategoryDefinition): Record<string, AttributeValue> {
  const values: Record<string, AttributeValue> = {};
  for (const attr of category.attributes) {
    if (attr.type === "Set") {
      for (const child of attr.attributes ?? []) {
        values[`${category.id}_${attr.id}_1_${child.id}`] = child.multiValue ? [] : null;
      }
    } else {
      values[`${category.id}_${attr.id}`] = attr.multiValue ? [] : null;
    }
  }
  return values;
}

/**
 * Merges attribute input (`{cat}_{attr}`, `{cat}_{set}_{row}_{attr}`, `{cat}_{set}_{row}: ""` to drop a row) into a
 * category's values and enforces the definition: types, lengths, valid values, multi-value limits, required fields.
 * Keys of other categories are refused, as CS refuses them on update.
 */
export function mergeValues(
  category: CategoryDefinition,
  current: Record<string, AttributeValue> | undefined,
  input: Record<string, unknown>,
): Record<string, AttributeValue> {
  const values: Record<string, AttributeValue> = { ...(current ?? defaultValues(category)) };
  const byId = new Map(category.attributes.map((a) => [a.id, a]));
  for (const [key, raw] of Object.entries(input)) {
    const parts = key.split("_");
    if (parts[0] !== String(category.id) || parts.some((p) => !/^\d+$/.test(p))) {
      throw badRequest(
        `Category ID '${category.id}' was specified for Categories Update, but a non-matching attribute ('${key}') was found.`,
      );
    }
    const ids = parts.slice(1).map(Number);
    if (ids.length === 1 && ids[0] === 1) continue;
    const attr = byId.get(ids[0]);
    if (!attr) throw badRequest(`Attribute '${key}' does not exist in category '${category.name}'.`);
    if (attr.type !== "Set") {
      if (ids.length !== 1) throw badRequest(`Attribute '${key}' does not exist in category '${category.name}'.`);
      values[key] = normalizeValue(category, attr, raw);
      continue;
    }
    const row = ids[1];
    if (row === undefined || row < 1) throw badRequest(`Invalid set row in '${key}'.`);
    if (row > (attr.maxValues ?? 1)) {
      throw badRequest(`Set '${attr.name}' of category '${category.name}' has at most ${attr.maxValues ?? 1} rows.`);
    }
    if (ids.length === 2) {
      if (raw !== "" && raw !== null) throw badRequest(`Invalid value for set row '${key}'.`);
      for (const k of Object.keys(values)) if (k.startsWith(`${key}_`)) delete values[k];
      continue;
    }
    const child = attr.attributes?.find((a) => a.id === ids[2]);
    if (!child || ids.length !== 3)
      throw badRequest(`Attribute '${key}' does not exist in category '${category.name}'.`);
    for (const sibling of attr.attributes ?? []) {
      const siblingKey = `${category.id}_${attr.id}_${row}_${sibling.id}`;
      if (!(siblingKey in values)) values[siblingKey] = sibling.multiValue ? [] : null;
    }
    values[key] = normalizeValue(category, child, raw);
  }
  enforceRequired(category, values);
  return values;
}

function enforceRequired(category: CategoryDefinition, values: Record<string, AttributeValue>): void {
  for (const attr of category.attributes) {
    if (attr.type === "Set") {
      for (const row of setRows(category, attr, values)) {
        for (const child of attr.attributes ?? []) {
          if (child.required && isEmpty(values[`${category.id}_${attr.id}_${row}_${child.id}`])) {
            throw badRequest(`Attribute '${child.name}' of category '${category.name}' is required.`);
          }
        }
      }
    } else if (attr.required && isEmpty(values[`${category.id}_${attr.id}`])) {
      throw badRequest(`Attribute '${attr.name}' of category '${category.name}' is required.`);
    }
  }
}

export function applyCategory(category: CategoryDefinition, input: Record<string, unknown>): AppliedCategory {
  return { values: mergeValues(category, undefined, input), token: newToken() };
}

/** Values in definition order, as `data.categories` shows them. */
export function orderedValues(category: CategoryDefinition, applied: AppliedCategory): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const attr of category.attributes) {
    if (attr.type !== "Set") {
      out[`${category.id}_${attr.id}`] = applied.values[`${category.id}_${attr.id}`] ?? (attr.multiValue ? [] : null);
      continue;
    }
    for (const row of setRows(category, attr, applied.values)) {
      for (const child of attr.attributes ?? []) {
        const key = `${category.id}_${attr.id}_${row}_${child.id}`;
        out[key] = applied.values[key] ?? (child.multiValue ? [] : null);
      }
    }
  }
  return out;
}

const TYPE_CODES: Record<string, number> = { String: -1, Integer: 2, Date: -7, Boolean: 5, User: 14, Set: -18 };

function attributeMetadata(key: string, attr: AttributeDefinition, persona: string): Record<string, unknown> {
  return {
    key,
    name: attr.name,
    type: TYPE_CODES[attr.type],
    type_name: attr.type === "Set" ? "Assoc" : attr.type,
    persona,
    multi_value: attr.type === "Set" ? (attr.maxValues ?? 1) > 1 : attr.multiValue === true,
    multi_value_length_default: 1,
    multi_value_length_max: attr.type === "Set" || attr.multiValue ? (attr.maxValues ?? 50) : 1,
    max_length: attr.maxLength ?? null,
    required: attr.required === true,
    read_only: false,
    hidden: false,
    valid_values: attr.validValues ?? [],
    default_value: null,
  };
}

export function categoryMetadata(category: CategoryDefinition): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    [String(category.id)]: {
      key: String(category.id),
      name: category.name,
      type: -18,
      type_name: "Category",
      persona: "category",
      required: false,
      read_only: false,
      hidden: false,
    },
  };
  for (const attr of category.attributes) {
    const key = `${category.id}_${attr.id}`;
    if (attr.type === "Set") {
      meta[key] = attributeMetadata(key, attr, "set");
      for (const child of attr.attributes ?? []) {
        const childKey = `${category.id}_${attr.id}_x_${child.id}`;
        meta[childKey] = attributeMetadata(childKey, child, "categoryattribute");
      }
    } else {
      meta[key] = attributeMetadata(key, attr, "categoryattribute");
    }
  }
  return meta;
}

function schemaOf(attr: AttributeDefinition): Record<string, unknown> {
  const base = { title: attr.name, required: attr.required === true, readonly: false };
  const scalarType =
    attr.type === "Integer" || attr.type === "User"
      ? "integer"
      : attr.type === "Boolean"
        ? "boolean"
        : attr.type === "Date"
          ? "date"
          : "string";
  const scalar: Record<string, unknown> = { type: scalarType };
  if (attr.maxLength !== undefined) scalar.maxLength = attr.maxLength;
  if (attr.validValues?.length) scalar.enum = attr.validValues;
  if (attr.multiValue) return { ...base, type: "array", items: scalar };
  return { ...base, ...scalar };
}

/** The category part of CS's alpaca forms (create form: empty values; update form: current values + token). */
export function categoryForm(category: CategoryDefinition, applied?: AppliedCategory): Record<string, unknown> {
  const data: Record<string, unknown> = { category_id: category.id };
  const properties: Record<string, unknown> = {};
  const values = applied ? orderedValues(category, applied) : defaultValues(category);
  if (applied) data[`${category.id}_1`] = { metadata_token: applied.token };
  for (const attr of category.attributes) {
    const key = `${category.id}_${attr.id}`;
    if (attr.type !== "Set") {
      data[key] = values[key] ?? (attr.multiValue ? [] : null);
      properties[key] = schemaOf(attr);
      continue;
    }
    const multiRow = (attr.maxValues ?? 1) > 1;
    const rowKey = (row: number | "x", child: AttributeDefinition) => `${key}_${row}_${child.id}`;
    const rowProps: Record<string, unknown> = {};
    for (const child of attr.attributes ?? []) rowProps[rowKey(multiRow ? "x" : 1, child)] = schemaOf(child);
    const rows = applied ? setRows(category, attr, applied.values) : [1];
    const rowData = (rows.length ? rows : [1]).map((row) => {
      const out: Record<string, unknown> = {};
      for (const child of attr.attributes ?? []) {
        out[rowKey(multiRow ? "x" : 1, child)] = values[rowKey(row, child)] ?? (child.multiValue ? [] : null);
      }
      return out;
    });
    if (multiRow) {
      data[key] = rowData;
      properties[key] = {
        title: attr.name,
        type: "array",
        items: { type: "object", properties: rowProps },
      };
    } else {
      data[key] = rowData[0];
      properties[key] = { title: attr.name, type: "object", properties: rowProps };
    }
  }
  return {
    data,
    options: { fields: {} },
    schema: { title: category.name, type: "object", properties },
  };
}
