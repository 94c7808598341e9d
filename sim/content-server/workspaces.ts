import { applyRoleCategories, findCategory } from "./categories";
import { categoryForm } from "./category-values";
import { badRequest } from "./errors";
import { SubType, type SimNode, type WorkspaceType } from "./model";
import { checkName, requireContainer } from "./nodes";
import { applyRmClassification } from "./records";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import type { Store } from "./store";
import { nodeProperties, pageOf, parseId, pick, requestedFields } from "./views";

const DEFAULT_WORKSPACE_LIMIT = 100;

function workspaceTypes(store: Store): WorkspaceType[] {
  return Object.values(store.data.workspaceTypes);
}

function findType(store: Store, id: number): WorkspaceType {
  const type = store.data.workspaceTypes[String(id)];
  if (!type) throw badRequest(`Workspace type ${id} does not exist.`);
  return type;
}

function typeView(type: WorkspaceType) {
  return {
    data: {
      properties: {
        wksp_type_id: type.id,
        wksp_type_name: type.name,
        rm_enabled: type.rmEnabled === true,
        templates: [{ id: type.templateId, name: type.name }],
        wksp_creation: { location: "StaticNodeId", location_value: String(type.locationId) },
      },
    },
  };
}

function listTypes(ctx: RequestContext) {
  const extSystem = ctx.query.get("ext_system_id");
  const boType = ctx.query.get("bo_type");
  const types = workspaceTypes(ctx.sim.store).filter(
    (t) => (!extSystem || t.extSystemId === extSystem) && (!boType || t.boType === boType),
  );
  return { links: selfLinks(ctx.req), results: types.map(typeView) };
}

function workspaceProperties(ctx: RequestContext, node: SimNode) {
  const props = nodeProperties(ctx.sim.store, node);
  // business workspace lists carry dates without the "Z" suffix
  props.create_date = String(props.create_date).replace(/Z$/, "");
  props.modify_date = String(props.modify_date).replace(/Z$/, "");
  return props;
}

function workspaceData(ctx: RequestContext, node: SimNode) {
  return { properties: pick(workspaceProperties(ctx, node), requestedFields(ctx.query).get("properties") ?? true) };
}

function nameMatches(name: string, filter: string | null): boolean {
  if (!filter) return true;
  const lower = name.toLowerCase();
  if (filter.startsWith("contains_")) return lower.includes(filter.slice(9).toLowerCase());
  if (filter.startsWith("startswith_")) return lower.startsWith(filter.slice(11).toLowerCase());
  return lower === filter.toLowerCase();
}

function workspaceList(ctx: RequestContext, filter: (node: SimNode) => boolean) {
  const { store } = ctx.sim;
  const all = Object.values(store.data.nodes)
    .filter((n) => n.type === SubType.BusinessWorkspace && n.workspace && filter(n))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  if (ctx.query.get("sort") === "desc_name") all.reverse();
  const { slice, paging } = pageOf(all, ctx.query.get("page"), ctx.query.get("limit"), DEFAULT_WORKSPACE_LIMIT);
  return {
    links: selfLinks(ctx.req),
    paging,
    results: slice.map((n) => ({ actions: {}, data: workspaceData(ctx, n) })),
    // pyxecm's examples of workspace lists: one wksp_info for the answer, not one per result
    wksp_info: { wksp_type_icon: null },
  };
}

function searchWorkspaces(ctx: RequestContext) {
  const { query } = ctx;
  const { store } = ctx.sim;
  const typeId = query.get("where_workspace_type_id");
  const typeName = query.get("where_workspace_type_name")?.toLowerCase();
  return workspaceList(ctx, (n) => {
    const link = n.workspace!;
    const type = store.data.workspaceTypes[String(link.typeId)];
    return (
      (!typeId || link.typeId === Number(typeId)) &&
      (!typeName || type?.name.toLowerCase() === typeName) &&
      nameMatches(n.name, query.get("where_name"))
    );
  });
}

function byBusinessObject(ctx: RequestContext) {
  const { system, botype, boid } = ctx.params;
  return workspaceList(
    ctx,
    (n) => n.workspace!.extSystemId === system && n.workspace!.boType === botype && n.workspace!.boId === boid,
  );
}

function getWorkspace(ctx: RequestContext) {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id), 400);
  if (node.type !== SubType.BusinessWorkspace) throw badRequest(`Node ${node.id} is not a business workspace.`);
  // pyxecm's get_workspace example: wksp_info inside data, wksp_type_name among the properties
  const type = ctx.sim.store.data.workspaceTypes[String(node.workspace?.typeId)];
  const data = workspaceData(ctx, node);
  if (type) data.properties.wksp_type_name = type.name;
  return {
    links: selfLinks(ctx.req),
    results: { actions: {}, data: { ...data, wksp_info: { wksp_type_icon: null } } },
  };
}

/** Creates a workspace of a type: in the type's location, with the template's sub-folders and the given categories. */
export function createWorkspace(
  store: Store,
  userId: number,
  spec: {
    id?: number;
    type: WorkspaceType;
    name: string;
    description?: string;
    parentId?: number;
    categories?: unknown;
    extSystemId?: string;
    boType?: string;
    boId?: string;
  },
): SimNode {
  const parent = requireContainer(store, spec.parentId ?? spec.type.locationId);
  checkName(store, parent.id, spec.name, 2);
  if (spec.boId) {
    const taken = Object.values(store.data.nodes).find(
      (n) =>
        n.workspace?.boId === spec.boId &&
        n.workspace?.boType === (spec.boType ?? spec.type.boType) &&
        n.workspace?.extSystemId === (spec.extSystemId ?? spec.type.extSystemId),
    );
    if (taken) throw badRequest(`A business workspace for business object '${spec.boId}' already exists.`);
  }
  const draft = { categories: {} } as SimNode;
  applyRoleCategories(store, draft, spec.categories, "nested");
  const node = store.createNode({
    id: spec.id,
    parentId: parent.id,
    name: spec.name,
    type: SubType.BusinessWorkspace,
    description: spec.description,
    userId,
  });
  node.categories = draft.categories;
  node.workspace = {
    typeId: spec.type.id,
    templateId: spec.type.templateId,
    extSystemId: spec.extSystemId ?? spec.type.extSystemId,
    boType: spec.boType ?? spec.type.boType,
    boId: spec.boId,
  };
  for (const folder of spec.type.subFolders) {
    store.createNode({ parentId: node.id, name: folder, type: SubType.Folder, userId });
  }
  return node;
}

function create(ctx: RequestContext) {
  const { store } = ctx.sim;
  const input = ctx.form.input();
  const type =
    input.wksp_type_id !== undefined
      ? findType(store, parseId(input.wksp_type_id, "wksp_type_id"))
      : workspaceTypes(store).find((t) => t.templateId === Number(input.template_id));
  if (!type) throw badRequest("Missing required parameter 'template_id'.");
  const name = typeof input.name === "string" && input.name ? input.name : undefined;
  if (!name) throw badRequest("Missing required parameter 'name'.");
  const roles = (typeof input.roles === "string" ? JSON.parse(input.roles) : (input.roles ?? {})) as Record<
    string,
    unknown
  >;
  const node = createWorkspace(store, ctx.user.id, {
    type,
    name,
    description: typeof input.description === "string" ? input.description : undefined,
    parentId: input.parent_id !== undefined ? parseId(input.parent_id, "parent_id") : undefined,
    categories: roles.categories,
    extSystemId: input.ext_system_id as string | undefined,
    boType: input.bo_type as string | undefined,
    boId: input.bo_id !== undefined ? String(input.bo_id) : undefined,
  });
  const rm = roles.rmclassifications as { rmclassification_id?: number[] | number } | undefined;
  const rmId = Array.isArray(rm?.rmclassification_id) ? rm?.rmclassification_id[0] : rm?.rmclassification_id;
  if (rmId !== undefined) applyRmClassification(store, node, Number(rmId));
  store.changed();
  return { links: selfLinks(ctx.req), results: { id: node.id, direct_open: true, sub_folder_id: 0 } };
}

function setReference(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id), 400);
  if (!node.workspace) throw badRequest(`Node ${node.id} is not a business workspace.`);
  const input = ctx.form.input();
  node.workspace.extSystemId = String(input.ext_system_id ?? node.workspace.extSystemId ?? "");
  node.workspace.boType = String(input.bo_type ?? node.workspace.boType ?? "");
  node.workspace.boId = String(input.bo_id ?? "");
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function createForm(ctx: RequestContext) {
  const { store } = ctx.sim;
  const templateId = Number(ctx.query.get("template_id"));
  const type = workspaceTypes(store).find((t) => t.templateId === templateId);
  if (!type) throw badRequest(`Template ${ctx.query.get("template_id")} does not exist.`);
  const forms: Array<Record<string, unknown>> = [
    { data: { name: "", description: "" }, options: {}, schema: { properties: {} }, role_name: undefined },
  ];
  if (type.categoryId !== undefined) {
    forms.push({ ...categoryForm(findCategory(store, type.categoryId)), role_name: "categories" });
  }
  return { forms };
}

export function registerWorkspaceRoutes(router: Router): void {
  router
    .get("api/v2/businessworkspacetypes", listTypes)
    .get("api/v2/businessworkspaces", searchWorkspaces)
    .post("api/v2/businessworkspaces", create)
    .get("api/v2/businessworkspaces/:id", getWorkspace)
    .put("api/v2/businessworkspaces/:id/workspacereferences", setReference)
    .get("api/v2/externalsystems/:system/botypes/:botype/boids/:boid", byBusinessObject)
    .get("api/v2/forms/businessworkspaces/create", createForm);
}
