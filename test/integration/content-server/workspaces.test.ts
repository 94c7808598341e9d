import assert from "node:assert/strict";
import { BUSINESS_WORKSPACE_TYPE } from "../../../nodes/lib/content-server";
import { startSim, uniqueName, type TestSim } from "./support";

describe("content-server client: business workspaces", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  it("lists workspace types with their templates", async () => {
    const types = await sim.client().workspaces.listWorkspaceTypes();
    const customer = types.find((t) => t.name === "Customer");
    assert.ok(customer, `types: ${types.map((t) => t.name).join(", ")}`);
    assert.ok(customer.id > 0);
    assert.ok(customer.templates.length > 0);
    assert.ok(
      customer.templates.every((t) => t.id > 0 && t.name.length > 0),
      "templates[].id and name (pyxecm)",
    );
  });

  it("finds a customer's workspace by business object and by type + name", async () => {
    const client = sim.client();
    const byBo = await client.workspaces.findWorkspaceByBusinessObject({
      extSystemId: "CRM",
      boType: "Customer",
      boId: "C-1001",
    });
    assert.equal(byBo?.name, "Acme Corporation");
    assert.equal(byBo?.type, BUSINESS_WORKSPACE_TYPE);
    const customer = (await client.workspaces.listWorkspaceTypes()).find((t) => t.name === "Customer");
    const byName = await client.workspaces.findWorkspaceByName({ id: customer?.id }, "Globex Ltd");
    assert.equal(byName?.name, "Globex Ltd");
    const byTypeName = await client.workspaces.findWorkspaceByName({ name: "Customer" }, "Globex Ltd");
    assert.equal(byTypeName?.id, byName?.id);
    assert.equal(await client.workspaces.findWorkspaceByName({ id: customer?.id }, "Globex"), undefined, "exact name");
    assert.equal(
      await client.workspaces.findWorkspaceByBusinessObject({ extSystemId: "CRM", boType: "Customer", boId: "C-0" }),
      undefined,
    );
  });

  it("looks a business object up on pyxecm's externalsystems route; a 404 there means no workspace, other errors fail", async () => {
    const bo = { extSystemId: "CRM", boType: "Customer", boId: "C-1001" };
    const path = "api/v2/externalsystems/CRM/botypes/Customer/boids/C-1001";
    await sim.addFault({ method: "GET", path, status: 404, error: "Not found", times: 1 });
    assert.equal(await sim.client().workspaces.findWorkspaceByBusinessObject(bo), undefined);
    await sim.addFault({ method: "GET", path, status: 400, error: "Invalid external system", times: 1 });
    await assert.rejects(sim.client().workspaces.findWorkspaceByBusinessObject(bo), /Invalid external system/);
    assert.equal((await sim.client().workspaces.findWorkspaceByBusinessObject(bo))?.name, "Acme Corporation");
  });

  it("creates a workspace with categories and lists the documents inside it", async () => {
    const client = sim.client();
    const type = (await client.workspaces.listWorkspaceTypes()).find((t) => t.name === "Customer");
    assert.ok(type);
    const { values } = await client.categories.resolveCategoryValues("Customer", {
      "Customer ID": "C-9001",
      "Customer Name": "Test Customer",
    });
    const name = uniqueName("Test Customer");
    const workspace = await client.workspaces.createWorkspace({
      templateId: type.templates[0].id,
      typeId: type.id,
      name,
      categories: values,
      businessObject: { extSystemId: "CRM", boType: "Customer", boId: "C-9001" },
    });
    assert.equal(workspace.name, name);
    assert.equal(workspace.type, BUSINESS_WORKSPACE_TYPE);
    const found = await client.workspaces.findWorkspaceByBusinessObject({
      extSystemId: "CRM",
      boType: "Customer",
      boId: "C-9001",
    });
    assert.equal(found?.id, workspace.id);
    assert.equal((await client.workspaces.getWorkspace(workspace.id)).id, workspace.id);
    const applied = await client.categories.getCategory(workspace.id, "Customer");
    assert.equal(Object.values(applied?.values ?? {}).includes("C-9001"), true);

    const correspondence = await client.nodes.findChildByName(workspace.id, "Correspondence");
    assert.ok(correspondence, "template sub-folder exists");
    await client.documents.uploadDocument({
      parentId: workspace.id,
      name: "top.pdf",
      content: { buffer: Buffer.from("top"), fileName: "top.pdf" },
    });
    await client.documents.uploadDocument({
      parentId: correspondence.id,
      name: "letter.pdf",
      content: { buffer: Buffer.from("letter"), fileName: "letter.pdf" },
    });
    const direct = await client.workspaces.listWorkspaceDocuments(workspace.id);
    assert.deepEqual(
      direct.map((d) => d.name),
      ["top.pdf"],
    );
    const all = await client.workspaces.listWorkspaceDocuments(workspace.id, { recursive: true });
    assert.deepEqual(all.map((d) => d.name).sort(), ["letter.pdf", "top.pdf"]);
  });
});
