import { applyRoleCategories } from "./categories";
import { newVersion, takeFile } from "./documents";
import { CsError, badRequest } from "./errors";
import { SubType, type SimNode } from "./model";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import { newToken, timestamp, type Store } from "./store";
import {
  definitionsOf,
  nodeDataV1,
  nodeProperties,
  pageOf,
  parseId,
  pick,
  requestedFields,
  typeName,
  versionView,
} from "./views";
import { orderedValues } from "./category-values";

const MAX_NAME_LENGTH = 248;
const CREATABLE_TYPES = new Set<number>([SubType.Folder, SubType.Document, 136, 140]);

export function duplicateNameError(api: 1 | 2, name: string): CsError {
  return new CsError(api === 2 ? 500 : 400, `An item with the name '${name}' already exists.`);
}

export function checkName(store: Store, parentId: number, name: string, api: 1 | 2, except?: number): void {
  if (name.length > MAX_NAME_LENGTH) throw badRequest(`The name is longer than ${MAX_NAME_LENGTH} characters.`);
  const existing = store.findChildByName(parentId, name);
  if (existing && existing.id !== except) throw duplicateNameError(api, name);
}

export function requireContainer(store: Store, id: number): SimNode {
  const parent = store.findNode(id);
  if (!parent) throw badRequest(`Could not get a node for ${id}`);
  if (!store.isContainer(parent)) throw badRequest(`The node ${id} ('${parent.name}') is not a container.`);
  return parent;
}

/** The v2 element envelope for one node, honouring `fields`. */
export function nodeElement(ctx: RequestContext, node: SimNode): Record<string, unknown> {
  const { store } = ctx.sim;
  const fields = requestedFields(ctx.query);
  const data: Record<string, unknown> = {};
  const properties = fields.get("properties");
  if (properties) data.properties = pick(nodeProperties(store, node), properties);
  if (fields.has("categories")) {
    data.categories = Object.entries(node.categories).map(([catId, applied]) => {
      const category = store.data.categories[catId];
      return category ? orderedValues(category, applied) : applied.values;
    });
  }
  if (fields.has("versions")) data.versions = (node.versions ?? []).map((v) => versionView(node, v));
  const results: Record<string, unknown> = { data };
  if (ctx.query.has("state")) results.state = { properties: { metadata_token: node.token } };
  return { links: selfLinks(ctx.req), results };
}

function getNode(ctx: RequestContext, api: 1 | 2) {
  const { store, options } = ctx.sim;
  const id = parseId(ctx.params.id);
  const node = store.requireNode(id, options.missingNodeStatus);
  if (api === 2) return nodeElement(ctx, node);
  const data = nodeDataV1(store, node);
  return { data, ...definitionsOf(data), type: node.type, type_name: typeName(node.type) };
}

function sortNodes(nodes: SimNode[], sort: string): SimNode[] {
  const match = /^(asc|desc)?_?(.+)$/.exec(sort);
  const direction = match?.[1] === "desc" ? -1 : 1;
  const field = match?.[2] ?? "name";
  const keyOf = (n: SimNode): string | number => {
    switch (field) {
      case "create_date":
        return n.createDate;
      case "modify_date":
        return n.modifyDate;
      case "id":
        return n.id;
      case "type":
        return n.type;
      case "size":
        return n.versions?.[n.versions.length - 1]?.size ?? 0;
      case "name":
        return n.name.toLowerCase();
      default:
        throw badRequest(`Invalid sort parameter '${sort}'.`);
    }
  };
  return [...nodes].sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * direction;
  });
}

function matchesType(store: Store, node: SimNode, types: number[]): boolean {
  if (types.length === 0) return true;
  return types.some((t) =>
    t === -1 ? store.isContainer(node) : t === -2 ? true : t === -3 ? !store.isContainer(node) : node.type === t,
  );
}

function listChildren(ctx: RequestContext, api: 1 | 2) {
  const { store } = ctx.sim;
  const parent = store.requireNode(parseId(ctx.params.id));
  const { query } = ctx;
  const types = query.getAll("where_type").flatMap((t) => t.split(",").map((s) => parseId(s.trim(), "where_type")));
  const name = (query.get("where_name") ?? "").toLowerCase();
  const showHidden = ["true", "1"].includes(query.get("show_hidden") ?? "");
  const sort = query.get("sort") ?? "asc_name";
  const matching = sortNodes(
    store
      .children(parent.id)
      .filter((n) => (showHidden || !n.hidden) && matchesType(store, n, types))
      .filter((n) => !name || n.name.toLowerCase().includes(name)),
    sort,
  );
  const { slice, paging } = pageOf(matching, query.get("page"), query.get("limit"), api === 2 ? 100 : 25);
  if (api === 1) {
    const data = slice.map((n) => nodeDataV1(store, n));
    return {
      data,
      ...definitionsOf(data[0] ?? nodeDataV1(store, parent)),
      ...paging,
      sort,
      where_facet: [],
      where_name: query.get("where_name") ?? "",
      where_type: types,
    };
  }
  const fields = requestedFields(query);
  return {
    links: selfLinks(ctx.req),
    collection: { paging, sorting: { sort: [{ key: "sort", value: sort }] } },
    results: slice.map((n) => {
      const data: Record<string, unknown> = {
        properties: pick(nodeProperties(store, n), fields.get("properties") ?? true),
      };
      if (fields.has("versions")) data.versions = (n.versions ?? []).map((v) => versionView(n, v));
      return { data };
    }),
  };
}

function textField(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  return String(Array.isArray(value) ? value[0] : value);
}

function parseRoles(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === "") return {};
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw badRequest("Invalid JSON in the 'roles' parameter.");
    }
  }
  return raw as Record<string, unknown>;
}

export async function copyTree(ctx: RequestContext, source: SimNode, parentId: number, name: string): Promise<SimNode> {
  const { store, content } = ctx.sim;
  const now = timestamp();
  const copy: SimNode = {
    ...structuredClone(source),
    id: store.allocateId(),
    parentId,
    name,
    createDate: now,
    modifyDate: now,
    createUserId: ctx.user.id,
    modifyUserId: ctx.user.id,
    ownerUserId: ctx.user.id,
    token: newToken(),
    holdIds: undefined,
    rm: undefined,
  };
  for (const version of copy.versions ?? []) version.contentFile = await content.duplicate(version.contentFile);
  store.insertNode(copy);
  for (const child of store.children(source.id).filter((c) => c.id !== copy.id)) {
    await copyTree(ctx, child, copy.id, child.name);
  }
  return copy;
}

async function createNode(ctx: RequestContext, api: 1 | 2) {
  const { store } = ctx.sim;
  const input = ctx.form.input();
  const parentRaw = input.parent_id;
  if (parentRaw === undefined) throw badRequest("Missing required parameter 'parent_id'.");
  const parent = requireContainer(store, parseId(textField(input, "parent_id"), "parent_id"));
  if (input.original_id !== undefined) {
    const source = store.requireNode(parseId(textField(input, "original_id"), "original_id"), 400);
    const name = textField(input, "name") ?? source.name;
    checkName(store, parent.id, name, api);
    const copy = await copyTree(ctx, source, parent.id, name);
    store.changed();
    return api === 1 ? { id: copy.id } : nodeElement(ctx, copy);
  }
  if (input.type === undefined) throw badRequest("Missing required parameter 'type'.");
  const type = parseId(textField(input, "type"), "type");
  const name = textField(input, "name");
  if (!name) throw badRequest("Missing required parameter 'name'.");
  if (!CREATABLE_TYPES.has(type)) throw badRequest(`Creating items of type ${type} is not supported.`);
  checkName(store, parent.id, name, api);
  const file = type === SubType.Document ? takeFile(ctx) : undefined;
  if (type === SubType.Document && !file) {
    throw badRequest("Error: File could not be found within the upload directory.");
  }
  const draft: SimNode = {
    id: 0,
    parentId: parent.id,
    name,
    description: textField(input, "description") ?? "",
    type,
    createDate: "",
    modifyDate: "",
    createUserId: ctx.user.id,
    modifyUserId: ctx.user.id,
    ownerUserId: ctx.user.id,
    token: newToken(),
    categories: {},
  };
  const roles = parseRoles(input.roles);
  try {
    applyRoleCategories(store, draft, roles.categories, api === 2 ? "flat" : "nested");
  } catch (err) {
    if (file) await ctx.sim.content.discard(file.file);
    throw err;
  }
  const node = store.createNode({
    parentId: parent.id,
    name,
    type,
    description: draft.description,
    userId: ctx.user.id,
  });
  node.categories = draft.categories;
  node.externalCreateDate = textField(input, "external_create_date");
  node.externalModifyDate = textField(input, "external_modify_date");
  node.externalSource = textField(input, "external_source");
  node.externalIdentity = textField(input, "external_identity");
  node.externalIdentityType = textField(input, "external_identity_type");
  if (file) {
    node.advancedVersioning = ["true", "1"].includes(textField(input, "advanced_versioning") ?? "");
    node.versions = [
      newVersion(node, file, ctx.user.id, {
        externalCreateDate: node.externalCreateDate,
        externalModifyDate: node.externalModifyDate,
      }),
    ];
  }
  store.changed();
  return api === 1 ? { id: node.id } : nodeElement(ctx, node);
}

function updateNode(ctx: RequestContext, api: 1 | 2) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const input = ctx.form.input();
  const token = textField(input, "metadata_token");
  if (token !== undefined && token !== node.token) {
    throw new CsError(409, `The item '${node.name}' was modified by another user. Reload and try again.`);
  }
  const name = textField(input, "name") ?? node.name;
  const parentId = input.parent_id !== undefined ? parseId(textField(input, "parent_id"), "parent_id") : node.parentId;
  if (parentId !== node.parentId) {
    requireContainer(store, parentId);
    if (parentId === node.id || store.ancestorIds(store.requireNode(parentId)).includes(node.id)) {
      throw badRequest("An item cannot be moved into itself.");
    }
  }
  if (name !== node.name || parentId !== node.parentId) checkName(store, parentId, name, api, node.id);
  node.name = name;
  node.description = textField(input, "description") ?? node.description;
  node.externalCreateDate = textField(input, "external_create_date") ?? node.externalCreateDate;
  node.externalModifyDate = textField(input, "external_modify_date") ?? node.externalModifyDate;
  if (parentId !== node.parentId) store.moveNode(node, parentId);
  store.touch(node, ctx.user.id);
  store.changed();
  if (api === 1) return { data: nodeDataV1(store, node) };
  return nodeElement(ctx, node);
}

async function deleteNode(ctx: RequestContext, api: 1 | 2) {
  const { store, content } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  if (node.type === SubType.EnterpriseWorkspace) throw badRequest("A volume cannot be deleted.");
  const held = [node, ...descendants(store, node)].find((n) => n.holdIds?.length);
  if (held) throw badRequest(`'${held.name}' is on hold and cannot be deleted.`);
  const removed = store.removeTree(node);
  store.changed();
  for (const gone of removed) for (const v of gone.versions ?? []) await content.discard(v.contentFile);
  return api === 1 ? {} : { links: selfLinks(ctx.req), results: {} };
}

function descendants(store: Store, node: SimNode): SimNode[] {
  return store.children(node.id).flatMap((c) => [c, ...descendants(store, c)]);
}

function validateNames(ctx: RequestContext) {
  const { store } = ctx.sim;
  const input = ctx.form.input();
  const parent = store.requireNode(parseId(textField(input, "parent_id"), "parent_id"), 400);
  let names = input.names;
  if (typeof names === "string") {
    try {
      names = names.trim().startsWith("[") ? JSON.parse(names) : [names];
    } catch {
      throw badRequest("Invalid value for parameter 'names'.");
    }
  }
  if (!Array.isArray(names)) throw badRequest("Missing required parameter 'names'.");
  const results = names.flatMap((name) => {
    const existing = store.findChildByName(parent.id, String(name));
    return existing ? [{ name: existing.name, id: existing.id, type: existing.type }] : [];
  });
  return { results };
}

function ancestors(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const chain = [...store.ancestorIds(node).map((id) => store.findNode(id)!), node];
  return {
    ancestors: chain.map((n) => ({
      id: n.id,
      name: n.name,
      parent_id: n.parentId,
      type: n.type,
      type_name: typeName(n.type),
      volume_id: -store.volumeOf(n).id,
    })),
  };
}

function listNodes(ctx: RequestContext) {
  const { store } = ctx.sim;
  const input = ctx.form.input();
  const raw = input.ids;
  const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : String(raw).split(",")).map((v) =>
    parseId(v, "ids"),
  );
  const fields = requestedFields(ctx.query);
  return {
    links: selfLinks(ctx.req),
    results: ids.flatMap((id) => {
      const node = store.findNode(id);
      return node
        ? [{ data: { properties: pick(nodeProperties(store, node), fields.get("properties") ?? true) } }]
        : [];
    }),
  };
}

export function registerNodeRoutes(router: Router): void {
  for (const api of [1, 2] as const) {
    router
      .get(`api/v${api}/nodes/:id`, (ctx) => getNode(ctx, api))
      .get(`api/v${api}/nodes/:id/nodes`, (ctx) => listChildren(ctx, api))
      .post(`api/v${api}/nodes`, (ctx) => createNode(ctx, api))
      .put(`api/v${api}/nodes/:id`, (ctx) => updateNode(ctx, api))
      .delete(`api/v${api}/nodes/:id`, (ctx) => deleteNode(ctx, api))
      .post(`api/v${api}/validation/nodes/names`, validateNames)
      .get(`api/v${api}/nodes/:id/ancestors`, ancestors);
  }
  router.post("api/v2/nodes/list", listNodes);
}
