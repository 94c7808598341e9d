import { applyCategory, categoryForm, categoryMetadata, mergeValues, orderedValues } from "./category-values";
import { CsError, badRequest } from "./errors";
import type { AppliedCategory, CategoryDefinition, SimNode } from "./model";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import { newToken, type Store } from "./store";
import { definitionsOf, parseId } from "./views";

export function findCategory(store: Store, id: number): CategoryDefinition {
  const category = store.data.categories[String(id)];
  if (!category) throw badRequest(`Category ID '${id}' is not a valid category.`);
  return category;
}

function appliedOn(node: SimNode, catId: number): AppliedCategory {
  const applied = node.categories[String(catId)];
  if (!applied) throw badRequest(`Category ID '${catId}' is not a category on node '${node.id}'`);
  return applied;
}

/**
 * Applies `roles.categories` of a create call: flat `{cat}_{attr}` keys for v2, one object per category for v1 and
 * business workspaces. `{cat}_1: {}` alone applies a category with default values.
 */
export function applyRoleCategories(store: Store, node: SimNode, raw: unknown, layout: "flat" | "nested"): void {
  if (raw === undefined || raw === null || raw === "") return;
  const categories = typeof raw === "string" ? parseJson(raw) : raw;
  if (!categories || typeof categories !== "object" || Array.isArray(categories)) {
    throw badRequest("Invalid value for roles.categories.");
  }
  const grouped = new Map<number, Record<string, unknown>>();
  for (const [key, value] of Object.entries(categories as Record<string, unknown>)) {
    if (layout === "nested") {
      if (!/^\d+$/.test(key) || !value || typeof value !== "object" || Array.isArray(value)) {
        throw badRequest(
          `Invalid category '${key}' in roles.categories: expected {"<catId>": {"<catId>_<attrId>": …}}.`,
        );
      }
      grouped.set(Number(key), { ...(grouped.get(Number(key)) ?? {}), ...(value as Record<string, unknown>) });
    } else {
      const match = /^(\d+)_\d+/.exec(key);
      if (!match) {
        throw badRequest(`Invalid attribute key '${key}' in roles.categories: expected "<catId>_<attrId>".`);
      }
      const id = Number(match[1]);
      grouped.set(id, { ...(grouped.get(id) ?? {}), [key]: value });
    }
  }
  for (const [catId, input] of grouped) {
    node.categories[String(catId)] = applyCategory(findCategory(store, catId), input);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("Invalid JSON value.");
  }
}

function categoryResult(ctx: RequestContext, node: SimNode, catId: number) {
  const category = findCategory(ctx.sim.store, catId);
  const applied = appliedOn(node, catId);
  const result: Record<string, unknown> = { data: { categories: orderedValues(category, applied) } };
  if (ctx.query.has("metadata")) {
    const metadata = categoryMetadata(category);
    result.metadata = { categories: metadata };
    result.metadata_map = { categories: { [String(catId)]: Object.keys(metadata).slice(1) } };
    result.metadata_order = { categories: [String(catId)] };
  }
  return result;
}

function valueInput(input: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (/^\d+_/.test(key)) values[key] = value;
  return values;
}

function tokenIn(input: Record<string, unknown>, catId: number): string | undefined {
  let self = input[`${catId}_1`];
  if (typeof self === "string") self = self ? parseJson(self) : {};
  const token = (self as { metadata_token?: unknown } | undefined)?.metadata_token;
  return typeof token === "string" && token ? token : undefined;
}

function listCategories(ctx: RequestContext) {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id));
  return {
    links: selfLinks(ctx.req),
    results: Object.keys(node.categories).map((catId) => categoryResult(ctx, node, Number(catId))),
  };
}

function listCategoriesV1(ctx: RequestContext) {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id));
  const data = Object.keys(node.categories).map((catId) => ({
    id: Number(catId),
    name: findCategory(ctx.sim.store, Number(catId)).name,
  }));
  return { data, ...definitionsOf({ id: 0, name: "" }) };
}

function getCategory(ctx: RequestContext) {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id));
  return { links: selfLinks(ctx.req), results: categoryResult(ctx, node, parseId(ctx.params.cat, "category_id")) };
}

function addCategory(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const input = ctx.form.input();
  if (input.category_id === undefined) throw badRequest("Missing required parameter 'category_id'.");
  const category = findCategory(store, parseId(input.category_id, "category_id"));
  if (node.categories[String(category.id)]) {
    throw badRequest(`The attribute group '${category.name}' already exists`);
  }
  node.categories[String(category.id)] = applyCategory(category, valueInput(input));
  store.touch(node, ctx.user.id);
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function updateCategory(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const catId = parseId(ctx.params.cat, "category_id");
  const category = findCategory(store, catId);
  const applied = appliedOn(node, catId);
  const input = ctx.form.input();
  const token = tokenIn(input, catId);
  if (token !== undefined && token !== applied.token) {
    throw new CsError(409, `The categories of '${node.name}' were changed by another user. Reload and try again.`);
  }
  const values = valueInput(input);
  applied.values = mergeValues(category, applied.values, values);
  applied.token = newToken();
  store.touch(node, ctx.user.id);
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function removeCategory(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const catId = parseId(ctx.params.cat, "category_id");
  appliedOn(node, catId);
  delete node.categories[String(catId)];
  store.touch(node, ctx.user.id);
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function categoryFormFor(ctx: RequestContext, mode: "create" | "update") {
  const { store } = ctx.sim;
  const nodeId = parseId(ctx.query.get("id"), "id");
  const node = store.requireNode(nodeId);
  const category = findCategory(store, parseId(ctx.query.get("category_id"), "category_id"));
  const applied = mode === "update" ? appliedOn(node, category.id) : undefined;
  const form = categoryForm(category, applied);
  return ctx.sim.options.categoryForms === "forms" ? { forms: [form] } : form;
}

export function registerCategoryRoutes(router: Router): void {
  router
    .get("api/v2/nodes/:id/categories", listCategories)
    .get("api/v1/nodes/:id/categories", listCategoriesV1)
    .get("api/v2/nodes/:id/categories/:cat", getCategory)
    .get("api/v1/nodes/:id/categories/:cat", getCategory)
    .post("api/v2/nodes/:id/categories", addCategory)
    .post("api/v1/nodes/:id/categories", addCategory)
    .put("api/v2/nodes/:id/categories/:cat", updateCategory)
    .put("api/v1/nodes/:id/categories/:cat", updateCategory)
    .delete("api/v2/nodes/:id/categories/:cat", removeCategory)
    .delete("api/v1/nodes/:id/categories/:cat", removeCategory)
    .get("api/v1/forms/nodes/categories/create", (ctx) => categoryFormFor(ctx, "create"))
    .get("api/v1/forms/nodes/categories/update", (ctx) => categoryFormFor(ctx, "update"));
}
