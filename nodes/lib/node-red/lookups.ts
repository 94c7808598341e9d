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
 */
import type { NodeAPI } from "node-red";
import type { Request } from "express";
import type { ContentServerClient } from "../content-server";
import { attributeNames, mappingType } from "../content-server/mapping-definitions";
import { findWorkflowMapByName, WORKFLOW_MAP_TYPE } from "../content-server/workflows";
import type { ExstreamClient } from "../exstream";
import { COMMUNICATION_TYPE } from "../exstream/design";
import { registerAdminEndpoint } from "./admin";

/** Category nodes (subtype 131). */
const CATEGORY_TYPE = 131;
/** Lists are bounded; the dialogs filter by typing. */
const MAX_LISTED = 500;
const RESOURCE_PAGE_SIZE = 100;

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
