import { CsError, badRequest, serverError } from "./errors";
import {
  SubType,
  type Assignee,
  type AttributeValue,
  type ProcessStep,
  type SimNode,
  type SimProcess,
  type SimUser,
  type WorkflowMap,
  type WorkflowStep,
} from "./model";
import { copyTree } from "./nodes";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import { timestamp, type Store } from "./store";
import { parseId } from "./views";

const DAY_MS = 24 * 60 * 60 * 1000;
const STEP_DUE_DAYS = 3;
const FORM_PREFIX = "WorkflowForm_";
/** Assignment type of a workflow step (Smart View opens type 153 assignments as workflow tasks). */
const WORKFLOW_STEP_ASSIGNMENT = 153;

function findMap(store: Store, id: number): WorkflowMap {
  const node = store.findNode(id);
  if (!node) throw badRequest("Error getting node from ID");
  const map = store.data.workflowMaps[String(id)];
  if (!map || node.type !== SubType.WorkflowMap) throw badRequest("Could not Loadmap.");
  if (!map.steps.length) throw badRequest("Workflow Map has no versions.");
  return map;
}

function findStep(map: WorkflowMap, id: number): WorkflowStep {
  const step = map.steps.find((s) => s.id === id);
  if (!step) throw serverError(`Workflow map ${map.id} has no step ${id}.`);
  return step;
}

function findProcess(store: Store, id: number, draft: boolean): SimProcess {
  const process = store.data.processes[String(id)];
  if (!process || (process.status === "draft") !== draft) {
    throw badRequest(draft ? `Could not get a draft process for ${id}` : `Could not get a workflow for ${id}`);
  }
  return process;
}

/** Workflow attachments live in a hidden volume, one folder per instance. */
function workflowVolume(store: Store): SimNode {
  const existing = store.children(-1).find((n) => n.type === SubType.WorkflowVolume);
  if (existing) return existing;
  return store.createNode({
    parentId: -1,
    name: "Workflow Volume",
    type: SubType.WorkflowVolume,
    userId: 1000,
    hidden: true,
  });
}

function isAssignee(store: Store, assignee: Assignee, user: SimUser): boolean {
  if (assignee.userId !== undefined) return assignee.userId === user.id;
  return assignee.groupId !== undefined && (store.findGroup(assignee.groupId)?.memberIds.includes(user.id) ?? false);
}

function docIdsOf(raw: unknown): number[] {
  if (raw === undefined || raw === null || raw === "") return [];
  const list = Array.isArray(raw) ? raw : String(raw).split(",");
  return list.map((v) => parseId(String(v).trim(), "doc_ids"));
}

async function createDraft(ctx: RequestContext, mapId: number, docIds: number[]): Promise<SimProcess> {
  const { store } = ctx.sim;
  const map = findMap(store, mapId);
  const docs = docIds.map((id) => store.requireNode(id, 400, "Error getting node from ID"));
  const id = store.allocateId();
  const folder = store.createNode({
    parentId: workflowVolume(store).id,
    name: `Attachments ${id}`,
    type: SubType.Folder,
    userId: ctx.user.id,
  });
  for (const doc of docs) await attach(ctx, doc, folder.id);
  const process: SimProcess = {
    id,
    mapId: map.id,
    title: store.findNode(map.id)?.name ?? map.title,
    status: "draft",
    initiatorId: ctx.user.id,
    createDate: timestamp(),
    attachmentFolderId: folder.id,
    attributes: {},
    current: [],
    completed: [],
    comments: [],
  };
  store.data.processes[String(id)] = process;
  return process;
}

/** `doc_ids` land in the attachments folder as copies or as shortcuts to the originals (simulator flag). */
async function attach(ctx: RequestContext, doc: SimNode, folderId: number): Promise<void> {
  if (ctx.sim.options.workflowAttachments === "copy") {
    await copyTree(ctx, doc, folderId, doc.name);
    return;
  }
  const shortcut = ctx.sim.store.createNode({
    parentId: folderId,
    name: doc.name,
    type: SubType.Shortcut,
    userId: ctx.user.id,
  });
  shortcut.originalId = doc.id;
}

function normalizeAttribute(map: WorkflowMap, key: string, raw: unknown): [string, AttributeValue] {
  const attrId = key.slice(FORM_PREFIX.length).split("_").pop();
  const attr = map.attributes.find((a) => String(a.id) === attrId);
  if (!attr) throw badRequest(`'${key}' is not an attribute of workflow map ${map.id}.`);
  const one = (v: unknown): string | number | boolean | null => {
    if (v === null || v === undefined || v === "") return null;
    if (attr.type === "Integer") {
      const n = Number(v);
      if (!Number.isInteger(n)) throw badRequest(`Invalid integer value for '${attr.name}'.`);
      return n;
    }
    if (attr.type === "Boolean") return v === true || v === "true" || v === 1 || v === "1";
    if (attr.type === "Date") {
      const m = /^(\d{4}-\d{2}-\d{2})/.exec(String(v));
      if (!m) throw badRequest(`Invalid date value for '${attr.name}'.`);
      return `${m[1]}T00:00:00`;
    }
    return String(v);
  };
  const value = attr.multiValue ? (Array.isArray(raw) ? raw : [raw]).map(one) : one(Array.isArray(raw) ? raw[0] : raw);
  return [String(attr.id), value];
}

function applyValues(store: Store, process: SimProcess, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  const values =
    typeof raw === "string" ? (JSON.parse(raw) as Record<string, unknown>) : (raw as Record<string, unknown>);
  const map = findMap(store, process.mapId);
  for (const [key, value] of Object.entries(values)) {
    if (key === `${FORM_PREFIX}Title`) process.title = String(value);
    else if (key === `${FORM_PREFIX}WorkflowDueDate`) process.dueDate = value ? String(value) : undefined;
    else if (key.startsWith(FORM_PREFIX)) {
      const [attrId, normalized] = normalizeAttribute(map, key, value);
      process.attributes[attrId] = normalized;
    } else {
      throw badRequest(`'${key}' is not a workflow form field.`);
    }
  }
}

function startStep(map: WorkflowMap, stepId: number): ProcessStep {
  const step = findStep(map, stepId);
  const now = new Date();
  return {
    stepId,
    startDate: timestamp(now),
    dueDate: timestamp(new Date(now.getTime() + STEP_DUE_DAYS * DAY_MS)),
    assignee: { ...step.assignee },
  };
}

function initiate(store: Store, process: SimProcess, comment: unknown, user: SimUser): SimProcess {
  const map = findMap(store, process.mapId);
  for (const attr of map.attributes) {
    const value = process.attributes[String(attr.id)];
    if (attr.required && (value === undefined || value === null || (Array.isArray(value) && !value.length))) {
      throw badRequest(`The workflow attribute '${attr.name}' is required.`);
    }
  }
  delete store.data.processes[String(process.id)];
  process.id = store.allocateId();
  process.status = "ontime";
  process.dateInitiated = timestamp();
  process.current = [startStep(map, map.firstStepId)];
  if (typeof comment === "string" && comment)
    process.comments.push({ userId: user.id, date: timestamp(), text: comment });
  store.data.processes[String(process.id)] = process;
  return process;
}

function initiated(process: SimProcess) {
  return {
    results: {
      custom_message: `${process.title} was initiated successfully.`,
      process_id: process.id,
      WorkID: null,
      WRID: null,
    },
  };
}

async function postDraft(ctx: RequestContext) {
  const input = ctx.form.input();
  if (input.workflow_id === undefined) throw badRequest("Missing required parameter 'workflow_id'.");
  const docIds = docIdsOf(input.doc_ids);
  const process = await createDraft(ctx, parseId(input.workflow_id, "workflow_id"), docIds);
  ctx.sim.store.changed();
  const results: Record<string, unknown> = { draftprocess_id: process.id };
  if (docIds.length) results.workflow_type = "1_1";
  return { links: selfLinks(ctx.req), results };
}

function formSchema(map: WorkflowMap) {
  const properties: Record<string, unknown> = {
    [`${FORM_PREFIX}Title`]: { title: "Title", type: "string", required: true },
    [`${FORM_PREFIX}WorkflowDueDate`]: { title: "Due Date", type: "date", required: false },
  };
  for (const attr of map.attributes) {
    const type =
      attr.type === "Integer"
        ? "integer"
        : attr.type === "Boolean"
          ? "boolean"
          : attr.type === "Date"
            ? "date"
            : "string";
    properties[`${FORM_PREFIX}${attr.id}`] = attr.multiValue
      ? { title: attr.name, type: "array", items: { type }, required: attr.required === true }
      : { title: attr.name, type, required: attr.required === true };
  }
  return { type: "object", properties };
}

function formData(map: WorkflowMap, process: SimProcess) {
  const data: Record<string, unknown> = {
    [`${FORM_PREFIX}Title`]: process.title,
    [`${FORM_PREFIX}WorkflowDueDate`]: process.dueDate ?? null,
  };
  for (const attr of map.attributes) {
    data[`${FORM_PREFIX}${attr.id}`] = process.attributes[String(attr.id)] ?? (attr.multiValue ? [] : null);
  }
  return data;
}

function attachmentPackages(process: SimProcess) {
  return [
    { type: 1, sub_type: 1, data: { attachment_folder_id: process.attachmentFolderId } },
    { type: 1, sub_type: 2, data: {} },
  ];
}

function draftForm(ctx: RequestContext) {
  const { store } = ctx.sim;
  const process = findProcess(store, parseId(ctx.query.get("draftprocess_id"), "draftprocess_id"), true);
  const map = findMap(store, process.mapId);
  return {
    data: {
      process_id: process.id,
      title: process.title,
      instructions: map.instructions,
      actions: [{ key: "Initiate", label: "Start" }],
      comments_on: true,
      attachments_on: true,
      authentication: false,
      data_packages: attachmentPackages(process),
      workflow_type: "1_1",
    },
    forms: [{ data: formData(map, process), options: {}, schema: formSchema(map) }],
  };
}

function putDraft(ctx: RequestContext) {
  const { store } = ctx.sim;
  const process = findProcess(store, parseId(ctx.params.id), true);
  const input = ctx.form.input();
  const action = input.action;
  if (action === "formUpdate") {
    applyValues(store, process, input.values);
    store.changed();
    return { links: selfLinks(ctx.req), results: {} };
  }
  if (action === "Initiate") {
    applyValues(store, process, input.values);
    initiate(store, process, input.comment, ctx.user);
    store.changed();
    return initiated(process);
  }
  throw badRequest(
    action === undefined ? "Missing required parameter 'action'." : `Invalid action '${String(action)}'.`,
  );
}

async function startWorkflow(ctx: RequestContext, mapId: unknown, docIds: unknown, values: unknown) {
  const { store } = ctx.sim;
  if (mapId === undefined) throw badRequest("Missing required parameter 'workflow_id'.");
  const process = await createDraft(ctx, parseId(mapId, "workflow_id"), docIdsOf(docIds));
  try {
    applyValues(store, process, values);
    initiate(store, process, undefined, ctx.user);
  } catch (err) {
    delete store.data.processes[String(process.id)];
    throw err;
  }
  store.changed();
  return initiated(process);
}

function userSummary(store: Store, assignee: Assignee) {
  if (assignee.userId !== undefined) {
    const user = store.findUser(assignee.userId);
    return {
      userId: assignee.userId,
      loginName: user?.name ?? "",
      firstName: user?.firstName ?? "",
      lastName: user?.lastName ?? "",
      emailAddress: user?.email ?? "",
      phone: "",
    };
  }
  const group = assignee.groupId !== undefined ? store.findGroup(assignee.groupId) : undefined;
  return {
    userId: assignee.groupId,
    loginName: group?.name ?? "",
    firstName: "",
    lastName: "",
    emailAddress: "",
    phone: "",
  };
}

function stepView(store: Store, process: SimProcess, map: WorkflowMap, step: ProcessStep) {
  const assignee = userSummary(store, step.assignee);
  return {
    process_id: process.id,
    subprocess_id: process.id,
    task_id: step.stepId,
    task_name: findStep(map, step.stepId).name,
    task_due_date: step.dueDate,
    task_start_date: step.startDate,
    task_status: step.completedDate ? "completed" : "ontime",
    task_assignees: { assignee: [assignee], assigneeCount: 1, currentAssignee: assignee.loginName },
  };
}

function processStatus(ctx: RequestContext) {
  const { store } = ctx.sim;
  const process = findProcess(store, parseId(ctx.params.id), false);
  const map = findMap(store, process.mapId);
  const initiator = store.findUser(process.initiatorId);
  const next = process.current
    .map((s) => findStep(map, s.stepId).next)
    .flatMap((id) => (id === null ? [] : [{ task_id: id, task_name: findStep(map, id).name }]));
  return {
    links: selfLinks(ctx.req),
    results: {
      attachments: { attachment_folder_id: process.attachmentFolderId },
      // pyxecm's example: attachments (folder id) and comments (the process id); the attributes package's
      // USERDATA is not shown there, so it is left out.
      data_packages: [
        { TYPE: 1, SUBTYPE: 1, USERDATA: process.attachmentFolderId, DESCRIPTION: "" },
        { TYPE: 1, SUBTYPE: 2, USERDATA: process.id, DESCRIPTION: "" },
      ],
      permissions: {
        Archive: false,
        ChangeAttr: true,
        ChangeRoute: false,
        Delete: true,
        ManagerPerms: true,
        SeeDetail: true,
        Stop: true,
        Suspend: true,
      },
      step_list: {
        completed: process.completed.map((s) => stepView(store, process, map, s)),
        current: process.current.map((s) => stepView(store, process, map, s)),
        next,
      },
      wf_details: {
        date_initiated: process.dateInitiated ?? null,
        due_date: process.dueDate ?? null,
        initiator: initiator ? userSummary(store, { userId: initiator.id }) : null,
        status: process.status,
        wf_name: process.title,
        work_workID: process.id,
      },
    },
  };
}

function involves(store: Store, process: SimProcess, user: SimUser): boolean {
  return [...process.current, ...process.completed].some((s) => isAssignee(store, s.assignee, user));
}

function workflowList(ctx: RequestContext) {
  const { store } = ctx.sim;
  const wanted = ctx.query.get("wstatus");
  const kind = (ctx.query.get("kind") ?? ctx.query.get("Kind") ?? "Both").toLowerCase();
  const now = new Date().toISOString();
  const results = Object.values(store.data.processes)
    .filter((p) => p.status !== "draft")
    .filter((p) => p.initiatorId === ctx.user.id || (kind === "both" && involves(store, p, ctx.user)))
    .map((p) => {
      const late = p.status === "ontime" && p.current.some((s) => s.dueDate < now);
      const statusKey = p.status === "ontime" && late ? "workflowlate" : p.status;
      return { p, statusKey };
    })
    .filter(({ statusKey }) => !wanted || statusKey === wanted)
    .map(({ p, statusKey }) => {
      const map = findMap(store, p.mapId);
      const step = p.current[0];
      return {
        data: {
          wfstatus: {
            process_id: p.id,
            subprocess_id: p.id,
            task_id: step?.stepId ?? null,
            status_key: statusKey,
            step_name: step ? findStep(map, step.stepId).name : "",
            wf_name: p.title,
            date_initiated: p.dateInitiated,
            due_date: p.dueDate ?? step?.dueDate ?? null,
            assignee: step ? [userSummary(store, step.assignee)] : [],
            parallel_steps: p.current.map((s) => stepView(store, p, map, s)),
            steps_count: p.current.length,
          },
        },
      };
    });
  return { links: selfLinks(ctx.req), results };
}

function assignments(ctx: RequestContext) {
  const { store } = ctx.sim;
  const results = Object.values(store.data.processes)
    .filter((p) => p.status === "ontime")
    .flatMap((p) =>
      p.current
        .filter((s) => isAssignee(store, s.assignee, ctx.user))
        .map((s) => {
          const map = findMap(store, p.mapId);
          const step = findStep(map, s.stepId);
          return {
            data: {
              // members_V2PropertiesAssignments: nothing names the map; `id`, `location_id` and `type_name` of a
              // workflow step are not shown by any evidence and are left out.
              assignments: {
                name: step.name,
                type: WORKFLOW_STEP_ASSIGNMENT,
                date_due: s.dueDate,
                priority: 0,
                status: 0,
                from_user_id: p.initiatorId,
                instructions: step.instructions,
                workflow_id: p.id,
                workflow_subworkflow_id: p.id,
                workflow_subworkflow_task_id: s.stepId,
              },
            },
          };
        }),
    );
  return { links: selfLinks(ctx.req), results };
}

/** The process and its current step assigned to the caller, or CS's error. */
function assignedStep(ctx: RequestContext, pid: number, sid: number, tid: number, status: number) {
  const { store } = ctx.sim;
  const process = store.data.processes[String(pid)];
  const step = process?.status === "ontime" && sid === pid ? process.current.find((s) => s.stepId === tid) : undefined;
  if (!process || !step || !isAssignee(store, step.assignee, ctx.user)) {
    throw new CsError(status, `Could not get a workflow for ${pid},${sid},${tid}`);
  }
  return { process, step, map: findMap(store, process.mapId) };
}

function taskForm(ctx: RequestContext) {
  const pid = parseId(ctx.query.get("process_id"), "process_id");
  const sid = parseId(ctx.query.get("subprocess_id") ?? String(pid), "subprocess_id");
  const tid = parseId(ctx.query.get("task_id"), "task_id");
  const { process, map } = assignedStep(ctx, pid, sid, tid, 500);
  const step = findStep(map, tid);
  const actions = [{ key: "Delegate", label: "Forward" }];
  if (!step.dispositions.length) actions.unshift({ key: "SendOn", label: "Send On" });
  return {
    data: {
      actions,
      custom_actions: step.dispositions.map((d) => ({ key: d.key, label: d.label })),
      data_packages: attachmentPackages(process),
      instructions: step.instructions,
      process_id: process.id,
      subprocess_id: process.id,
      task_id: tid,
      title: step.name,
      comments_on: true,
      authentication: false,
      member_accept: false,
    },
    forms: [{ data: formData(map, process), options: {}, schema: formSchema(map) }],
  };
}

function moveOn(store: Store, process: SimProcess, map: WorkflowMap, step: ProcessStep, next: number | null) {
  process.current = process.current.filter((s) => s !== step);
  process.completed.push(step);
  if (next !== null) process.current.push(startStep(map, next));
  if (!process.current.length) process.status = "completed";
}

function updateTask(ctx: RequestContext) {
  const { store } = ctx.sim;
  const pid = parseId(ctx.params.pid);
  const sid = parseId(ctx.params.sid);
  const tid = parseId(ctx.params.tid);
  const input = ctx.form.input();
  const { action, custom_action: customAction, comment } = input;
  if (action !== undefined && customAction !== undefined) {
    throw badRequest("It is not allowed to execute an action and a custom action");
  }
  if (action === undefined && customAction === undefined) throw badRequest("Missing required parameter 'action'.");
  const { process, step, map } = assignedStep(ctx, pid, sid, tid, 400);
  const definition = findStep(map, tid);
  applyValues(store, process, input.values);
  if (typeof comment === "string" && comment)
    process.comments.push({ userId: ctx.user.id, date: timestamp(), text: comment });
  const finish = (key: string, next: number | null) => {
    step.completedDate = timestamp();
    step.completedBy = ctx.user.id;
    step.action = key;
    step.comment = typeof comment === "string" ? comment : undefined;
    moveOn(store, process, map, step, next);
  };
  if (customAction !== undefined) {
    const disposition = definition.dispositions.find((d) => d.key === customAction);
    if (!disposition) throw badRequest(`Invalid custom action '${String(customAction)}'.`);
    finish(disposition.key, disposition.next);
  } else if (action === "SendOn") {
    finish("SendOn", definition.next);
  } else if (action === "Delegate") {
    const assignee = parseId(input.assignee, "assignee");
    if (!store.findUser(assignee)) throw badRequest(`User ${assignee} does not exist.`);
    step.assignee = { userId: assignee };
  } else if (action !== "formUpdate") {
    throw badRequest(`Invalid action '${String(action)}'.`);
  }
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function setStatus(ctx: RequestContext) {
  const { store } = ctx.sim;
  const process = findProcess(store, parseId(ctx.params.id), false);
  const status = ctx.form.input().status;
  const next: Record<string, SimProcess["status"]> = {
    suspend: "suspended",
    resume: "ontime",
    stop: "stopped",
    archive: "completed",
  };
  if (typeof status !== "string" || !next[status]) throw badRequest("Invalid value for parameter 'status'.");
  process.status = next[status];
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function deleteProcess(ctx: RequestContext) {
  const { store } = ctx.sim;
  const process = findProcess(store, parseId(ctx.params.id), false);
  delete store.data.processes[String(process.id)];
  store.changed();
  return { links: selfLinks(ctx.req), results: {} };
}

function mapDefinition(ctx: RequestContext) {
  const map = findMap(ctx.sim.store, parseId(ctx.params.id));
  const definitions: Record<string, unknown> = {};
  for (const attr of map.attributes) {
    definitions[`${map.id}_${attr.id}`] = { name: attr.name, type_name: attr.type, required: attr.required === true };
  }
  return {
    links: selfLinks(ctx.req),
    results: {
      definition: {
        workflow_id: map.id,
        // forms_WorkflowDataPackageInfo: attachments = 1, comments = 2, attributes = 3 (pyxecm's example likewise).
        data_packages: [
          { type: 1, sub_type: 1, data: {} },
          { type: 1, sub_type: 2, data: {} },
          { type: 1, sub_type: 3, data: { definitions } },
        ],
        tasks: map.steps.map((s) => ({
          task_id: s.id,
          title: s.name,
          instructions: s.instructions,
        })),
        workflow_roles: [],
      },
    },
  };
}

function docWorkflows(ctx: RequestContext) {
  const { store } = ctx.sim;
  const data = Object.values(store.data.workflowMaps).map((m) => ({
    DataID: m.id,
    Name: store.findNode(m.id)?.name ?? m.title,
    WorkflowType: 1,
  }));
  return { links: selfLinks(ctx.req), results: { data } };
}

export function registerWorkflowRoutes(router: Router): void {
  router
    .post("api/v2/draftprocesses", postDraft)
    .post("api/v2/draftprocesses/startwf", (ctx) => {
      const input = ctx.form.input();
      return startWorkflow(ctx, input.workflow_id, input.doc_ids, input.values);
    })
    .put("api/v2/draftprocesses/:id", putDraft)
    .get("api/v1/forms/draftprocesses/update", draftForm) // pyxecm get_draft_process
    .get("api/v1/forms/draftprocesses", draftForm) // SPEC workflowpropertiesform2, same query
    .post("api/v2/processes", (ctx) => {
      const input = ctx.form.input();
      const definition = (typeof input.definition === "string" ? JSON.parse(input.definition) : input.definition) as
        Record<string, unknown> | undefined;
      return startWorkflow(
        ctx,
        definition?.workflow_id ?? input.workflow_id,
        definition?.doc_ids ?? input.doc_ids,
        definition?.values,
      );
    })
    .get("api/v2/workflows/status/processes/:id", processStatus)
    .get("api/v2/workflows/status", workflowList)
    .get("api/v2/members/assignments", assignments)
    .get("api/v2/members/moduleassignments/ExpandAssignments/workflow", assignments)
    .get("api/v1/forms/processes/tasks/update", taskForm)
    .put("api/v2/processes/:pid/subprocesses/:sid/tasks/:tid", updateTask)
    .put("api/v2/processes/:id/status", setStatus)
    .delete("api/v2/processes/:id", deleteProcess)
    .get("api/v2/workflows/:id/definition", mapDefinition)
    .get("api/v2/processes/:id/definition", mapDefinition)
    .get("api/v2/docworkflows", docWorkflows);
}
