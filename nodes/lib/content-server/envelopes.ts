import { ContentServerError } from "./errors";
import type { CsNode, Paging } from "./types";

/** Reading CS's response envelopes (docs/api-evidence.md, "Conventions read from every answer"): v2 `results.data.properties`, v2 lists, v1 `data`. */

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function toStringValue(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** `results` is an object for one item and a list for collections; the OpenAPI types show 1-element arrays. */
export function v2Results(body: unknown): Json {
  const results = asRecord(body).results;
  return asRecord(Array.isArray(results) ? results[0] : results);
}

export function v2ListResults(body: unknown): Json[] {
  return asArray(asRecord(body).results).map(asRecord);
}

/** The `properties` of a v2 single-node answer. */
export function v2Properties(body: unknown, operation: string): Json {
  const properties = asRecord(asRecord(v2Results(body).data).properties);
  if (toNumber(properties.id) === undefined) {
    throw new ContentServerError({
      operation,
      code: "BAD_RESPONSE",
      message: `${operation}: the answer holds no results.data.properties.id`,
    });
  }
  return properties;
}

export function toCsNode(properties: Json): CsNode {
  const type = toNumber(properties.type) ?? -1;
  return {
    id: toNumber(properties.id) ?? 0,
    parentId: toNumber(properties.parent_id) ?? 0,
    name: toStringValue(properties.name) ?? "",
    type,
    typeName: toStringValue(properties.type_name),
    description: toStringValue(properties.description),
    container: typeof properties.container === "boolean" ? properties.container : CONTAINER_TYPES.has(type),
    size: toNumber(properties.size),
    mimeType: toStringValue(properties.mime_type),
    createDate: toStringValue(properties.create_date),
    modifyDate: toStringValue(properties.modify_date),
    properties,
  };
}

/** Subtypes that hold other items when CS does not say `container` itself. */
const CONTAINER_TYPES = new Set([0, 136, 141, 142, 202, 298, 751, 848, 862, 899]);

/** Paging from `collection.paging` (nodes, search), top-level `paging` (workspaces) or top-level fields (v1). */
export function readPaging(body: unknown, fallbackCount: number, requested: { page?: number; limit?: number }): Paging {
  const record = asRecord(body);
  const paging = asRecord(asRecord(record.collection).paging ?? record.paging ?? record);
  const page = toNumber(paging.page) ?? requested.page ?? 1;
  const limit = toNumber(paging.limit) ?? requested.limit ?? fallbackCount;
  const totalCount = toNumber(paging.total_count) ?? fallbackCount;
  const pageTotal = toNumber(paging.page_total) ?? (limit > 0 ? Math.max(1, Math.ceil(totalCount / limit)) : 1);
  return { page, limit, pageTotal, totalCount };
}
