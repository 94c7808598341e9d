/** Starting a workflow and completing a step of one (cs-workflow), from values configured or given by a message. */
import { ContentServerError, type ContentServerClient } from "../content-server";
import type { TaskRef } from "../content-server/types";
import { isNotAssigned } from "../content-server/workflows";
import type { WorkflowMapResolver } from "./maps";

/** The values a start or a completion reads, each only when it is needed (in this order). */
export type StepInput =
  | "map"
  | "title"
  | "comment"
  | "attributes"
  | "docIds"
  | "processId"
  | "subprocessId"
  | "taskId"
  | "action"
  | "customAction";
export type ReadInput = (name: StepInput) => Promise<unknown>;

/** A request that cannot be sent, named by its catalogue key under `errors.`. */
export type StepProblem = "noMap" | "noTask" | "bothActions" | "attributes";

export class WorkflowSteps {
  constructor(
    private readonly client: ContentServerClient,
    private readonly maps: WorkflowMapResolver,
    /** The text of a problem in the user's language. */
    private readonly text: (problem: StepProblem) => string,
  ) {}

  /** Starts a workflow of the map given (id or name) with the documents attached; answers the new `msg.workflow`. */
  async start(read: ReadInput) {
    const mapRef = (await read("map")) as string | number | undefined;
    if (mapRef === undefined) throw invalid(this.text("noMap"));
    const map = await this.maps.resolve(mapRef);
    const title = await read("title");
    const comment = await read("comment");
    const attributes = await read("attributes");
    if (attributes !== undefined && !isRecord(attributes)) throw invalid(this.text("attributes"));
    const docIds = toIds(await read("docIds"));
    const started = await this.client.workflows.startWorkflow({
      mapId: map.id,
      docIds,
      title: title === undefined ? undefined : String(title),
      comment: comment === undefined ? undefined : String(comment),
      attributes,
    });
    return {
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

  /** Completes a step with an action (default SendOn) or a custom disposition; answers the task and how it ended. */
  async complete(read: ReadInput) {
    const processId = toId(await read("processId"));
    const taskId = toId(await read("taskId"), true);
    if (processId === undefined || taskId === undefined) throw invalid(this.text("noTask"));
    const subprocessId = toId(await read("subprocessId")) ?? processId;
    const action = trimmed(await read("action"));
    const customAction = trimmed(await read("customAction"));
    if (action !== undefined && customAction !== undefined) throw invalid(this.text("bothActions"));
    const comment = trimmed(await read("comment"));
    const values = await read("attributes");
    if (values !== undefined && !isRecord(values)) throw invalid(this.text("attributes"));
    const chosen = customAction !== undefined ? { customAction } : { action: action ?? "SendOn" };
    const task = { processId, subprocessId, taskId };
    const completion = await this.client.workflows
      .completeTask(task, { ...chosen, comment, values })
      .catch((err: unknown) => Promise.reject(explainNotAssigned(err, task)));
    return { ...task, completed: { ...chosen, comment, values, outcome: completion.outcome } };
  }
}

export function invalid(message: string): ContentServerError {
  return new ContentServerError({
    operation: "cs-workflow",
    code: "INVALID_REQUEST",
    message: `cs-workflow: ${message}`,
  });
}

/** CS says "Could not get a workflow for p,s,t" when the step is not (or no longer) this user's: say so. */
export function explainNotAssigned(err: unknown, task: Required<TaskRef>): unknown {
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** A value as text, trimmed; blank or missing: undefined. */
export function trimmed(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === "" ? undefined : s;
}

/** A node, process or task id (a task id may be 0); blank: undefined; anything else is an invalid request. */
export function toId(value: unknown, allowZero = false): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const id = Number(value);
  if (!Number.isInteger(id) || id < (allowZero ? 0 : 1)) throw invalid(`invalid id "${String(value)}"`);
  return id;
}

/** Node ids from a number, a list, or a comma-separated string. */
export function toIds(value: unknown): number[] {
  if (value === undefined || value === null || value === "") return [];
  const list = Array.isArray(value) ? value : String(value).split(",");
  return list.map((v) => toId(typeof v === "string" ? v.trim() : v)).filter((v): v is number => v !== undefined);
}
