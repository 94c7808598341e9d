/*
 * Reading a workflow task for the trigger (WorkflowTaskPoller.read): the process status that tells the task's map and
 * the task's form do not depend on each other and are asked for at the same time. A recording proxy holds the status
 * answer until the form was asked for: a reader that waits for the status first never gets it (the test times out).
 */
import assert from "node:assert/strict";
import { ContentServerClient } from "../../../nodes/lib/content-server";
import { WorkflowMapResolver } from "../../../nodes/lib/workflow/maps";
import { WorkflowTaskPoller } from "../../../nodes/lib/workflow/poller";
import type { WorkflowTaskTracker } from "../../../nodes/lib/workflow/task-tracker";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { csClient, startByName, USERS } from "../../helpers/workflow-kit";
import { startProxy, type Proxy } from "./support";

describe("workflow trigger: reading a task", function () {
  this.timeout(20_000);
  let sim: ContentServerSimulator;
  let proxy: Proxy;
  let admin: ContentServerClient;
  let client: ContentServerClient;

  before(async () => {
    sim = await startSeededContentServer();
    proxy = await startProxy(sim.url);
    admin = csClient(sim, "admin");
    client = new ContentServerClient({
      baseUrl: proxy.url,
      authMode: "cs",
      credentials: { ...USERS.integration },
      retry: { maxAttempts: 1 },
    });
  });
  after(async () => {
    await client.close();
    await admin.close();
    await proxy.close();
    await sim.close();
  });

  it("asks for the process status (the map) and the task form at the same time", async () => {
    const processId = await startByName(admin, "Letter Generation", { "Customer ID": "C-7101" });
    await client.workflows.listMyAssignments(); // logged in
    let formAsked = false;
    const waiting: Array<() => void> = [];
    proxy.delay = (req) => {
      if (/\/forms\/processes\/tasks\/update/.test(req.url ?? "")) {
        formAsked = true;
        waiting.splice(0).forEach((release) => release());
      }
      if (formAsked || !/\/workflows\/status\/processes\//.test(req.url ?? "")) return undefined;
      return new Promise<void>((resolve) => waiting.push(resolve));
    };
    const poller = new WorkflowTaskPoller({
      client,
      resolver: new WorkflowMapResolver(client),
      tracker: {} as WorkflowTaskTracker, // not used by read()
      filter: { maps: [], steps: [] },
      emit: () => undefined,
    });
    const task = await poller.read({ processId, subprocessId: processId, taskId: 10, stepName: "" });
    assert.equal(task.attributes["Customer ID"], "C-7101");
    assert.equal(task.mapName, "Letter Generation", "the map named by the process status");
    assert.ok(formAsked);
  });
});
