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
/** pyxecm's route of a draft's form (`get_draft_process`); no specification documents it (configurable). */
export const DEFAULT_DRAFT_FORM_PATH = "api/v1/forms/draftprocesses/update";

export class WorkflowsApi {
  constructor(
    private readonly transport: Transport,
    private readonly draftFormPath = DEFAULT_DRAFT_FORM_PATH,
  ) {}

  /** Creates a draft process of the map with the documents attached; not repeated after an ambiguous failure. */
  async createDraftProcess(mapId: number, docIds: number[] = []): Promise<number> {
    const response = await this.transport.json({
      operation: "createDraftProcess",
      method: "POST",
      path: "api/v2/draftprocesses",
      form: bodyField({
        workflow_id: positiveId(mapId, "createDraftProcess"),
        // pyxecm sends AttachDocuments with doc_ids (create_draft_process)
        ...(docIds.length ? { doc_ids: docIds.join(","), AttachDocuments: "true" } : {}),
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
      path: this.draftFormPath,
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
    const started = await this.initiateOnce(draftProcessId, form, request);
    return {
      processId: started.processId,
      draftProcessId,
      attachmentFolderId: form.attachmentFolderId,
      message: started.message,
    };
  }

  /**
   * Initiate, never twice: after a failure that may have been carried out, the draft is read. Still a draft → the
   * Initiate did not land and is sent once more; gone → the process it became is looked up among the processes this
   * user initiated by its attachments folder (which the draft hands on); not found → the original failure.
   */
  private async initiateOnce(
    draftProcessId: number,
    form: WorkflowForm,
    request: StartWorkflowRequest,
  ): Promise<{ processId: number; message?: string }> {
    try {
      return await this.initiateDraftProcess(draftProcessId, request.comment);
    } catch (err) {
      if (!mayHaveBeenApplied(err)) throw err;
      if (await this.isStillDraft(draftProcessId, err))
        return this.initiateDraftProcess(draftProcessId, request.comment);
      const processId = await this.findInitiatedProcess(form.attachmentFolderId, request.title ?? form.title);
      if (processId === undefined) throw err;
      return { processId };
    }
  }

  /** Whether the draft still answers its form; false when CS refuses it (4xx), the original error when unclear. */
  private async isStillDraft(draftProcessId: number, original: unknown): Promise<boolean> {
    try {
      await this.getDraftForm(draftProcessId);
      return true;
    } catch (err) {
      const status = err instanceof ContentServerError ? (err.status ?? 0) : 0;
      if (status >= 400 && status < 500) return false;
      throw original;
    }
  }

  /** The process this user initiated (running on time or late) whose attachments folder is `attachmentFolderId`. */
  private async findInitiatedProcess(attachmentFolderId?: number, title?: string): Promise<number | undefined> {
    if (attachmentFolderId === undefined) return undefined;
    for (const wstatus of ["ontime", "workflowlate"]) {
      const response = await this.transport.json({
        operation: "findInitiatedProcess",
        method: "GET",
        path: "api/v2/workflows/status",
        query: { wstatus, kind: "Initiated", sort: "date_initiated desc" },
      });
      const candidates = v2ListResults(response.data)
        .map((result) => asRecord(asRecord(result.data).wfstatus))
        .filter((p) => title === undefined || toStringValue(p.wf_name) === title);
      for (const candidate of candidates) {
        const processId = toNumber(candidate.process_id);
        if (processId === undefined) continue;
        if ((await this.getProcessStatus(processId)).attachmentFolderId === attachmentFolderId) return processId;
      }
    }
    return undefined;
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
      dateInitiated: toStringValue(details.date_initiated) || undefined,
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
        // the "Assoc" entry is the attribute set itself, not an attribute (pyxecm get_workflow_attributes skips it)
        if (name && attr.type_name !== "Assoc")
          attributes.push({ key, name, type: toStringValue(attr.type_name), required: attr.required === true });
      }
    }
    return {
      mapId,
      steps: asArray(definition.tasks)
        .map(asRecord)
        .map((task) => ({
          id: toNumber(task.task_id) ?? 0,
          name: toStringValue(task.title) ?? toStringValue(task.name) ?? "",
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
   * comment. The final call is never repeated blindly: when it fails in a way that may have been carried out (no
   * answer, 502, 504), the task is read at once — still this user's → sent once more; gone → settled (`settled`).
   */
  async completeTask(task: TaskRef, request: CompleteTaskRequest): Promise<TaskCompletion> {
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
    const decide = () =>
      this.transport.json({
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
    try {
      await decide();
      return { outcome: "completed" };
    } catch (err) {
      if (!mayHaveBeenApplied(err)) throw err;
      if (!(await this.isStillAssigned(task, err))) return { outcome: "settled" };
      await decide();
      return { outcome: "completed", repeated: true };
    }
  }

  /** Whether CS still offers the task to this user (its form answers); the original error when that is unclear. */
  private async isStillAssigned(task: TaskRef, original: unknown): Promise<boolean> {
    try {
      await this.getTaskForm(task);
      return true;
    } catch (err) {
      if (isNotAssigned(err)) return false;
      throw original;
    }
  }
}

/** How a completion ended: carried out, or found done after a failure that may have been carried out. */
export interface TaskCompletion {
  outcome: "completed" | "settled";
  /** The call was sent a second time after an ambiguous failure (the task was still assigned). */
  repeated?: boolean;
}

/** CS's answer when a task is not (or no longer) this user's current step ("Could not get a workflow for p,s,t"). */
export function isNotAssigned(err: unknown): boolean {
  return err instanceof ContentServerError && /could not get a workflow/i.test(err.csMessage ?? "");
}

/** A failure after which the request may have been carried out: no answer, or a gateway's 502/504. */
function mayHaveBeenApplied(err: unknown): boolean {
  if (!(err instanceof ContentServerError)) return false;
  return err.mayHaveBeenProcessed || err.code === "TIMEOUT" || err.status === 502 || err.status === 504;
}

function taskIds(task: TaskRef, operation: string): { processId: number; subprocessId: number; taskId: number } {
  const processId = positiveId(task.processId, operation);
  // subprocess = process unless the step runs in a sub-workflow (docs/api-evidence.md, "Workflows")
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
  /** The item the flow works with: for a shortcut, its original. */
  nodeId: number;
  name: string;
  /** Subtype of that item (144 document, 0 folder, …). */
  type: number;
  version?: number;
  mimeType?: string;
  size?: number;
  /** Absolute path of the downloaded content (only when content was requested). */
  filename?: string;
  /**
   * True when `nodeId` is the document itself, outside the workflow (the attachments folder holds a shortcut to
   * it); false for an item stored in the attachments folder (e.g. the copy CS made of an attached document).
   */
  original: boolean;
  /** The shortcut in the attachments folder that led to the original. */
  shortcutId?: number;
  /** Why a shortcut's original could not be read (no permission, deleted); `nodeId` is then the shortcut's. */
  unreachable?: string;
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
  /** The instance title (process status `wf_name`), when the form does not carry it. */
  title?: string;
  /** When the instance started (status `date_initiated`): a shortcut's original is read in its version of then. */
  startedAt?: string;
  dueDate?: string;
  /** Folder to stream each attachment's content into; none = ids and names only. */
  downloadDir?: string;
  /** Attachments listed at most (a bound, not a page size). */
  maxAttachments?: number;
  /** The task's form when the caller has read it already. */
  form?: WorkflowForm;
}

const DEFAULT_MAX_ATTACHMENTS = 500;
const SHORTCUT_TYPE = 1;
const HTTP_FORBIDDEN = 403;

/**
 * Reads a task the way a flow needs it: the task form (as the assignee), the workflow attributes by name and the
 * attachments folder's documents; optionally each document's content streamed to `<downloadDir>/<process>-<task>/`.
 */
export async function readWorkflowTask(
  client: WorkflowClient,
  ref: TaskRef,
  options: ReadTaskOptions = {},
): Promise<WorkflowTask> {
  const form = options.form ?? (await client.workflows.getTaskForm(ref));
  const processId = form.processId;
  const subprocessId = form.subprocessId ?? ref.subprocessId ?? processId;
  const taskId = form.taskId ?? ref.taskId;
  const attachments =
    form.attachmentFolderId === undefined
      ? []
      : await listAttachments(client, form.attachmentFolderId, {
          limit: options.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS,
          startedAt: options.startedAt,
        });
  if (options.downloadDir) {
    const dir = path.join(options.downloadDir, `${processId}-${subprocessId}-${taskId}`);
    await makePrivateDir(dir);
    for (const attachment of attachments) {
      if (attachment.type !== DOCUMENT_TYPE) continue;
      const filename = path.join(dir, `${attachment.nodeId}-${safeFileName(attachment.name)}`);
      // exactly the version recorded in msg.workflow, even when a newer one was added meanwhile
      await client.documents.downloadToFile(attachment.nodeId, filename, { version: attachment.version });
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
    title: toStringValue(form.values[TITLE_KEY]) ?? options.title,
    instructions: form.instructions,
    dueDate: options.dueDate,
    attributes: formAttributesByName(form),
    attachmentFolderId: form.attachmentFolderId,
    attachments,
    actions: form.actions.map((a) => a.key),
    ...(dispositions.length ? { dispositions } : {}),
  };
}

/**
 * The attachments folder's items. A shortcut (subtype 1, `original_id`) stands for its original: the original is
 * what the flow reads, publishes and records onto, when this user can read it — in the version that was current
 * when the workflow started (what the approvers were asked to decide on), not one added during the approval.
 */
async function listAttachments(
  client: WorkflowClient,
  folderId: number,
  options: { limit: number; startedAt?: string },
): Promise<WorkflowAttachment[]> {
  const attachments: WorkflowAttachment[] = [];
  for await (const child of client.nodes.iterateChildren(folderId, { limit: 100 })) {
    if (attachments.length >= options.limit) break;
    const originalId = child.type === SHORTCUT_TYPE ? toNumber(child.properties.original_id) : undefined;
    attachments.push(originalId ? await throughShortcut(client, child, originalId) : attachmentOf(child, false));
  }
  for (const attachment of attachments) {
    if (attachment.type !== DOCUMENT_TYPE) continue;
    if (attachment.original && options.startedAt) {
      attachment.version = await versionAt(client, attachment.nodeId, options.startedAt);
    }
    // v2 children carry no version number: read it for documents (the identity governed-content flows record).
    attachment.version ??= (await client.documents.getLatestVersion(attachment.nodeId)).versionNumber;
  }
  return attachments;
}

/**
 * The newest version created at or before `when` (CS server times, compared without zone designators: both come
 * from the same server clock); undefined when none is (or the dates are missing).
 */
async function versionAt(client: WorkflowClient, nodeId: number, when: string): Promise<number | undefined> {
  const limit = withoutZone(when);
  let chosen: number | undefined;
  for (const version of await client.documents.listVersions(nodeId)) {
    if (!version.createDate || withoutZone(version.createDate) > limit) continue;
    if (chosen === undefined || version.versionNumber > chosen) chosen = version.versionNumber;
  }
  return chosen;
}

function withoutZone(date: string): string {
  return date.replace(/(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i, "");
}

async function throughShortcut(client: WorkflowClient, shortcut: CsNode, originalId: number) {
  let unreachable: string;
  try {
    const original = await client.nodes.findNode(originalId);
    if (original) return { ...attachmentOf(original, true), shortcutId: shortcut.id };
    unreachable = `original ${originalId} not found`;
  } catch (err) {
    if (!(err instanceof ContentServerError) || err.status !== HTTP_FORBIDDEN) throw err;
    unreachable = `original ${originalId} not readable by this user`;
  }
  return { ...attachmentOf(shortcut, false), unreachable };
}

function attachmentOf(node: CsNode, original: boolean): WorkflowAttachment {
  return {
    nodeId: node.id,
    name: node.name,
    type: node.type,
    version: toNumber(node.properties.version_number) ?? toNumber(asRecord(node.properties.versions).version_number),
    mimeType: node.mimeType,
    size: node.size,
    original,
  };
}

function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\\/:*?"<>|]/g, "_")
    .replace(/\p{Cc}/gu, "_")
    .replace(/^\.+/, "_");
  return cleaned.slice(0, 200) || "attachment";
}
