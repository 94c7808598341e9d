/*
 * Live lookups for the edit dialogs: admin endpoints under `/<type>/:server/…`, guarded by `<type>.read`, answered
 * through the client of the selected (deployed) config node. The dialogs offer the answers as suggestions only: a
 * value can always be typed (an `${ENV}` reference, a name that does not exist yet).
 *
 *   GET /<type>/:server/categories                  [{id, name}]
 *   GET /<type>/:server/categories/:category        {id, name, attributes: [{name, key, type, required, …}]}
 *   GET /<type>/:server/workflow-maps               [{id, name}]
 *   GET /<type>/:server/workflow-maps/:map/steps    {mapId, steps: [{id, name}], attributes: [{name, type, required}]}
 *   GET /<type>/:server/workspace-types             [{id, name}]
 *   GET /<type>/:server/communications              [{id, name, state, version}]
 *   GET /<type>/:server/resources?type=&subtype=    [{id, name, type, subtype?, state, version}]
 *   GET /<type>/:server/rm-classifications          [{id, name}]
 *   GET /<type>/:server/holds                       [{id, name}]
 *   GET /<type>/:server/folders/:folder             {id, name, parentId?, folders: [{id, name}]} (`root`: Enterprise)
 *   POST /<type>/template-preview                  {names, paths: {field: text}, msg, rules?} → {field: {value}|{error}}
 *
 * LOOKUPS names the lookups of each node type: the one place a dialog's routes are declared.
 */
import type { NodeAPI } from "node-red";
import type { Request } from "express";
import type { ContentServerClient } from "../content-server";
import { cleanNodeName, DEFAULT_NAME_RULES, renderNameTemplate, type NameRules } from "../archive";
import { attributeNames, mappingType } from "../content-server/mapping-definitions";
import { RM_CLASSIFICATION_TYPES } from "../content-server/records";
import { VolumeType } from "../content-server/volumes";
import { findWorkflowMapByName, WORKFLOW_MAP_TYPE } from "../content-server/workflows";
import type { ExstreamClient } from "../exstream";
import { COMMUNICATION_TYPE } from "../exstream/design";
import { RefusedRequest, registerAdminEndpoint } from "./admin";

/** Category nodes (subtype 131). */
const CATEGORY_TYPE = 131;
/** Lists are bounded; the dialogs filter by typing. */
const MAX_LISTED = 500;
const RESOURCE_PAGE_SIZE = 100;
/** Folder nodes (subtype 0), the containers the folder browser walks. */
const FOLDER_TYPE = 0;

export type LookupKind =
  | "categories"
  | "workflowMaps"
  | "workspaceTypes"
  | "communications"
  | "resources"
  | "rmClassifications"
  | "holds"
  | "folders"
  | "templatePreview";

/** The lookups each node type's dialog uses. */
export const LOOKUPS: Readonly<Record<string, readonly LookupKind[]>> = {
  "cs-archive": ["workspaceTypes", "categories", "rmClassifications", "holds", "folders", "templatePreview"],
  "metadata-map": ["categories"],
  "cs-workflow-trigger": ["workflowMaps", "folders"],
  "cs-workflow": ["workflowMaps", "folders"],
  "exstream-generate": ["communications"],
  "exstream-publish": ["resources"],
};

/** Registers the lookup routes LOOKUPS lists for `type` (none for a type it does not list). */
export function registerEditorLookups(RED: NodeAPI, type: string): void {
  const lookups = new EditorLookups(RED, type);
  for (const kind of LOOKUPS[type] ?? []) lookups[kind]();
}

export interface LookupEntry {
  id: number | string;
  name: string;
}

export interface CategoryAttributesAnswer {
  id: number;
  name: string;
  attributes: Array<{
    name: string;
    key: string;
    type: string;
    required?: boolean;
    multiValue?: boolean;
    maxLength?: number;
    validValues?: string[];
  }>;
}

export interface WorkflowMapStepsAnswer {
  mapId: number;
  mapName?: string;
  steps: Array<{ id: number; name: string }>;
  attributes: Array<{ name: string; type?: string; required?: boolean }>;
}

export interface FolderAnswer extends LookupEntry {
  parentId?: number;
  folders: LookupEntry[];
}

export interface ResourceEntry extends LookupEntry {
  type: string;
  subtype?: string;
  state: string;
  version: number;
}

interface ClientHolder<T> {
  getClient(): T;
}

/** The lookups for one node type: each `register…` adds the endpoints of one kind under `/<type>/:server/`. */
export class EditorLookups {
  constructor(
    private readonly RED: NodeAPI,
    private readonly type: string,
  ) {}

  private get permission(): string {
    return `${this.type}.read`;
  }

  private clientOf<T>(req: Request): T {
    const config = this.RED.nodes.getNode(String(req.params.server)) as unknown as ClientHolder<T> | null;
    if (!config || typeof config.getClient !== "function") {
      throw new Error(this.RED._(`${this.type}.errors.deployServer`));
    }
    return config.getClient();
  }

  private get(path: string, handler: (req: Request) => Promise<unknown>): this {
    registerAdminEndpoint(this.RED, "get", `/${this.type}/:server/${path}`, this.permission, handler);
    return this;
  }

  categories(): this {
    this.get("categories", (req) => listCategories(this.clientOf<ContentServerClient>(req)));
    return this.get("categories/:category", (req) =>
      categoryAttributes(this.clientOf<ContentServerClient>(req), String(req.params.category)),
    );
  }

  workflowMaps(): this {
    this.get("workflow-maps", (req) => listWorkflowMaps(this.clientOf<ContentServerClient>(req)));
    return this.get("workflow-maps/:map/steps", (req) =>
      workflowMapSteps(this.clientOf<ContentServerClient>(req), String(req.params.map)),
    );
  }

  workspaceTypes(): this {
    return this.get("workspace-types", async (req) => {
      const types = await this.clientOf<ContentServerClient>(req).workspaces.listWorkspaceTypes();
      return byName(types.map((t) => ({ id: t.id, name: t.name })));
    });
  }

  communications(): this {
    return this.get("communications", async (req) => {
      const resources = await listResources(this.clientOf<ExstreamClient>(req), COMMUNICATION_TYPE);
      return resources.map(({ id, name, state, version }) => ({ id, name, state, version }));
    });
  }

  rmClassifications(): this {
    return this.get("rm-classifications", (req) => listRmClassifications(this.clientOf<ContentServerClient>(req)));
  }

  holds(): this {
    return this.get("holds", async (req) => {
      const holds = await this.clientOf<ContentServerClient>(req).records.listHolds();
      return byName(holds.map((h) => ({ id: h.id, name: h.name })));
    });
  }

  folders(): this {
    return this.get("folders/:folder", (req) =>
      folderChildren(this.clientOf<ContentServerClient>(req), String(req.params.folder)),
    );
  }

  /** Names and paths rendered by the runtime's own template code against a sample message (no server involved). */
  templatePreview(): this {
    registerAdminEndpoint(this.RED, "post", `/${this.type}/template-preview`, this.permission, async (req) =>
      previewTemplates(req.body),
    );
    return this;
  }

  resources(): this {
    return this.get("resources", (req) => {
      const type = typeof req.query.type === "string" && req.query.type ? req.query.type : undefined;
      const subtype = typeof req.query.subtype === "string" && req.query.subtype ? req.query.subtype : undefined;
      return listResources(this.clientOf<ExstreamClient>(req), type, subtype);
    });
  }
}

export async function listCategories(client: ContentServerClient): Promise<LookupEntry[]> {
  const list: LookupEntry[] = [];
  for await (const hit of client.search.searchAll({ where: `OTSubType: ${CATEGORY_TYPE}` }, MAX_LISTED)) {
    if (hit.type === CATEGORY_TYPE) list.push({ id: hit.id, name: hit.name });
  }
  return byName(list);
}

export async function categoryAttributes(
  client: ContentServerClient,
  category: string,
): Promise<CategoryAttributesAnswer> {
  const definition = await client.categories.getCategoryDefinition(category);
  const names = attributeNames(definition);
  return {
    id: definition.id,
    name: definition.name,
    attributes: definition.attributes.map((a, i) => ({
      name: names[i],
      key: a.key,
      type: mappingType(a),
      required: a.required,
      multiValue: a.multiValue,
      maxLength: a.maxLength,
      validValues: a.validValues?.map(String),
    })),
  };
}

/** RM classifications and classifications (the kinds the archive applies), found by search like categories. */
export async function listRmClassifications(client: ContentServerClient): Promise<LookupEntry[]> {
  const where = RM_CLASSIFICATION_TYPES.map((type) => `OTSubType: ${type}`).join(" or ");
  const list: LookupEntry[] = [];
  for await (const hit of client.search.searchAll({ where }, MAX_LISTED)) {
    if (RM_CLASSIFICATION_TYPES.includes(hit.type)) list.push({ id: hit.id, name: hit.name });
  }
  return byName(list);
}

/** A folder (by id, or `root` for the Enterprise volume) with its sub-folders, for the dialogs' folder browser. */
export async function folderChildren(client: ContentServerClient, folder: string): Promise<FolderAnswer> {
  const node =
    folder === "root"
      ? await client.volumes.getVolume(VolumeType.Enterprise)
      : /^\d+$/.test(folder)
        ? await client.nodes.getNode(Number(folder))
        : undefined;
  if (!node) throw new RefusedRequest(`not a folder id: "${folder}"`);
  const folders: LookupEntry[] = [];
  for await (const child of client.nodes.iterateChildren(node.id, { whereType: [FOLDER_TYPE] })) {
    if (child.type === FOLDER_TYPE) folders.push({ id: child.id, name: child.name });
    if (folders.length >= MAX_LISTED) break;
  }
  return { id: node.id, name: node.name, parentId: node.parentId, folders: byName(folders) };
}

type Preview = Record<string, { value: string } | { error: string }>;

/**
 * Each template rendered and cleaned as the archive would: `names` as one node name, `paths` segment by segment
 * (folder path, sub-folder) — or the error the message would fail with.
 */
export function previewTemplates(body: unknown): Preview {
  const { names, paths, msg, rules } = (body ?? {}) as {
    names?: Record<string, unknown>;
    paths?: Record<string, unknown>;
    msg?: unknown;
    rules?: Partial<NameRules>;
  };
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) {
    throw new RefusedRequest("send {names: {field: text}, paths: {field: text}, msg: {…}}");
  }
  const nameRules: NameRules = {
    forbiddenCharacters: rules?.forbiddenCharacters ?? DEFAULT_NAME_RULES.forbiddenCharacters,
    replacement: rules?.replacement ?? DEFAULT_NAME_RULES.replacement,
    maxLength: Number(rules?.maxLength) > 0 ? Number(rules?.maxLength) : DEFAULT_NAME_RULES.maxLength,
  };
  const clean = (text: string, path: boolean) =>
    path
      ? text
          .split("/")
          .map((part) => cleanNodeName(part, nameRules))
          .filter(Boolean)
          .join("/")
      : cleanNodeName(text, nameRules);
  const answer: Preview = {};
  const render = (fields: Record<string, unknown> | undefined, path: boolean) => {
    for (const [field, template] of Object.entries(fields ?? {})) {
      if (typeof template !== "string" || !template.trim()) continue;
      try {
        answer[field] = { value: clean(renderNameTemplate(template, msg as Record<string, unknown>), path) };
      } catch (err) {
        answer[field] = { error: (err as Error).message };
      }
    }
  };
  render(names, false);
  render(paths, true);
  return answer;
}

export async function listWorkflowMaps(client: ContentServerClient): Promise<LookupEntry[]> {
  const list: LookupEntry[] = [];
  for await (const hit of client.search.searchAll({ where: `OTSubType: ${WORKFLOW_MAP_TYPE}` }, MAX_LISTED)) {
    if (hit.type === WORKFLOW_MAP_TYPE) list.push({ id: hit.id, name: hit.name });
  }
  return byName(list);
}

/** A map given by id or name → its steps and workflow attributes (a map definition names no dispositions). */
export async function workflowMapSteps(client: ContentServerClient, map: string): Promise<WorkflowMapStepsAnswer> {
  let mapId = /^\d+$/.test(map.trim()) ? Number(map) : undefined;
  let mapName: string | undefined;
  if (mapId === undefined) {
    const found = await findWorkflowMapByName(client, map);
    if (!found) throw Object.assign(new Error(`no workflow map "${map}"`), { name: "LookupError" });
    mapId = found.id;
    mapName = found.name;
  }
  const definition = await client.workflows.getMapDefinition(mapId);
  return {
    mapId,
    mapName,
    steps: definition.steps.map((s) => ({ id: s.id, name: s.name })),
    attributes: definition.attributes.map(({ name, type, required }) => ({ name, type, required })),
  };
}

/**
 * Latest versions of the domain's resources of a type (all types when none), by name. The Design API has no subtype
 * filter (SPEC-DES ResourceFilter), so the subtype is matched here on `metadata.subtype`.
 */
export async function listResources(client: ExstreamClient, type?: string, subtype?: string): Promise<ResourceEntry[]> {
  const filter = { ...(type ? { types: [type] } : {}), latestVersion: true };
  const list: ResourceEntry[] = [];
  for await (const r of client.iterateResources(filter, RESOURCE_PAGE_SIZE)) {
    const resourceSubtype = typeof r.metadata?.subtype === "string" ? r.metadata.subtype : undefined;
    if (subtype && resourceSubtype !== subtype) continue;
    list.push({ id: r.id, name: r.name, type: r.type, subtype: resourceSubtype, state: r.state, version: r.version });
    if (list.length >= MAX_LISTED) break;
  }
  return byName(list);
}

function byName<T extends LookupEntry>(list: T[]): T[] {
  return list.sort((a, b) => a.name.localeCompare(b.name));
}
