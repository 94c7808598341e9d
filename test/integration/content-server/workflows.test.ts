import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { readWorkflowTask } from "../../../nodes/lib/content-server/workflows";
import { ENTERPRISE_WORKSPACE, INTEGRATION_USER, startProxy, startSim, uniqueName, type TestSim } from "./support";

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

  it("reads the draft form from the configured route: pyxecm's by default, the OpenAPI description's when set", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const formRoutes = () =>
        proxy.requests.filter((r) => /\/forms\/draftprocesses/.test(r.path)).map((r) => r.path.split("?")[0]);
      for (const [draftFormPath, route] of [
        [undefined, "/api/v1/forms/draftprocesses/update"],
        ["api/v1/forms/draftprocesses", "/api/v1/forms/draftprocesses"],
      ] as const) {
        proxy.requests.length = 0;
        const client = sim.client({ baseUrl: proxy.url, draftFormPath });
        const draft = await client.workflows.createDraftProcess(await mapId(client, "Template Approval"));
        const form = await client.workflows.getDraftForm(draft);
        assert.ok(form.fields.some((f) => f.title === "Template Name"));
        assert.deepEqual(formRoutes(), [new URL(proxy.url).pathname + route]);
      }
    } finally {
      await proxy.close();
    }
  });

  it("reads a shortcut attachment as its original in the version of the workflow's start; a deleted one as unreachable", async () => {
    sim.sim.configure({ workflowAttachments: "shortcut" });
    try {
      const admin = sim.client();
      const integration = sim.client({ credentials: { ...INTEGRATION_USER } });
      const folder = await admin.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("WF"));
      const upload = (name: string) =>
        admin.documents.uploadDocument({
          parentId: folder.id,
          name,
          content: { buffer: Buffer.from(`${name} v1`), fileName: name },
        });
      const kept = await upload("kept.txt");
      const gone = await upload("gone.txt");
      const started = await admin.workflows.startWorkflow({
        mapId: await mapId(admin, "Letter Generation"),
        docIds: [kept.id, gone.id],
        attributes: { "Customer ID": "C-1002" },
      });
      // a version added after the start (CS dates have second resolution: one second later)
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
      await admin.documents.addVersion(kept.id, { content: { buffer: Buffer.from("later"), fileName: "kept.txt" } });
      await admin.nodes.deleteNode(gone.id);

      const task = await readWorkflowTask(
        integration,
        { processId: started.processId, taskId: 10 },
        { startedAt: (await integration.workflows.getProcessStatus(started.processId)).dateInitiated },
      );
      const [original, unreachable] = [...task.attachments].sort((a, b) => a.name.localeCompare(b.name)).reverse();
      assert.equal(original.nodeId, kept.id);
      assert.equal(original.original, true);
      assert.equal(original.version, 1, "the version current at the start, not the one added later");
      assert.equal(original.type, 144);
      assert.ok(original.shortcutId && original.shortcutId !== kept.id);
      assert.equal(unreachable.original, false);
      assert.equal(unreachable.type, 1);
      assert.match(unreachable.unreachable ?? "", new RegExp(`original ${gone.id} not found`));
    } finally {
      sim.sim.configure({ workflowAttachments: "copy" });
    }
  });

  it("sends AttachDocuments with doc_ids when creating a draft process (as pyxecm does)", async () => {
    const proxy = await startProxy(sim.url);
    try {
      let body = "";
      proxy.intercept = (req, res) => {
        if (req.method !== "POST" || !/draftprocesses$/.test(req.url ?? "")) return false;
        req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        req.on("end", () => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ results: { draftprocess_id: 4242, workflow_type: "1_1" } }));
        });
        return true;
      };
      const client = sim.client({ baseUrl: proxy.url });
      assert.equal(await client.workflows.createDraftProcess(2501, [2301, 2302]), 4242);
      const sent = JSON.parse(new URLSearchParams(body).get("body") ?? "{}") as Record<string, unknown>;
      assert.deepEqual(sent, { workflow_id: 2501, doc_ids: "2301,2302", AttachDocuments: "true" });
    } finally {
      await proxy.close();
    }
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
