import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, form, multipart } from "./cs-http";

describe("content-server simulator: workflows", () => {
  let sim: ContentServerSimulator;
  let admin: CsCaller;
  let integration: CsCaller;
  let doc: number;
  before(async () => {
    sim = await startSeededContentServer();
    admin = await new CsCaller(sim.url).login();
    integration = await new CsCaller(sim.url).login("otintegration", "integration");
    doc = (
      await admin.post(
        "api/v2/nodes",
        multipart(
          { type: 144, parent_id: 2401, name: "template.docx" },
          { name: "template.docx", type: "application/octet-stream", content: "tpl" },
        ),
      )
    ).json.results.data.properties.id;
  });
  after(() => sim.close());

  it("runs draft → form → formUpdate → Initiate, then steps move on by disposition until completed", async () => {
    const draft = await admin.post("api/v2/draftprocesses", bodyForm({ workflow_id: 2503, doc_ids: String(doc) }));
    assert.equal(draft.status, 200);
    const draftId = draft.json.results.draftprocess_id;
    assert.equal(draft.json.results.workflow_type, "1_1");
    const formRes = await admin.get(`api/v1/forms/draftprocesses/update?draftprocess_id=${draftId}`);
    assert.equal(formRes.json.data.process_id, draftId);
    const folder = formRes.json.data.data_packages[0].data.attachment_folder_id;
    const schema = formRes.json.forms[0].schema.properties;
    const key = Object.keys(schema).find((k) => schema[k].title === "Template Name")!;
    assert.equal(key, "WorkflowForm_2");
    const early = await admin.put(`api/v2/draftprocesses/${draftId}`, bodyForm({ action: "Initiate", comment: "go" }));
    assert.equal(early.status, 400, "a required workflow attribute is missing");
    const update = await admin.put(
      `api/v2/draftprocesses/${draftId}`,
      bodyForm({ action: "formUpdate", values: { WorkflowForm_Title: "Approve template", [key]: "Welcome letter" } }),
    );
    assert.equal(update.status, 200);
    const started = await admin.put(
      `api/v2/draftprocesses/${draftId}`,
      bodyForm({ action: "Initiate", comment: "go" }),
    );
    assert.equal(started.status, 200);
    const pid = started.json.results.process_id;
    assert.match(started.json.results.custom_message, /initiated successfully/);

    const attachments = await admin.get(`api/v2/nodes/${folder}/nodes`);
    assert.deepEqual(
      attachments.json.results.map((r: any) => r.data.properties.name),
      ["template.docx"],
    );

    const status = await admin.get(`api/v2/workflows/status/processes/${pid}`);
    assert.equal(status.json.results.attachments.attachment_folder_id, folder);
    const [current] = status.json.results.step_list.current;
    assert.equal(current.task_name, "Approve Template");

    assert.equal(
      (await integration.get("api/v2/members/assignments")).json.results.length,
      0,
      "not the integration user's step yet",
    );
    const mine = await admin.get("api/v2/members/assignments");
    const task = mine.json.results.find((r: any) => r.data.assignments.workflow_id === pid).data.assignments;
    const taskForm = await admin.get(
      `api/v1/forms/processes/tasks/update?process_id=${pid}&subprocess_id=${pid}&task_id=${task.workflow_subworkflow_task_id}`,
    );
    assert.deepEqual(
      taskForm.json.data.custom_actions.map((a: any) => a.key),
      ["Approve", "Reject"],
    );
    assert.equal(taskForm.json.forms[0].data.WorkflowForm_2, "Welcome letter");
    const notMine = await integration.get(
      `api/v1/forms/processes/tasks/update?process_id=${pid}&subprocess_id=${pid}&task_id=${task.workflow_subworkflow_task_id}`,
    );
    assert.equal(notMine.status, 500);

    const taskPath = `api/v2/processes/${pid}/subprocesses/${pid}/tasks/${current.task_id}`;
    const both = await admin.put(taskPath, bodyForm({ action: "SendOn", custom_action: "Approve" }));
    assert.equal(both.status, 400);
    assert.equal(both.json.error, "It is not allowed to execute an action and a custom action");
    assert.equal((await admin.put(taskPath, bodyForm({ custom_action: "Approve", comment: "fine" }))).status, 200);

    const next = await integration.get("api/v2/members/assignments");
    const publish = next.json.results.find((r: any) => r.data.assignments.workflow_id === pid).data.assignments;
    assert.equal(publish.name, "Publish to Exstream");
    const done = await integration.put(
      `api/v2/processes/${pid}/subprocesses/${pid}/tasks/${publish.workflow_subworkflow_task_id}`,
      bodyForm({ action: "SendOn", values: { WorkflowForm_4: "res-1", WorkflowForm_5: "3" } }),
    );
    assert.equal(done.status, 200);
    const final = await admin.get(`api/v2/workflows/status/processes/${pid}`);
    assert.equal(final.json.results.wf_details.status, "completed");
    assert.deepEqual(
      final.json.results.step_list.completed.map((s: any) => s.task_name),
      ["Approve Template", "Publish to Exstream"],
    );
    assert.equal(sim.store.data.processes[String(pid)].attributes["4"], "res-1");
  });

  it("starts with startwf (plain form) and a Reject disposition routes back", async () => {
    const res = await integration.post(
      "api/v2/draftprocesses/startwf",
      form({
        workflow_id: 2502,
        body: JSON.stringify({ workflow_id: 2502, doc_ids: "", values: { WorkflowForm_2: "CLM-2024-0001" } }),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const pid = res.json.results.process_id;
    const step = (await integration.get(`api/v2/workflows/status/processes/${pid}`)).json.results.step_list.current[0];
    assert.equal(step.task_name, "Generate Case Letter");
    await integration.put(
      `api/v2/processes/${pid}/subprocesses/${pid}/tasks/${step.task_id}`,
      bodyForm({ action: "SendOn" }),
    );
    const review = (await admin.get(`api/v2/workflows/status/processes/${pid}`)).json.results.step_list.current[0];
    assert.equal(review.task_name, "Case Handler Review");
    await admin.put(
      `api/v2/processes/${pid}/subprocesses/${pid}/tasks/${review.task_id}`,
      bodyForm({ custom_action: "Reject" }),
    );
    const back = (await admin.get(`api/v2/workflows/status/processes/${pid}`)).json.results.step_list.current[0];
    assert.equal(back.task_name, "Generate Case Letter");
    const list = await integration.get("api/v2/workflows/status?wstatus=ontime&kind=Initiated");
    assert.ok(list.json.results.some((r: any) => r.data.wfstatus.process_id === pid));
  });

  it("answers assignments and process status with the fields the evidence shows, none naming the map", async () => {
    const started = await admin.post(
      "api/v2/draftprocesses/startwf",
      bodyForm({ workflow_id: 2501, values: { WorkflowForm_2: "C-1" } }),
    );
    const pid = started.json.results.process_id;
    const mine = (await integration.get("api/v2/members/assignments")).json.results.map((r: any) => r.data.assignments);
    const task = mine.find((a: any) => a.workflow_id === pid);
    // members_V2PropertiesAssignments (cs-rest schema.ts)
    const evidenced = new Set(
      "container container_size date_due description favorite followup_id from_user_id id instructions location_id name priority priority_name smartViewAttachmentsView status status_name type type_name workflow_id workflow_open_in_smart_ui workflow_subworkflow_id workflow_subworkflow_task_id maptask_subtype".split(
        " ",
      ),
    );
    assert.deepEqual(
      Object.keys(task).filter((k) => !evidenced.has(k)),
      [],
    );
    const status = (await integration.get(`api/v2/workflows/status/processes/${pid}`)).json.results;
    // workFlow_Details and workFlow_Process_TaskInfo (schema.ts), pyxecm get_workflow_status
    assert.deepEqual(Object.keys(status.wf_details).sort(), [
      "date_initiated",
      "due_date",
      "initiator",
      "status",
      "wf_name",
      "work_workID",
    ]);
    assert.equal(status.wf_details.wf_name, "Letter Generation", "the instance title: the map's name by default");
    const stepFields =
      "process_id subprocess_id task_id task_name task_due_date task_start_date task_status task_assignees";
    assert.deepEqual(Object.keys(status.step_list.current[0]).sort(), stepFields.split(" ").sort());
    assert.deepEqual(
      status.data_packages.map((p: any) => [p.SUBTYPE, p.USERDATA]),
      [
        [1, status.attachments.attachment_folder_id],
        [2, pid],
      ],
    );
    assert.ok("ChangeAttr" in status.permissions);
  });

  it("puts doc_ids into the attachments folder as copies, or as shortcuts to the originals (flag)", async () => {
    const folderOf = async () => {
      const res = await admin.post(
        "api/v2/draftprocesses",
        bodyForm({ workflow_id: 2503, doc_ids: String(doc), AttachDocuments: "true" }),
      );
      const id = res.json.results.draftprocess_id;
      const draftForm = await admin.get(`api/v1/forms/draftprocesses/update?draftprocess_id=${id}`);
      const folder = draftForm.json.data.data_packages[0].data.attachment_folder_id;
      return (await admin.get(`api/v2/nodes/${folder}/nodes`)).json.results.map((r: any) => r.data.properties);
    };
    const [copy] = await folderOf();
    assert.equal(copy.type, 144);
    assert.notEqual(copy.id, doc);
    sim.configure({ workflowAttachments: "shortcut" });
    try {
      const [shortcut] = await folderOf();
      assert.equal(shortcut.type, 1);
      assert.equal(shortcut.original_id, doc);
      assert.equal(shortcut.name, "template.docx");
    } finally {
      sim.configure({ workflowAttachments: "copy" });
    }
  });

  it("takes the attachment behaviour from --workflow-attachments and refuses other values", async () => {
    const shortcut = await startSeededContentServer({ "workflow-attachments": "shortcut" });
    try {
      assert.equal(shortcut.options.workflowAttachments, "shortcut");
    } finally {
      await shortcut.close();
    }
    await assert.rejects(startSeededContentServer({ "workflow-attachments": "link" }), /copy or shortcut/);
  });

  it("an after-processing fault stores the change, then drops the answer or answers 502", async () => {
    for (const fault of [{ reset: true }, { status: 502 }]) {
      const started = await admin.post(
        "api/v2/draftprocesses/startwf",
        bodyForm({ workflow_id: 2501, values: { WorkflowForm_2: "C-1" } }),
      );
      const pid = started.json.results.process_id;
      sim.addFault({
        method: "PUT",
        path: "api/v2/processes/*/subprocesses/*/tasks/*",
        after: true,
        times: 1,
        ...fault,
      });
      const answer = await integration
        .put(`api/v2/processes/${pid}/subprocesses/${pid}/tasks/10`, bodyForm({ action: "SendOn" }))
        .then((r) => r.status)
        .catch(() => "reset");
      assert.equal(answer, fault.reset ? "reset" : 502);
      const status = (await admin.get(`api/v2/workflows/status/processes/${pid}`)).json.results;
      assert.equal(status.step_list.current[0].task_name, "Review Letter", "the change was stored");
    }
  });

  it("refuses unknown maps", async () => {
    const res = await admin.post("api/v2/draftprocesses", bodyForm({ workflow_id: 2301 }));
    assert.equal(res.status, 400);
    assert.equal(res.json.error, "Could not Loadmap.");
  });

  it("answers a map definition whose tasks carry only processes_WorkflowDefinitionTask fields (no dispositions)", async () => {
    const res = await admin.get("api/v2/workflows/2503/definition");
    assert.equal(res.status, 200);
    const spec = ["data", "description", "instructions", "sub_type", "task_id", "title", "type"];
    assert.ok(res.json.results.definition.tasks.length > 0);
    for (const task of res.json.results.definition.tasks) {
      assert.deepEqual(
        Object.keys(task).filter((key) => !spec.includes(key)),
        [],
      );
    }
  });
});
