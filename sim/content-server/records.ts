import { CsError, badRequest } from "./errors";
import type { SimHold, SimNode } from "./model";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import { newToken, timestamp, type Store } from "./store";
import { parseId } from "./views";

function localDate(value = new Date()): string {
  return timestamp(value).replace(/Z$/, "");
}

export function applyRmClassification(store: Store, node: SimNode, classificationId: number): void {
  const classification = store.data.rmClassifications[String(classificationId)];
  if (!classification) throw badRequest(`RM classification ${classificationId} does not exist.`);
  const now = localDate();
  node.rm = {
    classificationId,
    token: newToken(),
    recordDate: now,
    status: "ACTIVE",
    statusDate: now,
    essential: "NO",
    storage: "",
    official: false,
    rsi: classification.rsi,
  };
}

/** The records details as pyxecm's get_node_records_details example shows them (a subset of its fields). */
function rmView(node: SimNode) {
  const rm = node.rm;
  const data = rm
    ? [
        {
          rmclassification_id: rm.classificationId,
          file_number: String(rm.classificationId),
          rsi: rm.rsi,
          record_date: rm.recordDate,
          file_status: rm.status,
          status_date: rm.statusDate,
          essential: rm.essential,
          storage: rm.storage,
          official: rm.official,
        },
      ]
    : [];
  return { data, rm_metadataToken: rm?.token ?? "", canRMClassify: true };
}

function getRm(ctx: RequestContext) {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id));
  return rmView(node);
}

function checkToken(node: SimNode, token: unknown): void {
  if (!node.rm) return;
  if (typeof token !== "string" || !token) {
    throw badRequest("The rm_metadataToken parameter is required to change an existing RM classification.");
  }
  if (token !== node.rm.token)
    throw new CsError(409, `The records details of '${node.name}' were changed by another user.`);
}

function applyRm(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const input = ctx.form.input();
  if (input.class_id === undefined) throw badRequest("Missing required parameter 'class_id'.");
  checkToken(node, input.rm_metadataToken);
  applyRmClassification(
    store,
    node,
    parseId(Array.isArray(input.class_id) ? input.class_id[0] : input.class_id, "class_id"),
  );
  store.changed();
  return {}; // no answer body is shown for this call (pyxecm reads none)
}

function updateRm(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  if (!node.rm) throw badRequest(`'${node.name}' has no RM classification.`);
  const input = ctx.form.input();
  checkToken(node, input.rm_metadataToken);
  const rm = node.rm;
  if (input.rsi !== undefined) rm.rsi = String(input.rsi);
  if (input.file_status !== undefined) {
    rm.status = String(input.file_status);
    rm.statusDate = localDate();
  }
  if (input.essential !== undefined) rm.essential = String(input.essential);
  if (input.storage !== undefined) rm.storage = String(input.storage);
  if (input.official !== undefined) rm.official = input.official === true || input.official === "true";
  if (input.record_date !== undefined) rm.recordDate = String(input.record_date);
  rm.token = newToken();
  store.changed();
  return {}; // no answer body is shown for this call (pyxecm reads none)
}

function holdView(hold: SimHold) {
  return {
    HoldID: hold.id,
    HoldName: hold.name,
    // pyxecm's get_hold_by_name example: 1 / 0, not a boolean
    ActiveHold: hold.active ? 1 : 0,
    HoldType: hold.type,
    HoldComment: hold.comment,
    DateApplied: hold.dateApplied,
    DateToRemove: hold.dateToRemove,
    AlternateHoldID: hold.alternateId,
    ParentID: hold.parentId,
  };
}

function listHolds(ctx: RequestContext) {
  return {
    links: selfLinks(ctx.req),
    results: { data: { holds: Object.values(ctx.sim.store.data.holds).map(holdView) } },
  };
}

function holdByName(ctx: RequestContext) {
  const name = (ctx.query.get("holdname") ?? "").toLowerCase();
  const hold = Object.values(ctx.sim.store.data.holds).find((h) => h.name.toLowerCase() === name);
  if (!hold) throw badRequest(`Hold '${ctx.query.get("holdname") ?? ""}' does not exist.`);
  return { links: selfLinks(ctx.req), results: { data: { hold: holdView(hold) } } };
}

function createHold(ctx: RequestContext) {
  const { store } = ctx.sim;
  const input = ctx.form.input();
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) throw badRequest("Missing required parameter 'name'.");
  if (Object.values(store.data.holds).some((h) => h.name.toLowerCase() === name.toLowerCase())) {
    throw badRequest(`A hold with the name '${name}' already exists.`);
  }
  const hold: SimHold = {
    id: store.data.nextHoldId++,
    name,
    type: String(input.type ?? "Legal"),
    comment: String(input.comment ?? ""),
    dateApplied: String(input.date_applied ?? localDate()),
    dateToRemove: input.date_to_remove ? String(input.date_to_remove) : null,
    alternateId: String(input.alternate_id ?? ""),
    parentId: input.parent_id !== undefined ? Number(input.parent_id) : null,
    active: true,
  };
  store.data.holds[String(hold.id)] = hold;
  store.changed();
  return { holdID: hold.id };
}

function applyHold(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const input = ctx.form.input();
  const holdId = parseId(input.hold_id, "hold_id");
  if (!store.data.holds[String(holdId)]) throw badRequest(`Hold ${holdId} does not exist.`);
  node.holdIds = [...new Set([...(node.holdIds ?? []), holdId])];
  store.changed();
  return { results: {} };
}

function nodeHolds(ctx: RequestContext) {
  const { store } = ctx.sim;
  const node = store.requireNode(parseId(ctx.params.id));
  const holds = (node.holdIds ?? []).flatMap((id) =>
    store.data.holds[String(id)] ? [holdView(store.data.holds[String(id)])] : [],
  );
  return { results: { data: { holds } } };
}

export function registerRecordRoutes(router: Router): void {
  router
    .get("api/v1/nodes/:id/rmclassifications", getRm)
    .post("api/v1/nodes/:id/rmclassifications", applyRm)
    .put("api/v1/nodes/:id/rmclassifications", updateRm)
    .get("api/v2/holds", listHolds)
    .get("api/v2/hold", holdByName)
    .post("api/v1/holds", createHold)
    .post("api/v1/nodes/:id/holds", applyHold)
    .get("api/v1/nodes/:id/holds", nodeHolds);
}
