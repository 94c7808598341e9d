import type { NodeAPI, NodeMessage, NodeMessageInFlow } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import { ContentServerError } from "../lib/content-server";
import { failureOf } from "../lib/node-red/failure";
import { resolveTypedValue } from "../lib/node-red/inputs";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { isNotAssigned, type TaskCompletion } from "../lib/content-server/workflows";
import { WorkflowMapResolver } from "../lib/workflow/maps";
import type { CsWorkflowDef, CsWorkflowNode, WorkflowFailure } from "./types";

type Msg = NodeMessageInFlow & {
  workflow?: Record<string, unknown>;
  cs?: { nodeId?: unknown };
  failure?: WorkflowFailure;
};

export = function (RED: NodeAPI): void {
  function CsWorkflow(this: CsWorkflowNode, def: CsWorkflowDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: CsWorkflowNode, def: CsWorkflowDef): void {
    const status = new NodeStatus(node);
    const config = RED.nodes.getNode(def.server) as CsConfigNode | null;
    const operation = def.operation === "complete" ? "complete" : "start";
    if (!config) {
      status.error(RED._("cs-workflow.status.invalid"));
      node.error(RED._("cs-workflow.errors.noServer"));
      return;
    }
    const client = config.getClient();
    const mapFolderId = Number(def.mapFolderId) > 0 ? Number(def.mapFolderId) : undefined;
    const resolver = new WorkflowMapResolver(client, { folderId: mapFolderId });
    let active = 0;

    const typed = (msg: NodeMessage, name: keyof CsWorkflowDef, fallback?: (m: Msg) => unknown) =>
      resolveTypedValue(
        RED,
        node,
        msg,
        { value: def[name] as string | undefined, type: def[`${String(name)}Type` as keyof CsWorkflowDef] as string },
        fallback as (m: NodeMessage) => unknown,
      );

    async function start(msg: Msg): Promise<void> {
      const wf = msg.workflow ?? {};
      const mapRef = await typed(msg, "map", () => wf.mapId ?? wf.mapName);
      if (mapRef === undefined) throw invalid(RED._("cs-workflow.errors.noMap"));
      const map = await resolver.resolve(mapRef as string | number);
      const title = await typed(msg, "title", () => wf.title);
      const comment = await typed(msg, "comment", () => wf.comment);
      const attributes = await typed(
        msg,
        "attributes",
        (m) => wf.attributes ?? (isRecord(m.payload) ? m.payload : undefined),
      );
      if (attributes !== undefined && !isRecord(attributes)) throw invalid(RED._("cs-workflow.errors.attributes"));
      const docIds = toIds(await typed(msg, "docIds", (m) => wf.docIds ?? m.cs?.nodeId));
      const started = await client.workflows.startWorkflow({
        mapId: map.id,
        docIds,
        title: title === undefined ? undefined : String(title),
        comment: comment === undefined ? undefined : String(comment),
        attributes: attributes as Record<string, unknown> | undefined,
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
    }

    async function complete(msg: Msg): Promise<void> {
      const wf = msg.workflow ?? {};
      const processId = toId(await typed(msg, "processId", () => wf.processId));
      const taskId = toId(await typed(msg, "taskId", () => wf.taskId), true);
      if (processId === undefined || taskId === undefined) throw invalid(RED._("cs-workflow.errors.noTask"));
      const subprocessId = toId(await typed(msg, "subprocessId", () => wf.subprocessId)) ?? processId;
      const action = text(await typed(msg, "action", () => wf.action));
      const customAction = text(await typed(msg, "customAction", () => wf.customAction));
      if (action !== undefined && customAction !== undefined) throw invalid(RED._("cs-workflow.errors.bothActions"));
      const comment = text(await typed(msg, "comment", () => wf.comment));
      const values = await typed(msg, "attributes", () => wf.values);
      if (values !== undefined && !isRecord(values)) throw invalid(RED._("cs-workflow.errors.attributes"));
      const chosen = customAction !== undefined ? { customAction } : { action: action ?? "SendOn" };
      let completion: TaskCompletion;
      try {
        completion = await client.workflows.completeTask(
          { processId, subprocessId, taskId },
          { ...chosen, comment, values: values as Record<string, unknown> | undefined },
        );
      } catch (err) {
        throw explain(err, processId, subprocessId, taskId);
      }
      msg.workflow = {
        ...wf,
        processId,
        subprocessId,
        taskId,
        completed: { ...chosen, comment, values, outcome: completion.outcome },
      };
    }

    node.on("input", (msg, send, done) => {
      const message = msg as Msg;
      active++;
      status.working(RED._(`cs-workflow.status.${operation === "start" ? "starting" : "completing"}`));
      (operation === "start" ? start(message) : complete(message)).then(
        () => {
          active--;
          if (!active) status.ok(RED._(`cs-workflow.status.${operation === "start" ? "started" : "completed"}`));
          send(message);
          done();
        },
        (err: Error) => {
          active--;
          status.error(RED._("cs-workflow.status.failed"));
          message.failure = failureOf(err);
          done(err);
        },
      );
    });

    node.on("close", () => status.clear());
  }

  RED.nodes.registerType("cs-workflow", CsWorkflow);

  /** Editor: the workflow maps the connection can see. */
  registerEditorLookups(RED, "cs-workflow");
};

function invalid(message: string): ContentServerError {
  return new ContentServerError({
    operation: "cs-workflow",
    code: "INVALID_REQUEST",
    message: `cs-workflow: ${message}`,
  });
}

/** CS says "Could not get a workflow for p,s,t" when the step is not (or no longer) this user's: say so. */
function explain(err: unknown, processId: number, subprocessId: number, taskId: number): unknown {
  if (!(err instanceof ContentServerError) || !isNotAssigned(err)) return err;
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
