import path from "node:path";
import { makePrivateDir } from "../reliability/private-files";
import type { DocumentsApi } from "./documents";
import { ContentServerError } from "./errors";
import { asArray, asRecord, toNumber, toStringValue, v2ListResults, v2Results, type Json } from "./envelopes";
import { bodyField, type Transport } from "./http";
import { DOCUMENT_TYPE, positiveId, type NodesApi } from "./nodes";
import type { SearchApi } from "./search";
import type {
  CompleteTaskRequest,
  CsNode,
  StartedWorkflow,
  StartWorkflowRequest,
  TaskRef,
  WorkflowAssignment,
  WorkflowForm,
  WorkflowFormField,
  WorkflowMapDefinition,
  WorkflowStatus,
  WorkflowStep,
} from "./types";

const FORM_KEY_PREFIX = "WorkflowForm_";
const TITLE_KEY = "WorkflowForm_Title";
const DUE_DATE_KEY = "WorkflowForm_WorkflowDueDate";
/** Data package type 1 / subtype 1 is the attachments folder. */
const ATTACHMENTS_PACKAGE_TYPE = 1;

/** Workflows: start from a map (draft → form → formUpdate → Initiate), status, my assignments, task forms, completion. */
export class WorkflowsApi {
  constructor(private readonly transport: Transport) {}

  /** Creates a draft process of the map with the documents attached; not repeated after an ambiguous failure. */
  async createDraftProcess(mapId: number, docIds: number[] = []): Promise<number> {
    const response = await this.transport.json({
      operation: "createDraftProcess",
      method: "POST",
      path: "api/v2/draftprocesses",
      form: bodyField({
        workflow_id: positiveId(mapId, "createDraftProcess"),
        ...(docIds.length ? { doc_ids: docIds.join(",") } : {}),
      }),
    });
    const id = toNumber(asRecord(asRecord(response.data).results).draftprocess_id);
    if (id === undefined) throw badResponse("createDraftProcess", "no draftprocess_id");
    return id;
  }

  async getDraftForm(draftProcessId: number): Promise<WorkflowForm> {
    const response = await this.transport.json({
      operation: "getDraftForm",
      method: "GET",
      path: "api/v1/forms/draftprocesses/update",
      query: { draftprocess_id: positiveId(draftProcessId, "getDraftForm") },
    });
    return toWorkflowForm(asRecord(response.data), draftProcessId);
  }

  /** Stores form values on the draft (`formUpdate`); keys `WorkflowForm_*` or field titles. */
  async updateDraftProcess(
    draftProcessId: number,
    values: Record<string, unknown>,
    form?: WorkflowForm,
  ): Promise<void> {
    const keyed = resolveFormValues(values, form ?? (await this.getDraftForm(draftProcessId)));
    await this.transport.json({
      operation: "updateDraftProcess",
      method: "PUT",
      path: `api/v2/draftprocesses/${positiveId(draftProcessId, "updateDraftProcess")}`,
      form: bodyField({ action: "formUpdate", values: keyed }),
    });
  }

  /** Starts the drafted process; never repeated blindly (a repeat could start it twice). */
  async initiateDraftProcess(
    draftProcessId: number,
    comment?: string,
  ): Promise<{ processId: number; message?: string }> {
    const response = await this.transport.json({
      operation: "initiateDraftProcess",
      method: "PUT",
      path: `api/v2/draftprocesses/${positiveId(draftProcessId, "initiateDraftProcess")}`,
      form: bodyField({ action: "Initiate", ...(comment ? { comment } : {}) }),
      idempotent: false,
    });
    const results = asRecord(asRecord(response.data).results);
    const processId = toNumber(results.process_id);
    if (processId === undefined) throw badResponse("initiateDraftProcess", "no process_id");
    return { processId, message: toStringValue(results.custom_message) };
  }

  /** Draft → form → formUpdate (title, due date, attributes) → Initiate. */
  async startWorkflow(request: StartWorkflowRequest): Promise<StartedWorkflow> {
    const draftProcessId = await this.createDraftProcess(request.mapId, request.docIds);
    const form = await this.getDraftForm(draftProcessId);
    const values: Record<string, unknown> = { ...(request.attributes ?? {}) };
    if (request.title !== undefined) values[TITLE_KEY] = request.title;
    if (request.dueDate !== undefined) values[DUE_DATE_KEY] = request.dueDate;
    if (Object.keys(values).length) await this.updateDraftProcess(draftProcessId, values, form);
    const started = await this.initiateDraftProcess(draftProcessId, request.comment);
    return {
      processId: started.processId,
      draftProcessId,
      attachmentFolderId: form.attachmentFolderId,
      message: started.message,
    };
  }

  async getProcessStatus(processId: number): Promise<WorkflowStatus> {
    const response = await this.transport.json({
      operation: "getProcessStatus",
      method: "GET",
      path: `api/v2/workflows/status/processes/${positiveId(processId, "getProcessStatus")}`,
    });
    const results = v2Results(response.data);
    const details = asRecord(results.wf_details);
    const steps = asRecord(results.step_list);
    return {
      processId,
      name: toStringValue(details.wf_name),
      status: toStringValue(details.status),
      attachmentFolderId: toNumber(asRecord(results.attachments).attachment_folder_id),
      current: asArray(steps.current).map(asRecord).map(toStep),
      completed: asArray(steps.completed).map(asRecord),
      raw: results,
    };
  }

  /** A map's definition (`GET api/v2/workflows/{mapId}/definition`): its steps and workflow attributes. */
  async getMapDefinition(mapId: number): Promise<WorkflowMapDefinition> {
    const response = await this.transport.json({
      operation: "getMapDefinition",
      method: "GET",
      path: `api/v2/workflows/${positiveId(mapId, "getMapDefinition")}/definition`,
    });
    const definition = asRecord(v2Results(response.data).definition);
    const attributes: WorkflowMapDefinition["attributes"] = [];
    for (const pkg of asArray(definition.data_packages).map(asRecord)) {
      for (const [key, value] of Object.entries(asRecord(asRecord(pkg.data).definitions))) {
        const attr = asRecord(value);
        const name = toStringValue(attr.name);
        if (name) attributes.push({ key, name, type: toStringValue(attr.type_name), required: attr.required === true });
      }
    }
    return {
      mapId,
      steps: asArray(definition.tasks)
        .map(asRecord)
        .map((task) => ({
          id: toNumber(task.id) ?? 0,
          name: toStringValue(task.title) ?? toStringValue(task.name) ?? "",
          customActions: asArray(task.custom_actions)
            .map(asRecord)
            .map((a) => ({ key: toStringValue(a.key) ?? "", label: toStringValue(a.label) })),
        }))
        .filter((step) => step.name !== ""),
      attributes,
      raw: definition,
    };
  }

  /** The calling user's workflow assignments (what a polling trigger picks up). */
  async listMyAssignments(): Promise<WorkflowAssignment[]> {
    const response = await this.transport.json({
      operation: "listMyAssignments",
      method: "GET",
      path: "api/v2/members/assignments",
    });
    return v2ListResults(response.data)
      .map((result) => asRecord(asRecord(result.data).assignments))
      .filter((a) => toNumber(a.workflow_id) !== undefined)
      .map((a) => ({
        processId: toNumber(a.workflow_id) ?? 0,
        subprocessId: toNumber(a.workflow_subworkflow_id) ?? toNumber(a.workflow_id) ?? 0,
        taskId: toNumber(a.workflow_subworkflow_task_id) ?? 0,
        name: toStringValue(a.name) ?? "",
        dueDate: toStringValue(a.date_due),
        status: a.status,
        locationId: toNumber(a.location_id),
        instructions: toStringValue(a.instructions),
        raw: a,
      }));
  }

  /** The task's form (actions, custom actions, attributes, attachments folder); must be read as the assignee. */
  async getTaskForm(task: TaskRef): Promise<WorkflowForm> {
    const { processId, subprocessId, taskId } = taskIds(task, "getTaskForm");
    const response = await this.transport.json({
      operation: "getTaskForm",
      method: "GET",
      path: "api/v1/forms/processes/tasks/update",
      query: { process_id: processId, subprocess_id: subprocessId, task_id: taskId },
    });
    return toWorkflowForm(asRecord(response.data), processId);
  }

  /**
   * Completes / sends on a step: optional `formUpdate` with values first, then `action` XOR `custom_action` with a
   * comment. The final call is never repeated blindly.
   */
  async completeTask(task: TaskRef, request: CompleteTaskRequest): Promise<void> {
    const operation = "completeTask";
    if ((request.action === undefined) === (request.customAction === undefined)) {
      throw new ContentServerError({
        operation,
        code: "INVALID_REQUEST",
        message: `${operation}: give exactly one of action or customAction`,
      });
    }
    const { processId, subprocessId, taskId } = taskIds(task, operation);
    const path = `api/v2/processes/${processId}/subprocesses/${subprocessId}/tasks/${taskId}`;
    if (request.values && Object.keys(request.values).length) {
      const needsForm = Object.keys(request.values).some((k) => !k.startsWith(FORM_KEY_PREFIX));
      const values = needsForm ? resolveFormValues(request.values, await this.getTaskForm(task)) : request.values;
      await this.transport.json({
        operation,
        method: "PUT",
        path,
        form: bodyField({ action: "formUpdate", values }),
      });
    }
    await this.transport.json({
      operation,
      method: "PUT",
      path,
      form: bodyField({
        ...(request.action !== undefined ? { action: request.action } : { custom_action: request.customAction }),
        ...(request.comment ? { comment: request.comment } : {}),
        ...(request.assignee !== undefined ? { assignee: String(request.assignee) } : {}),
      }),
      idempotent: false,
    });
  }
}

function taskIds(task: TaskRef, operation: string): { processId: number; subprocessId: number; taskId: number } {
  const processId = positiveId(task.processId, operation);
  // subprocess = process unless the step runs in a sub-workflow (reference §9.2)
  return {
    processId,
    subprocessId: positiveId(task.subprocessId ?? processId, operation),
    taskId: nonNegative(task.taskId, operation),
  };
}

function nonNegative(id: number, operation: string): number {
  if (!Number.isInteger(id) || id < 0) {
    throw new ContentServerError({ operation, code: "INVALID_REQUEST", message: `${operation}: invalid task id` });
  }
  return id;
}

function toStep(raw: Json): WorkflowStep {
  const assignees = asArray(asRecord(raw.task_assignees).assignee).map(asRecord);
  return {
    processId: toNumber(raw.process_id) ?? 0,
    subprocessId: toNumber(raw.subprocess_id) ?? toNumber(raw.process_id) ?? 0,
    taskId: toNumber(raw.task_id) ?? 0,
    taskName: toStringValue(raw.task_name),
    dueDate: toStringValue(raw.task_due_date),
    status: toStringValue(raw.task_status),
    assignees: assignees.map((a) => ({ userId: toNumber(a.userId), loginName: toStringValue(a.loginName) })),
  };
}

function toWorkflowForm(body: Json, fallbackProcessId: number): WorkflowForm {
  const data = asRecord(body.data);
  const fields: WorkflowFormField[] = [];
  const values: Record<string, unknown> = {};
  for (const form of asArray(body.forms).map(asRecord)) {
    const properties = asRecord(asRecord(form.schema).properties);
    const optionFields = asRecord(asRecord(form.options).fields);
    for (const [key, raw] of Object.entries(properties)) {
      const property = asRecord(raw);
      fields.push({
        key,
        title: toStringValue(property.title) ?? toStringValue(asRecord(optionFields[key]).label) ?? key,
        type: toStringValue(property.type),
      });
    }
    Object.assign(values, asRecord(form.data));
  }
  const attachments = asArray(data.data_packages)
    .map(asRecord)
    .find((p) => toNumber(p.type) === ATTACHMENTS_PACKAGE_TYPE && asRecord(p.data).attachment_folder_id !== undefined);
  const actionList = (value: unknown) =>
    asArray(value)
      .map(asRecord)
      .map((a) => ({ key: toStringValue(a.key) ?? "", label: toStringValue(a.label) }))
      .filter((a) => a.key !== "");
  return {
    processId: toNumber(data.process_id) ?? fallbackProcessId,
    subprocessId: toNumber(data.subprocess_id),
    taskId: toNumber(data.task_id),
    title: toStringValue(data.title),
    instructions: toStringValue(data.instructions),
    attachmentFolderId: toNumber(asRecord(attachments?.data).attachment_folder_id),
    actions: actionList(data.actions),
    customActions: actionList(data.custom_actions),
    fields,
    values,
    raw: body,
  };
}

/** `WorkflowForm_*` keys pass through; other keys are field titles (exact, then case-insensitive). */
export function resolveFormValues(values: Record<string, unknown>, form: WorkflowForm): Record<string, unknown> {
  const keyed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith(FORM_KEY_PREFIX)) {
      keyed[name] = value;
      continue;
    }
    const field =
      form.fields.find((f) => f.title === name) ??
      form.fields.find((f) => f.title.toLowerCase() === name.toLowerCase());
    if (!field) {
      throw new ContentServerError({
        operation: "workflowForm",
        code: "INVALID_REQUEST",
        message: `workflowForm: the form has no field "${name}" (fields: ${form.fields.map((f) => f.title).join(", ")})`,
      });
    }
    keyed[field.key] = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  }
  return keyed;
}

function badResponse(operation: string, why: string): ContentServerError {
  return new ContentServerError({ operation, code: "BAD_RESPONSE", message: `${operation}: ${why}` });
}

/** Subtype of a workflow map node. */
export const WORKFLOW_MAP_TYPE = 128;
const SYSTEM_FORM_KEYS = new Set([TITLE_KEY, DUE_DATE_KEY]);

/** What the workflow helpers below need of the client (structurally: a ContentServerClient). */
export interface WorkflowClient {
  nodes: NodesApi;
  search: SearchApi;
  documents: DocumentsApi;
  workflows: WorkflowsApi;
}

/**
 * A workflow map by its name: the child of `folderId` when given (no index dependency), otherwise the first search
 * hit of subtype 128 with exactly that name (case-insensitive as a fallback, as CS compares names).
 */
export async function findWorkflowMapByName(
  client: Pick<WorkflowClient, "nodes" | "search">,
  name: string,
  options: { folderId?: number } = {},
): Promise<CsNode | undefined> {
  const wanted = name.trim();
  if (options.folderId !== undefined) {
    return client.nodes.findChildByName(options.folderId, wanted, { type: WORKFLOW_MAP_TYPE });
  }
  const where = `OTName: "${wanted.replace(/["\\]/g, "\\$&")}" and OTSubType: ${WORKFLOW_MAP_TYPE}`;
  let caseInsensitive: CsNode | undefined;
  for await (const hit of client.search.searchAll({ where, limit: 50 }, 200)) {
    if (hit.type !== WORKFLOW_MAP_TYPE) continue;
    if (hit.name === wanted) return hit;
    if (!caseInsensitive && hit.name.toLowerCase() === wanted.toLowerCase()) caseInsensitive = hit;
  }
  return caseInsensitive;
}

/** The map an assignment belongs to, where CS tells it (`map_id`, `workflow_map_id`); undefined otherwise. */
export function assignmentMapId(assignment: WorkflowAssignment): number | undefined {
  return toNumber(assignment.raw.map_id) ?? toNumber(assignment.raw.workflow_map_id);
}

/** The map id from an instance's status (`wf_details.map_id`), where CS tells it. */
export function statusMapId(status: WorkflowStatus): number | undefined {
  return toNumber(asRecord(status.raw.wf_details).map_id);
}

/** The form's workflow attributes keyed by their names (titles); title and due date of the instance left out. */
export function formAttributesByName(form: WorkflowForm): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const field of form.fields) {
    if (SYSTEM_FORM_KEYS.has(field.key) || !field.key.startsWith(FORM_KEY_PREFIX)) continue;
    attributes[field.title] = field.key in form.values ? form.values[field.key] : null;
  }
  return attributes;
}

export interface WorkflowAttachment {
  nodeId: number;
  name: string;
  version?: number;
  mimeType?: string;
  size?: number;
  /** Absolute path of the downloaded content (only when content was requested). */
  filename?: string;
}

/** One workflow task as a flow sees it (`msg.workflow`). */
export interface WorkflowTask {
  processId: number;
  subprocessId: number;
  taskId: number;
  mapId?: number;
  mapName?: string;
  stepName: string;
  title?: string;
  instructions?: string;
  dueDate?: string;
  attributes: Record<string, unknown>;
  attachmentFolderId?: number;
  attachments: WorkflowAttachment[];
  /** Standard actions offered on the step (SendOn, Delegate, …). */
  actions: string[];
  /** Custom dispositions (Approve, Reject, …), when the step has any. */
  dispositions?: string[];
}

export interface ReadTaskOptions {
  /** Step name when already known (from the assignment); otherwise the form's title. */
  stepName?: string;
  mapId?: number;
  mapName?: string;
  dueDate?: string;
  /** Folder to stream each attachment's content into; none = ids and names only. */
  downloadDir?: string;
  /** Attachments listed at most (a bound, not a page size). */
  maxAttachments?: number;
}

const DEFAULT_MAX_ATTACHMENTS = 500;

/**
 * Reads a task the way a flow needs it: the task form (as the assignee), the workflow attributes by name and the
 * attachments folder's documents; optionally each document's content streamed to `<downloadDir>/<process>-<task>/`.
 */
export async function readWorkflowTask(
  client: WorkflowClient,
  ref: TaskRef,
  options: ReadTaskOptions = {},
): Promise<WorkflowTask> {
  const form = await client.workflows.getTaskForm(ref);
  const processId = form.processId;
  const subprocessId = form.subprocessId ?? ref.subprocessId ?? processId;
  const taskId = form.taskId ?? ref.taskId;
  const attachments: WorkflowAttachment[] = [];
  const documentIds = new Set<number>();
  if (form.attachmentFolderId !== undefined) {
    const limit = options.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    for await (const child of client.nodes.iterateChildren(form.attachmentFolderId, { limit: 100 })) {
      if (attachments.length >= limit) break;
      if (child.type === DOCUMENT_TYPE) documentIds.add(child.id);
      attachments.push({
        nodeId: child.id,
        name: child.name,
        version:
          toNumber(child.properties.version_number) ?? toNumber(asRecord(child.properties.versions).version_number),
        mimeType: child.mimeType,
        size: child.size,
      });
    }
    // v2 children carry no version number: read it for documents (the identity governed-content flows record).
    for (const attachment of attachments) {
      if (attachment.version !== undefined || !documentIds.has(attachment.nodeId)) continue;
      attachment.version = (await client.documents.getLatestVersion(attachment.nodeId)).versionNumber;
    }
  }
  if (options.downloadDir) {
    const dir = path.join(options.downloadDir, `${processId}-${subprocessId}-${taskId}`);
    await makePrivateDir(dir);
    for (const attachment of attachments) {
      if (!documentIds.has(attachment.nodeId)) continue;
      const filename = path.join(dir, `${attachment.nodeId}-${safeFileName(attachment.name)}`);
      await client.documents.downloadToFile(attachment.nodeId, filename);
      attachment.filename = filename;
    }
  }
  const dispositions = form.customActions.map((a) => a.key);
  return {
    processId,
    subprocessId,
    taskId,
    mapId: options.mapId,
    mapName: options.mapName,
    stepName: options.stepName ?? form.title ?? "",
    title: toStringValue(form.values[TITLE_KEY]) ?? toStringValue(asRecord(form.raw.data).workflow_title),
    instructions: form.instructions,
    dueDate: options.dueDate,
    attributes: formAttributesByName(form),
    attachmentFolderId: form.attachmentFolderId,
    attachments,
    actions: form.actions.map((a) => a.key),
    ...(dispositions.length ? { dispositions } : {}),
  };
}

function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\\/:*?"<>|]/g, "_")
    .replace(/\p{Cc}/gu, "_")
    .replace(/^\.+/, "_");
  return cleaned.slice(0, 200) || "attachment";
}
