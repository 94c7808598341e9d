import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csArchive from "../../../nodes/cs-archive/cs-archive";
import csConfig from "../../../nodes/cs-config/cs-config";
import csWorkflow from "../../../nodes/cs-workflow/cs-workflow";
import csWorkflowTrigger from "../../../nodes/cs-workflow-trigger/cs-workflow-trigger";
import exstreamConfig from "../../../nodes/exstream-config/exstream-config";
import exstreamGenerate from "../../../nodes/exstream-generate/exstream-generate";
import exstreamPublish from "../../../nodes/exstream-publish/exstream-publish";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../../helpers/embedded-node-red";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";

helper.init(require.resolve("node-red"));

type Entry = { id: number | string; name: string; [key: string]: unknown };
const names = (list: Entry[]) => list.map((e) => e.name);

describe("editor lookups (admin endpoints behind <type>.read)", function () {
  this.timeout(30_000);
  let cs: ContentServerSimulator;
  let exs: TestExstreamSim;

  before(async () => {
    [cs, exs] = await Promise.all([startSeededContentServer(), startTestExstreamSim()]);
  });
  after(async () => {
    await Promise.all([cs.close(), exs.close()]);
  });

  describe("in the test runtime", () => {
    before(async () => {
      await helper.startServer();
      const flow = [
        { id: "tab1", type: "tab" },
        { id: "csc", type: "cs-config", baseUrl: cs.url, authMode: "cs" },
        {
          id: "exs",
          type: "exstream-config",
          baseUrl: exs.url,
          domain: "Demo",
          tenant: "demo",
          grantType: "client_credentials",
        },
        {
          id: "trigger",
          z: "tab1",
          type: "cs-workflow-trigger",
          server: "csc",
          maps: "x",
          pollIntervalMs: "3600000",
          wires: [[]],
        },
        {
          id: "wf",
          z: "tab1",
          type: "cs-workflow",
          server: "csc",
          operation: "start",
          map: "Template Approval",
          wires: [[]],
        },
        {
          id: "archive",
          z: "tab1",
          type: "cs-archive",
          server: "csc",
          targetType: "folder",
          folderId: "2301",
          wires: [[]],
        },
        {
          id: "gen",
          z: "tab1",
          type: "exstream-generate",
          server: "exs",
          communication: "Monthly Statement",
          wires: [[]],
        },
        { id: "pub", z: "tab1", type: "exstream-publish", server: "exs", resourceType: "disclaimer", wires: [[]] },
      ];
      await helper.load(
        [csConfig, exstreamConfig, csWorkflowTrigger, csWorkflow, csArchive, exstreamGenerate, exstreamPublish],
        flow,
        {
          csc: DEMO_LOGIN,
          exs: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
        },
      );
    });
    after(async () => {
      await helper.unload();
      await helper.stopServer();
    });

    const get = async (path: string, status = 200) => {
      const res = await helper.request().get(path);
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      return res;
    };

    it("lists the workflow maps (cs-workflow-trigger and cs-workflow)", async () => {
      for (const type of ["cs-workflow-trigger", "cs-workflow"]) {
        const res = await get(`/${type}/csc/workflow-maps`);
        const list = res.body as Entry[];
        assert.ok(names(list).includes("Template Approval"), type);
        assert.ok(names(list).includes("Letter Generation"), type);
        assert.deepEqual(
          names(list),
          [...names(list)].sort((a, b) => a.localeCompare(b)),
          "sorted by name",
        );
        assert.equal(list.find((m) => m.name === "Template Approval")!.id, 2503);
      }
    });

    it("answers a map's steps (no dispositions: a definition names none) and the workflow attributes, by name or id", async () => {
      const byName = (await get(`/cs-workflow/csc/workflow-maps/${encodeURIComponent("Letter Generation")}/steps`))
        .body;
      assert.equal(byName.mapId, 2501);
      assert.deepEqual(
        byName.steps.map((s: Entry) => s.name),
        ["Generate Letter", "Review Letter"],
      );
      assert.ok(byName.attributes.some((a: Entry) => a.name === "Customer ID" && a.required === true));
      const byId = (await get("/cs-workflow-trigger/csc/workflow-maps/2503/steps")).body;
      assert.equal(byId.mapId, 2503);
      assert.ok(byId.steps.length > 0);
      for (const step of byId.steps) assert.deepEqual(Object.keys(step).sort(), ["id", "name"]);
      const missing = await get("/cs-workflow/csc/workflow-maps/No%20such%20map/steps", 500);
      assert.match(missing.body.message, /No such map/);
    });

    it("lists business workspace types, categories and a category's attributes (cs-archive)", async () => {
      const types = (await get("/cs-archive/csc/workspace-types")).body as Entry[];
      assert.ok(names(types).includes("Customer"));
      const categories = (await get("/cs-archive/csc/categories")).body as Entry[];
      assert.ok(names(categories).includes("Customer Communication"));
      const definition = (await get(`/cs-archive/csc/categories/${encodeURIComponent("Customer Communication")}`)).body;
      assert.equal(definition.id, 3000);
      assert.ok(definition.attributes.some((a: Entry) => a.name === "SHA-256"));
    });

    it("lists RM classifications and holds (cs-archive), id and name", async () => {
      const classifications = (await get("/cs-archive/csc/rm-classifications")).body as Entry[];
      assert.ok(classifications.length > 0);
      for (const c of classifications) assert.deepEqual(Object.keys(c).sort(), ["id", "name"]);
      const holds = (await get("/cs-archive/csc/holds")).body as Entry[];
      assert.ok(names(holds).includes("Litigation 2024-017"), JSON.stringify(holds));
      for (const h of holds) assert.equal(typeof h.id, "number");
    });

    it("browses folders from the Enterprise volume down, each with its parent (cs-archive, cs-workflow)", async () => {
      const root = (await get("/cs-archive/csc/folders/root")).body;
      assert.equal(root.name, "Enterprise Workspace");
      assert.ok(root.folders.length > 0);
      const child = (await get(`/cs-workflow/csc/folders/${root.folders[0].id}`)).body;
      assert.equal(child.id, root.folders[0].id);
      assert.equal(child.parentId, root.id);
      const refused = await get("/cs-archive/csc/folders/not-a-number", 400);
      assert.match(refused.body.message, /not a folder id/);
    });

    it("previews names and paths with the archive's template code, against the posted sample msg", async () => {
      const res = await helper
        .request()
        .post("/cs-archive/template-preview")
        .send({
          names: { nameTemplate: "{{msg.document.keys.CustomerId}}: {{keys.Type}}.pdf" },
          paths: { folderPath: "Archive/{{msg.document.keys.Type}}" },
          msg: { document: { keys: { CustomerId: "C-1", Type: "Invoice" } } },
        });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        nameTemplate: { value: "C-1_ Invoice.pdf" },
        folderPath: { value: "Archive/Invoice" },
      });
      const form = await helper.request().post("/cs-archive/template-preview").type("form").send({ msg: "x" });
      assert.equal(form.status, 415, "JSON only");
    });

    it("lists the communications (exstream-generate) and resources by type and subtype (exstream-publish)", async () => {
      const comms = (await get("/exstream-generate/exs/communications")).body as Entry[];
      const monthly = comms.find((c) => c.name === "Monthly Statement");
      assert.ok(monthly, JSON.stringify(names(comms)));
      assert.equal(monthly.id, EXSTREAM_DEMO.communicationId);
      assert.equal(typeof monthly.version, "number");
      assert.equal(monthly.state, "APPROVED");
      const disclaimers = (await get("/exstream-publish/exs/resources?type=exstrparagraph&subtype=disclaimer"))
        .body as Entry[];
      assert.ok(disclaimers.length > 0);
      assert.ok(disclaimers.every((r) => r.type === "exstrparagraph" && r.subtype === "disclaimer"));
      const all = (await get("/exstream-publish/exs/resources")).body as Entry[];
      assert.ok(all.length > disclaimers.length);
    });

    it("answers an error naming the problem, without secrets, when the config node is not deployed", async () => {
      const res = await get("/cs-archive/not-deployed/workspace-types", 500);
      assert.match(res.body.message, /deploy/i);
      assert.ok(!JSON.stringify(res.body).includes(DEMO_LOGIN.password));
    });
  });

  describe("in an embedded runtime with adminAuth", () => {
    let nr: EmbeddedNodeRed;

    before(async () => {
      nr = await startEmbeddedNodeRed({
        nodeTypes: ["cs-config", "cs-workflow", "exstream-config", "exstream-generate"],
        users: [
          { username: "admin", password: "admin-pw", permissions: "*" },
          { username: "flows", password: "flows-pw", permissions: ["flows.read"] },
          { username: "wf", password: "wf-pw", permissions: ["cs-workflow.read"] },
        ],
      });
      await nr.deploy(
        [
          { id: "tab1", type: "tab", label: "lookups" },
          { id: "cs9", type: "cs-config", baseUrl: cs.url, authMode: "cs", credentials: { ...DEMO_LOGIN } },
          {
            id: "exs9",
            type: "exstream-config",
            baseUrl: exs.url,
            domain: "Demo",
            tenant: "demo",
            grantType: "client_credentials",
            credentials: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
          },
          { id: "wf9", z: "tab1", type: "cs-workflow", server: "cs9", operation: "start", map: "x", wires: [[]] },
        ],
        await nr.token("admin", "admin-pw"),
      );
    });
    after(async () => nr.stop());

    const lookup = (path: string, token?: string) =>
      fetch(`${nr.adminUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

    it("refuses an anonymous caller and a caller without <type>.read (401)", async () => {
      assert.equal((await lookup("/cs-workflow/cs9/workflow-maps")).status, 401);
      const flowsOnly = await nr.token("flows", "flows-pw");
      assert.equal((await lookup("/cs-workflow/cs9/workflow-maps", flowsOnly)).status, 401);
      const wfOnly = await nr.token("wf", "wf-pw");
      assert.equal((await lookup("/exstream-generate/exs9/communications", wfOnly)).status, 401, "other type");
    });

    it("answers a caller with <type>.read from the simulator", async () => {
      const res = await lookup("/cs-workflow/cs9/workflow-maps", await nr.token("wf", "wf-pw"));
      assert.equal(res.status, 200);
      assert.ok(names((await res.json()) as Entry[]).includes("Case Correspondence"));
      const comms = await lookup("/exstream-generate/exs9/communications", await nr.token("admin", "admin-pw"));
      assert.equal(comms.status, 200);
      assert.ok(names((await comms.json()) as Entry[]).includes("Monthly Statement"));
    });
  });
});
