import { cachedPromise } from "../cached-promise";
import { toContentServerDate } from "../mapping";
import { ContentServerError, isAmbiguousCreateFailure } from "./errors";
import { asArray, asRecord, toNumber, toStringValue, v2ListResults, type Json } from "./envelopes";
import type { FieldValue, FormFields, Transport } from "./http";
import { positiveId, type NodesApi } from "./nodes";
import { VolumeType, type VolumesApi } from "./volumes";
import type { CategoryAttribute, CategoryDefinition, CategoryValues, NodeCategory } from "./types";

const CATEGORY_TYPE = 131;
const CATEGORY_FOLDER_TYPE = 132;
const VALUE_KEY = /^(\d+)_(\d+)$/;
const SET_VALUE_KEY = /^(\d+)_(\d+)_(?:\d+|x)_(\d+)$/;

/** What a category reference may be: its node id, or its name (resolved through CS and cached). */
export type CategoryRef = number | string;

export interface ResolvedCategoryValues {
  categoryId: number;
  values: CategoryValues;
}

/**
 * Categories on nodes (read, apply, update, remove) and category definitions: attribute NAMES are resolved to
 * `{cat}_{attr}` keys from the live definition (never hard-coded ids), cached per client.
 */
export class CategoriesApi {
  private readonly definitions = new Map<number, Promise<CategoryDefinition>>();
  private readonly idsByName = new Map<string, Promise<number>>();

  constructor(
    private readonly transport: Transport,
    private readonly nodes: NodesApi,
    private readonly volumes: VolumesApi,
    private readonly definitionContextNodeId: number,
  ) {}

  /** Every category on the node with its flat values (and attribute metadata). */
  async getCategories(nodeId: number): Promise<NodeCategory[]> {
    const response = await this.transport.json({
      operation: "getCategories",
      method: "GET",
      path: `api/v2/nodes/${positiveId(nodeId, "getCategories")}/categories`,
      query: { metadata: "" },
    });
    return v2ListResults(response.data)
      .map(toNodeCategory)
      .filter((c): c is NodeCategory => c !== undefined);
  }

  /** One category on the node, or undefined when it is not applied. */
  async getCategory(nodeId: number, category: CategoryRef): Promise<NodeCategory | undefined> {
    const categoryId = await this.resolveCategoryId(category);
    return (await this.getCategories(nodeId)).find((c) => c.categoryId === categoryId);
  }

  /** Applies a category (one per call) with optional values (`{cat}_{attr}` keys or attribute names). */
  async applyCategory(nodeId: number, category: CategoryRef, values: CategoryValues = {}): Promise<void> {
    const { categoryId, values: keyed } = await this.keyedValues(category, values);
    await this.transport.json({
      operation: "applyCategory",
      method: "POST",
      path: `api/v2/nodes/${positiveId(nodeId, "applyCategory")}/categories`,
      form: { category_id: categoryId, ...toFormFields(keyed) },
    });
  }

  /** Updates values of one applied category; only that category's keys are sent. */
  async updateCategory(nodeId: number, category: CategoryRef, values: CategoryValues): Promise<void> {
    const { categoryId, values: keyed } = await this.keyedValues(category, values);
    await this.transport.json({
      operation: "updateCategory",
      method: "PUT",
      path: `api/v2/nodes/${positiveId(nodeId, "updateCategory")}/categories/${categoryId}`,
      form: { category_id: categoryId, ...toFormFields(keyed) },
    });
  }

  /**
   * Updates the values, applying the category first when the node does not have it yet. An apply with an unknown
   * outcome (answer lost) is looked up before it is sent again: when CS applied it, the values are set by an update.
   */
  async setCategoryValues(nodeId: number, category: CategoryRef, values: CategoryValues): Promise<void> {
    const categoryId = await this.resolveCategoryId(category);
    if (await this.getCategory(nodeId, categoryId)) return this.updateCategory(nodeId, categoryId, values);
    try {
      await this.applyCategory(nodeId, categoryId, values);
    } catch (err) {
      if (!isAmbiguousCreateFailure(err)) throw err;
      if (await this.getCategory(nodeId, categoryId)) await this.updateCategory(nodeId, categoryId, values);
      else await this.applyCategory(nodeId, categoryId, values);
    }
  }

  async removeCategory(nodeId: number, category: CategoryRef): Promise<void> {
    const categoryId = await this.resolveCategoryId(category);
    await this.transport.json({
      operation: "removeCategory",
      method: "DELETE",
      path: `api/v2/nodes/${positiveId(nodeId, "removeCategory")}/categories/${categoryId}`,
    });
  }

  /** The category's attributes (names, keys, types) from CS's category form; cached. */
  getCategoryDefinition(category: CategoryRef): Promise<CategoryDefinition> {
    return this.resolveCategoryId(category).then((categoryId) =>
      cachedPromise(this.definitions, categoryId, () => this.loadDefinition(categoryId)),
    );
  }

  /** The category's node id from its id or name (walks the Categories volume or searches); cached. */
  resolveCategoryId(category: CategoryRef): Promise<number> {
    if (typeof category === "number") return Promise.resolve(positiveId(category, "resolveCategory"));
    const trimmed = category.trim();
    if (/^\d+$/.test(trimmed)) return Promise.resolve(Number(trimmed));
    return cachedPromise(this.idsByName, trimmed.toLowerCase(), () => this.findCategoryIdByName(trimmed));
  }

  /**
   * Values by attribute name → `{cat}_{attr}` keys. Names of attributes inside a set are written `Set:Attribute`
   * (row 1) or the set's name maps to an array of row objects. Keys that already look like `{cat}_…` pass through.
   */
  async resolveCategoryValues(category: CategoryRef, valuesByName: CategoryValues): Promise<ResolvedCategoryValues> {
    const definition = await this.getCategoryDefinition(category);
    const values: CategoryValues = {};
    for (const [name, value] of Object.entries(valuesByName)) {
      if (isValueKey(name)) {
        values[name] = value;
        continue;
      }
      const setRows = setRowsFor(definition, name, value);
      if (setRows) {
        Object.assign(values, setRows);
        continue;
      }
      const attribute = findAttribute(definition, name);
      values[attribute.setId === undefined ? attribute.key : setKey(definition.id, attribute, 1)] =
        normaliseValue(value);
    }
    return { categoryId: definition.id, values };
  }

  clearCache(): void {
    this.definitions.clear();
    this.idsByName.clear();
  }

  private async keyedValues(category: CategoryRef, values: CategoryValues): Promise<ResolvedCategoryValues> {
    const needsNames = Object.keys(values).some((key) => !isValueKey(key));
    const resolved = needsNames
      ? await this.resolveCategoryValues(category, values)
      : { categoryId: await this.resolveCategoryId(category), values };
    for (const key of Object.keys(resolved.values)) {
      if (!key.startsWith(`${resolved.categoryId}_`)) {
        throw new ContentServerError({
          operation: "categories",
          code: "INVALID_REQUEST",
          message: `categories: key "${key}" does not belong to category ${resolved.categoryId}`,
        });
      }
    }
    return resolved;
  }

  private async loadDefinition(categoryId: number): Promise<CategoryDefinition> {
    const response = await this.transport.json({
      operation: "getCategoryDefinition",
      method: "GET",
      path: "api/v1/forms/nodes/categories/create",
      query: { id: this.definitionContextNodeId, category_id: categoryId },
    });
    // pyxecm's example wraps the form in `forms[]`, the OpenAPI description has it at the top level: read both
    const body = asRecord(response.data);
    const form = Array.isArray(body.forms) ? asRecord(body.forms[0]) : body;
    const schema = asRecord(form.schema);
    const options = asRecord(form.options);
    const attributes = parseAttributes(categoryId, asRecord(schema.properties), asRecord(options.fields));
    const name =
      toStringValue(schema.title) ?? toStringValue(options.label) ?? (await this.nodes.getNode(categoryId)).name;
    return { id: categoryId, name, attributes };
  }

  private async findCategoryIdByName(name: string): Promise<number> {
    const found = await this.volumes.findByName({
      volumeType: VolumeType.Categories,
      name,
      types: [CATEGORY_TYPE],
      containerTypes: [CATEGORY_FOLDER_TYPE],
    });
    if (found) return found.id;
    throw new ContentServerError({
      operation: "findCategory",
      code: "NOT_FOUND",
      message: `findCategory: no category named "${name}"`,
    });
  }
}

function toNodeCategory(result: Json): NodeCategory | undefined {
  const data = asRecord(result.data);
  const values = asRecord(data.categories);
  const metadata = asRecord(asRecord(result.metadata).categories);
  const order = asArray(asRecord(result.metadata_order).categories);
  const firstKey = Object.keys(values)[0] ?? Object.keys(metadata)[0];
  const categoryId =
    toNumber(order[0]) ?? toNumber(data.category_id) ?? (firstKey ? toNumber(firstKey.split("_")[0]) : undefined);
  if (categoryId === undefined) return undefined;
  const self = asRecord(metadata[String(categoryId)]);
  return {
    categoryId,
    name: toStringValue(self.name) ?? toStringValue(data.name),
    values,
    metadata: Object.keys(metadata).length
      ? (Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, asRecord(v)])) as Record<string, Json>)
      : undefined,
  };
}

/** Form schema → attributes: plain `{cat}_{attr}`, multi-value arrays, single-row (object) and multi-row (array) sets. */
function parseAttributes(categoryId: number, properties: Json, optionFields: Json): CategoryAttribute[] {
  const attributes: CategoryAttribute[] = [];
  for (const [key, raw] of Object.entries(properties)) {
    const match = VALUE_KEY.exec(key);
    if (!match || Number(match[1]) !== categoryId || Number(match[2]) === 1) continue;
    const property = asRecord(raw);
    const items = asRecord(property.items);
    const setProperties =
      property.type === "object" ? asRecord(property.properties) : asRecord(items.properties ?? undefined);
    if (Object.keys(setProperties).length > 0) {
      const setId = Number(match[2]);
      const setName = toStringValue(property.title) ?? key;
      const setOptions = asRecord(
        asRecord(optionFields[key]).fields ?? asRecord(asRecord(optionFields[key]).items).fields,
      );
      for (const [innerKey, innerRaw] of Object.entries(setProperties)) {
        const inner = SET_VALUE_KEY.exec(innerKey);
        if (!inner) continue;
        attributes.push({
          ...attributeFrom(innerRaw, asRecord(setOptions[innerKey]), innerKey),
          key: `${categoryId}_${setId}_1_${inner[3]}`,
          attributeId: Number(inner[3]),
          setId,
          setName,
        });
      }
      continue;
    }
    attributes.push({ ...attributeFrom(raw, asRecord(optionFields[key]), key), key, attributeId: Number(match[2]) });
  }
  return attributes;
}

function attributeFrom(raw: unknown, options: Json, key: string): Omit<CategoryAttribute, "key" | "attributeId"> {
  const property = asRecord(raw);
  const multiValue = property.type === "array";
  const itemSchema = asRecord(property.items);
  const type = toStringValue(multiValue ? (itemSchema.type ?? "string") : property.type) ?? "string";
  const format = toStringValue(property.format ?? itemSchema.format) ?? toStringValue(options.type);
  const validValues = asArray(property.enum ?? itemSchema.enum);
  return {
    name: toStringValue(property.title) ?? toStringValue(options.label) ?? key,
    type,
    format,
    required: property.required === true,
    readOnly: property.readonly === true || property.readOnly === true,
    multiValue,
    maxLength: toNumber(property.maxLength ?? itemSchema.maxLength),
    validValues: validValues.length ? validValues : undefined,
  };
}

function findAttribute(definition: CategoryDefinition, name: string): CategoryAttribute {
  const separator = /[:.]/.exec(name);
  const candidates = definition.attributes.filter((a) => a.name === name);
  if (candidates.length === 1) return candidates[0];
  const folded = definition.attributes.filter((a) => a.name.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return folded[0];
  if (separator) {
    const setName = name.slice(0, separator.index).trim().toLowerCase();
    const attrName = name
      .slice(separator.index + 1)
      .trim()
      .toLowerCase();
    const inSet = definition.attributes.find(
      (a) => a.setName?.toLowerCase() === setName && a.name.toLowerCase() === attrName,
    );
    if (inSet) return inSet;
  }
  const known = definition.attributes.map((a) => (a.setName ? `${a.setName}:${a.name}` : a.name)).join(", ");
  throw new ContentServerError({
    operation: "resolveCategoryValues",
    code: "INVALID_REQUEST",
    message:
      candidates.length > 1 || folded.length > 1
        ? `resolveCategoryValues: attribute name "${name}" is ambiguous in category "${definition.name}"`
        : `resolveCategoryValues: category "${definition.name}" has no attribute "${name}" (known: ${known})`,
  });
}

/** A set's name with an array of row objects → `{cat}_{set}_{row}_{attr}` keys. */
function setRowsFor(definition: CategoryDefinition, name: string, value: unknown): CategoryValues | undefined {
  const members = definition.attributes.filter((a) => a.setName?.toLowerCase() === name.toLowerCase());
  if (members.length === 0 || !Array.isArray(value)) return undefined;
  const values: CategoryValues = {};
  value.forEach((row: unknown, index) => {
    for (const [attrName, attrValue] of Object.entries(asRecord(row))) {
      const attribute = members.find((a) => a.name.toLowerCase() === attrName.toLowerCase());
      if (!attribute) {
        throw new ContentServerError({
          operation: "resolveCategoryValues",
          code: "INVALID_REQUEST",
          message: `resolveCategoryValues: set "${name}" has no attribute "${attrName}"`,
        });
      }
      values[setKey(definition.id, attribute, index + 1)] = normaliseValue(attrValue);
    }
  });
  return values;
}

function setKey(categoryId: number, attribute: CategoryAttribute, row: number): string {
  return `${categoryId}_${attribute.setId}_${row}_${attribute.attributeId}`;
}

function isValueKey(key: string): boolean {
  return /^\d+_\d+(_\d+_\d+)?$/.test(key);
}

/** Dates as CS documents them (`YYYY-MM-DDTHH:mm:ss`, no zone): a Date object as its wall-clock time on this host. */
function normaliseValue(value: unknown): unknown {
  if (value instanceof Date) {
    const date = toContentServerDate(value);
    return "value" in date ? date.value : value;
  }
  if (Array.isArray(value)) return value.map(normaliseValue);
  return value;
}

/**
 * Flat `{cat}_{attr}` values (v2 upload) from flat or nested (`{"<cat>": {"<cat>_<attr>": v}}`) input.
 */
export function flattenCategoryValues(values: CategoryValues): CategoryValues {
  const flat: CategoryValues = {};
  for (const [key, value] of Object.entries(values)) {
    if (/^\d+$/.test(key) && value && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(flat, value as CategoryValues);
    } else flat[key] = normaliseValue(value);
  }
  return flat;
}

/** Nested per category (`{"<cat>": {"<cat>_<attr>": v}}`), as business-workspace creation and v1 expect. */
export function nestCategoryValues(values: CategoryValues): Record<string, CategoryValues> {
  const nested: Record<string, CategoryValues> = {};
  for (const [key, value] of Object.entries(flattenCategoryValues(values))) {
    const categoryId = key.split("_")[0];
    (nested[categoryId] ??= {})[key] = value;
  }
  return nested;
}

/** Plain form fields: arrays as repeated keys (an empty array clears with one empty value), objects as JSON. */
export function toFormFields(values: CategoryValues): FormFields {
  const fields: FormFields = {};
  for (const [key, value] of Object.entries(values)) {
    const normalised = normaliseValue(value);
    if (Array.isArray(normalised)) {
      fields[key] = normalised.length === 0 ? "" : normalised.map(toFieldValue);
    } else fields[key] = toFieldValue(normalised);
  }
  return fields;
}

function toFieldValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return "";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}
