import { ContentServerError } from "./errors";
import { asArray, asRecord, toNumber, toStringValue, v2ListResults, v2Results, type Json } from "./envelopes";
import { bodyField, type Transport } from "./http";
import { positiveId } from "./nodes";
import type {
  CompleteTaskRequest,
  StartedWorkflow,
  StartWorkflowRequest,
  TaskRef,
  WorkflowAssignment,
  WorkflowForm,
  WorkflowFormField,
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
