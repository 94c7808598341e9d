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

  it("refuses unknown maps", async () => {
    const res = await admin.post("api/v2/draftprocesses", bodyForm({ workflow_id: 2301 }));
    assert.equal(res.status, 400);
    assert.equal(res.json.error, "Could not Loadmap.");
  });
});
