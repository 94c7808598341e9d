import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import { ContentServerError, type ContentServerClient } from "../lib/content-server";
import { isNotAssigned } from "../lib/content-server/workflows";
import { defineNode, type NodeContext } from "../lib/node-red/define-node";
import { WorkflowMapResolver } from "../lib/workflow/maps";
import type { CsWorkflowDef } from "./types";
import { migrations } from "./migrations";

type Msg = NodeMessage & { workflow?: Record<string, unknown>; cs?: { nodeId?: unknown } };
type Context = NodeContext<CsWorkflowDef>;
interface State {
  client: ContentServerClient;
  resolver: WorkflowMapResolver;
}

const wf = (msg: NodeMessage) => (msg as Msg).workflow ?? {};

export = defineNode<CsWorkflowDef, State>({
  type: "cs-workflow",
  migrations,
  inputs: {
    map: { msg: (m) => wf(m).mapId ?? wf(m).mapName },
    title: { msg: (m) => wf(m).title },
    comment: { msg: (m) => wf(m).comment },
    attributes: { msg: (m) => wf(m).attributes ?? (isRecord(m.payload) ? m.payload : undefined) },
    docIds: { msg: (m) => wf(m).docIds ?? (m as Msg).cs?.nodeId },
    processId: { msg: (m) => wf(m).processId },
    subprocessId: { msg: (m) => wf(m).subprocessId },
    taskId: { msg: (m) => wf(m).taskId },
    action: { msg: (m) => wf(m).action },
    customAction: { msg: (m) => wf(m).customAction },
  },
  setUp(ctx) {
    const client = ctx.connection<CsConfigNode>()?.getClient() as ContentServerClient;
    const mapFolderId = Number(ctx.def.mapFolderId) > 0 ? Number(ctx.def.mapFolderId) : undefined;
    return { client, resolver: new WorkflowMapResolver(client, { folderId: mapFolderId }) };
  },
  working: (def) => (def.operation === "complete" ? "completing" : "starting"),
  run: (msg, state, ctx) => (ctx.def.operation === "complete" ? complete : start)(msg as Msg, state, ctx),
});

async function start(msg: Msg, { client, resolver }: State, ctx: Context) {
  const mapRef = await ctx.input<string | number>(msg, "map");
  if (mapRef === undefined) throw invalid(ctx.t("errors.noMap"));
  const map = await resolver.resolve(mapRef);
  const title = await ctx.input(msg, "title");
  const comment = await ctx.input(msg, "comment");
  const attributes = await ctx.input(msg, "attributes");
  if (attributes !== undefined && !isRecord(attributes)) throw invalid(ctx.t("errors.attributes"));
  const docIds = toIds(await ctx.input(msg, "docIds"));
  const started = await client.workflows.startWorkflow({
    mapId: map.id,
    docIds,
    title: title === undefined ? undefined : String(title),
    comment: comment === undefined ? undefined : String(comment),
    attributes,
  });
  msg.workflow = {
    processId: started.processId,
    subprocessId: started.processId,
    draftProcessId: started.draftProcessId,
    mapId: map.id,
    mapName: map.name,
    title: title ?? map.name,
    attachmentFolderId: started.attachmentFolderId,
    attributes: attributes ?? {},
    docIds,
    message: started.message,
  };
  return { status: "started" };
}

async function complete(msg: Msg, { client }: State, ctx: Context) {
  const processId = toId(await ctx.input(msg, "processId"));
  const taskId = toId(await ctx.input(msg, "taskId"), true);
  if (processId === undefined || taskId === undefined) throw invalid(ctx.t("errors.noTask"));
  const subprocessId = toId(await ctx.input(msg, "subprocessId")) ?? processId;
  const action = text(await ctx.input(msg, "action"));
  const customAction = text(await ctx.input(msg, "customAction"));
  if (action !== undefined && customAction !== undefined) throw invalid(ctx.t("errors.bothActions"));
  const comment = text(await ctx.input(msg, "comment"));
  const values = await ctx.input(msg, "attributes");
  if (values !== undefined && !isRecord(values)) throw invalid(ctx.t("errors.attributes"));
  const chosen = customAction !== undefined ? { customAction } : { action: action ?? "SendOn" };
  const task = { processId, subprocessId, taskId };
  const completion = await client.workflows
    .completeTask(task, { ...chosen, comment, values })
    .catch((err: unknown) => Promise.reject(explain(err, task)));
  msg.workflow = { ...wf(msg), ...task, completed: { ...chosen, comment, values, outcome: completion.outcome } };
  return { status: "completed" };
}

function invalid(message: string): ContentServerError {
  return new ContentServerError({
    operation: "cs-workflow",
    code: "INVALID_REQUEST",
    message: `cs-workflow: ${message}`,
  });
}

/** CS says "Could not get a workflow for p,s,t" when the step is not (or no longer) this user's: say so. */
function explain(err: unknown, task: { processId: number; subprocessId: number; taskId: number }): unknown {
  if (!(err instanceof ContentServerError) || !isNotAssigned(err)) return err;
  const { processId, subprocessId, taskId } = task;
  return new ContentServerError({
    operation: err.operation,
    code: err.code,
    status: err.status,
    csMessage: err.csMessage,
    method: err.method,
    path: err.path,
    message: `${err.message}: task ${processId}/${subprocessId}/${taskId} is not assigned to this user or no longer current`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === "" ? undefined : s;
}

function toId(value: unknown, allowZero = false): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const id = Number(value);
  if (!Number.isInteger(id) || id < (allowZero ? 0 : 1)) throw invalid(`invalid id "${String(value)}"`);
  return id;
}

/** Node ids from a number, a list, or a comma-separated string. */
function toIds(value: unknown): number[] {
  if (value === undefined || value === null || value === "") return [];
  const list = Array.isArray(value) ? value : String(value).split(",");
  return list.map((v) => toId(typeof v === "string" ? v.trim() : v)).filter((v): v is number => v !== undefined);
}
