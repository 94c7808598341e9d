import assert from "node:assert/strict";
import {
  ADMIN,
  ENTERPRISE_WORKSPACE,
  INTEGRATION_USER,
  startProxy,
  startSim,
  uniqueName,
  type TestSim,
} from "./support";

describe("content-server client: request encoding", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  it("the simulator refuses JSON request bodies (so every successful call below was form-encoded)", async () => {
    const login = await fetch(`${sim.url}/api/v1/auth`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(ADMIN),
    });
    const { ticket } = (await login.json()) as { ticket: string };
    const json = await fetch(`${sim.url}/api/v2/nodes`, {
      method: "POST",
      headers: { "Content-Type": "application/json", OTCSTicket: ticket },
      body: JSON.stringify({ type: 0, parent_id: ENTERPRISE_WORKSPACE, name: uniqueName("json") }),
    });
    assert.ok(json.status >= 400, `JSON body answered ${json.status}`);
  });

  it("never sends a JSON body to Content Server: forms, multipart, or nothing", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const client = sim.client({ baseUrl: proxy.url });
      const integration = sim.client({ baseUrl: proxy.url, credentials: { ...INTEGRATION_USER } });
      const folder = await client.nodes.ensureFolderPath(ENTERPRISE_WORKSPACE, `${uniqueName("Enc")}/a/b`);
      const { values, categoryId } = await client.categories.resolveCategoryValues("Customer Communication", {
        "Customer ID": "C-1",
      });
      const doc = await client.documents.uploadDocument({
        parentId: folder.id,
        name: "a.txt",
        content: { buffer: Buffer.from("a"), fileName: "a.txt" },
        categories: values,
      });
      await client.documents.addVersion(doc.id, { content: { buffer: Buffer.from("b"), fileName: "a.txt" } });
      await client.categories.updateCategory(doc.id, categoryId, { "Customer ID": "C-2" });
      await client.nodes.renameNode(doc.id, "b.txt");
      await client.nodes.validateNames(folder.id, ["b.txt"]);
      await client.search.search({ where: 'OTName: "b.txt"' });
      const hold = await client.records.createHold({ name: uniqueName("hold") });
      await client.records.applyHold(doc.id, hold);
      const maps = await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, "Workflow Maps");
      const map = await client.nodes.findChildByName(maps?.id ?? 0, "Letter Generation");
      const started = await client.workflows.startWorkflow({
        mapId: map?.id ?? 0,
        docIds: [doc.id],
        attributes: { "Customer ID": "C-2" },
      });
      const task = (await integration.workflows.listMyAssignments()).find((a) => a.processId === started.processId);
      await integration.workflows.completeTask(task ?? { processId: 0, taskId: 0 }, { action: "SendOn" });
      await client.nodes.deleteNode((await client.nodes.createFolder(folder.id, "to delete")).id);

      const calls = proxy.requests.filter((r) => r.path.includes("/api/"));
      assert.ok(calls.length > 20, `${calls.length} calls recorded`);
      for (const call of calls) {
        assert.doesNotMatch(call.contentType, /json/i, `${call.method} ${call.path}`);
        if (call.method === "POST" || call.method === "PUT") {
          assert.match(call.contentType, /^(application\/x-www-form-urlencoded|multipart\/form-data)/, call.path);
        }
      }
      const uploads = calls.filter((c) => c.method === "POST" && /api\/v2\/nodes(\/\d+\/versions)?$/.test(c.path));
      assert.ok(uploads.some((c) => c.contentType.startsWith("multipart/form-data")));
    } finally {
      await proxy.close();
    }
  });
});
