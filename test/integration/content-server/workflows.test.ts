import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, INTEGRATION_USER, startSim, uniqueName, type TestSim } from "./support";

const WORKFLOW_MAP_TYPE = 128;

describe("content-server client: workflows", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  async function mapId(client: ReturnType<TestSim["client"]>, name: string): Promise<number> {
    const folder = await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, "Workflow Maps");
    assert.ok(folder);
    const map = await client.nodes.findChildByName(folder.id, name, { type: WORKFLOW_MAP_TYPE });
    assert.ok(map, `map "${name}"`);
    return map.id;
  }

  it("starts a workflow from a map with attributes and attachments, then completes its steps", async () => {
    const admin = sim.client();
    const integration = sim.client({ credentials: { ...INTEGRATION_USER } });
    const folder = await admin.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("WF"));
    const doc = await admin.documents.uploadDocument({
      parentId: folder.id,
      name: "request.pdf",
      content: { buffer: Buffer.from("request"), fileName: "request.pdf" },
    });
    const letterMap = await mapId(admin, "Letter Generation");

    const started = await admin.workflows.startWorkflow({
      mapId: letterMap,
      docIds: [doc.id],
      title: "Letter for C-1001",
      dueDate: "2030-01-31",
      attributes: { "Customer ID": "C-1001", "Letter Type": "Welcome" },
      comment: "started by test",
    });
    assert.ok(started.processId > 0);
    assert.ok(started.attachmentFolderId && started.attachmentFolderId > 0);

    const status = await admin.workflows.getProcessStatus(started.processId);
    assert.equal(status.current.length, 1);
    assert.equal(status.current[0].taskName, "Generate Letter");

    const assignments = await integration.workflows.listMyAssignments();
    const mine = assignments.find((a) => a.processId === started.processId);
    assert.ok(mine, "the integration user sees the step");
    const form = await integration.workflows.getTaskForm(mine);
    assert.equal(form.values[form.fields.find((f) => f.title === "Customer ID")?.key as string], "C-1001");
    assert.ok(form.attachmentFolderId && form.attachmentFolderId > 0);

    await integration.documents.uploadDocument({
      parentId: form.attachmentFolderId,
      name: "letter.pdf",
      content: { buffer: Buffer.from("generated letter"), fileName: "letter.pdf" },
    });
    await integration.workflows.completeTask(mine, {
      action: "SendOn",
      comment: "letter generated",
      values: { "Generated Document ID": 12345 },
    });

    const review = await admin.workflows.getProcessStatus(started.processId);
    assert.equal(review.current[0]?.taskName, "Review Letter");
    const reviewTask = (await admin.workflows.listMyAssignments()).find((a) => a.processId === started.processId);
    assert.ok(reviewTask);
    const reviewForm = await admin.workflows.getTaskForm(reviewTask);
    assert.deepEqual(reviewForm.customActions.map((a) => a.key).sort(), ["Approve", "Reject"]);
    await admin.workflows.completeTask(reviewTask, { customAction: "Approve", comment: "looks good" });
    const done = await admin.workflows.getProcessStatus(started.processId);
    assert.equal(done.current.length, 0);
    assert.ok(done.completed.length >= 2);
  });

  it("drives the draft steps one by one", async () => {
    const client = sim.client();
    const draft = await client.workflows.createDraftProcess(await mapId(client, "Template Approval"));
    const form = await client.workflows.getDraftForm(draft);
    assert.ok(form.actions.some((a) => a.key === "Initiate"));
    assert.ok(form.fields.some((f) => f.title === "Template Name"));
    await client.workflows.updateDraftProcess(draft, { "Template Name": "Disclaimer EN" }, form);
    const { processId } = await client.workflows.initiateDraftProcess(draft, "go");
    assert.ok(processId > 0);
    const status = await client.workflows.getProcessStatus(processId);
    assert.equal(status.current[0]?.taskName, "Approve Template");
  });

  it("refuses action and custom action together, and unknown form fields, before sending", async () => {
    const client = sim.client();
    const both = await client.workflows
      .completeTask({ processId: 1, taskId: 1 }, { action: "SendOn", customAction: "Approve" })
      .catch((e: unknown) => e);
    assert.ok(both instanceof ContentServerError);
    assert.equal(both.code, "INVALID_REQUEST");
    const draft = await client.workflows.createDraftProcess(await mapId(client, "Letter Generation"));
    const unknown = await client.workflows.updateDraftProcess(draft, { "No Such Field": 1 }).catch((e: unknown) => e);
    assert.ok(unknown instanceof ContentServerError);
    assert.match(unknown.message, /No Such Field/);
  });
});
