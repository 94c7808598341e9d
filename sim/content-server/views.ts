import { badRequest } from "./errors";
import { SubType, type SimNode, type SimVersion } from "./model";
import type { Store } from "./store";

const TYPE_NAMES: Record<number, string> = {
  0: "Folder",
  1: "Shortcut",
  128: "Workflow Map",
  131: "Category",
  132: "Category Folder",
  133: "Categories Volume",
  141: "Enterprise Workspace",
  142: "Personal Workspace",
  144: "Document",
  161: "Workflow Volume",
  196: "Classification Tree",
  198: "Classifications",
  199: "Classification",
  550: "Records Management",
  551: "RM Classification",
  848: "Business Workspace",
};

export function isKnownType(type: number): boolean {
  return type in TYPE_NAMES;
}

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `Type ${type}`;
}

/** External dates come back without the `Z` suffix, unlike create/modify dates. */
function externalDate(value: string | undefined): string | null {
  return value ? value.replace(/Z$/, "") : null;
}

export function latestVersion(node: SimNode): SimVersion | undefined {
  return node.versions?.[node.versions.length - 1];
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

export function nodeProperties(store: Store, node: SimNode): Record<string, unknown> {
  const container = store.isContainer(node);
  const latest = latestVersion(node);
  const childCount = container ? store.children(node.id).length : 0;
  const volume = store.volumeOf(node);
  const props: Record<string, unknown> = {
    id: node.id,
    parent_id: node.parentId,
    volume_id: -volume.id,
    name: node.name,
    name_multilingual: { en: node.name },
    description: node.description,
    description_multilingual: { en: node.description },
    type: node.type,
    type_name: typeName(node.type),
    container,
    container_size: childCount,
    size: latest ? latest.size : childCount,
    size_formatted: latest ? formatSize(latest.size) : `${childCount} Items`,
    mime_type: latest ? latest.mimeType : null,
    create_date: node.createDate,
    create_user_id: node.createUserId,
    modify_date: node.modifyDate,
    modify_user_id: node.modifyUserId,
    owner: store.findUser(node.ownerUserId)?.name ?? null,
    owner_user_id: node.ownerUserId,
    owner_group_id: store.findUser(node.ownerUserId)?.groupId ?? null,
    reserved: false,
    reserved_user_id: 0,
    reserved_date: null,
    hidden: node.hidden === true,
    favorite: false,
    external_create_date: externalDate(node.externalCreateDate),
    external_modify_date: externalDate(node.externalModifyDate),
    external_source: node.externalSource ?? "",
    external_identity: node.externalIdentity ?? "",
    external_identity_type: node.externalIdentityType ?? "",
    versionable: node.type === SubType.Document,
    advanced_versioning: node.advancedVersioning ?? null,
    versions_control_advanced: node.advancedVersioning === true,
    permissions_model: "advanced",
    icon: `/img/webdoc/${node.type === SubType.Document ? "doc" : "folder"}.gif`,
    icon_large: `/img/webdoc/${node.type === SubType.Document ? "doc" : "folder"}_large.gif`,
    status: null,
  };
  if (node.originalId !== undefined) props.original_id = node.originalId;
  if (node.workspace) {
    props.wnf_wksp_type_id = node.workspace.typeId;
    props.wnf_wksp_template_id = node.workspace.templateId;
  }
  return props;
}

export function versionView(node: SimNode, version: SimVersion): Record<string, unknown> {
  return {
    create_date: version.createDate,
    description: version.description,
    external_create_date: externalDate(version.externalCreateDate),
    external_identity: "",
    external_identity_type: "",
    external_modify_date: externalDate(version.externalModifyDate),
    external_source: "",
    file_create_date: version.createDate,
    file_modify_date: version.createDate,
    file_name: version.fileName,
    file_size: version.size,
    file_type: version.fileName.includes(".") ? version.fileName.split(".").pop() : "",
    has_generation: false,
    id: node.id,
    locked: false,
    locked_date: null,
    locked_user_id: null,
    mime_type: version.mimeType,
    modify_date: version.createDate,
    name: version.fileName,
    owner_id: version.createUserId,
    provider_id: version.number,
    version_id: node.id * 1000 + version.number,
    version_number: version.number,
    version_number_major: version.major,
    version_number_minor: version.minor,
    version_number_name: node.advancedVersioning ? `${version.major}.${version.minor}` : String(version.number),
  };
}

/** v1 `data` of a node: the v2 properties plus the few v1-only fields. */
export function nodeDataV1(store: Store, node: SimNode): Record<string, unknown> {
  const props = nodeProperties(store, node);
  const latest = latestVersion(node);
  return {
    ...props,
    original_id: node.originalId ?? 0,
    volume_id: props.volume_id,
    version_number: latest?.number ?? null,
  };
}

export function definitionsOf(data: Record<string, unknown>): {
  definitions: Record<string, unknown>;
  definitions_order: string[];
} {
  const definitions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const type = typeof value === "number" ? 2 : typeof value === "boolean" ? 5 : key.endsWith("_date") ? -7 : -1;
    definitions[key] = { key, name: key.replace(/_/g, " "), type, persona: "", hidden: false, required: false };
  }
  return { definitions, definitions_order: Object.keys(data) };
}

/**
 * Applies v2 `fields=properties{id,name}`; returns the requested property names per section ("properties",
 * "versions", "categories", ...). No `fields` means properties only.
 */
export function requestedFields(query: URLSearchParams): Map<string, string[] | true> {
  const fields = new Map<string, string[] | true>();
  for (const raw of query.getAll("fields")) {
    for (const part of raw.split(/,(?![^{]*\})/)) {
      const match = /^\s*([a-z_]+)(?:\.[a-z_]+\([^)]*\))?(?:\{([^}]*)\})?\s*$/i.exec(part);
      if (!match) throw badRequest(`Invalid fields parameter '${raw}'.`);
      fields.set(match[1], match[2] ? match[2].split(",").map((s) => s.trim()) : true);
    }
  }
  if (fields.size === 0) fields.set("properties", true);
  return fields;
}

export function pick(props: Record<string, unknown>, names: string[] | true): Record<string, unknown> {
  if (names === true) return props;
  const out: Record<string, unknown> = {};
  for (const name of names) if (name in props) out[name] = props[name];
  return out;
}

export interface Paging {
  page: number;
  limit: number;
  page_total: number;
  range_min: number;
  range_max: number;
  total_count: number;
}

export function pageOf<T>(items: T[], pageParam: string | null, limitParam: string | null, defaultLimit: number) {
  const limit = positiveInt(limitParam, defaultLimit, "limit");
  const page = positiveInt(pageParam, 1, "page");
  const total = items.length;
  const pageTotal = Math.max(1, Math.ceil(total / limit));
  const start = (page - 1) * limit;
  const slice = items.slice(start, start + limit);
  const paging: Paging = {
    page,
    limit,
    page_total: pageTotal,
    range_min: slice.length ? start + 1 : 0,
    range_max: start + slice.length,
    total_count: total,
  };
  return { slice, paging };
}

export function positiveInt(value: string | null | undefined, fallback: number, name: string): number {
  if (value === null || value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw badRequest(`Invalid value for parameter '${name}'.`);
  return parsed;
}

export function parseId(value: string | undefined | null | unknown, name = "id"): number {
  const parsed = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(parsed)) throw badRequest(`Invalid value for parameter '${name}'.`);
  return parsed;
}
