import assert from "node:assert/strict";
import { ContentServerError, FOLDER_TYPE } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

describe("content-server client: nodes", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());
  afterEach(async () => {
    await sim.clearFaults();
    await sim.control("PUT", "settings", { missingNodeStatus: 400 });
  });

  it("reads a node's properties", async () => {
    const node = await sim.client().nodes.getNode(ENTERPRISE_WORKSPACE);
    assert.equal(node.id, ENTERPRISE_WORKSPACE);
    assert.equal(node.container, true);
    assert.equal(typeof node.name, "string");
    assert.ok(node.name.length > 0);
  });

  for (const status of [400, 404]) {
    it(`maps a missing node answered with ${status} to NOT_FOUND with CS's message`, async () => {
      await sim.control("PUT", "settings", { missingNodeStatus: status });
      const client = sim.client();
      const err = await client.nodes.getNode(99_999_999).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.equal(err.status, status);
      assert.equal(err.code, "NOT_FOUND");
      assert.match(err.csMessage ?? "", /99999999/);
      assert.match(err.message, /^getNode: /);
      assert.equal(await client.nodes.findNode(99_999_999), undefined);
    });
  }

  it("creates a folder, finds it by exact name and refuses a duplicate with CS's 500 as DUPLICATE", async () => {
    const client = sim.client();
    const name = uniqueName("Folder");
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, name, { description: "made by a test" });
    assert.equal(folder.name, name);
    assert.equal(folder.type, FOLDER_TYPE);
    assert.equal(folder.parentId, ENTERPRISE_WORKSPACE);
    const found = await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, name);
    assert.equal(found?.id, folder.id);
    assert.equal(await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, `${name} not there`), undefined);
    const before = await sim.counters();
    const err = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, name).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.status, 500);
    assert.equal(err.code, "DUPLICATE");
    assert.match(err.csMessage ?? "", /already exists/);
    const after = await sim.counters();
    assert.equal(after.requests - before.requests, 1, "a permanent 500 is not retried");
  });

  it("finds the exact name among similar names across pages (where_name is a contains filter)", async () => {
    const client = sim.client();
    const parent = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Paging"));
    for (let i = 0; i < 7; i++) await client.nodes.createFolder(parent.id, `Report ${i}`);
    await client.nodes.createFolder(parent.id, "Report");
    const page = await client.nodes.listChildren(parent.id, { limit: 3, page: 2, sort: "name" });
    assert.equal(page.items.length, 3);
    assert.equal(page.paging.page, 2);
    assert.equal(page.paging.totalCount, 8);
    assert.equal(page.paging.pageTotal, 3);
    const all = [];
    for await (const child of client.nodes.iterateChildren(parent.id, { limit: 3 })) all.push(child.name);
    assert.equal(all.length, 8);
    const exact = await client.nodes.findChildByName(parent.id, "Report");
    assert.equal(exact?.name, "Report");
    const folders = await client.nodes.listChildren(parent.id, { whereType: FOLDER_TYPE, whereName: "report 3" });
    assert.deepEqual(
      folders.items.map((n) => n.name),
      ["Report 3"],
    );
  });

  it("ensures a folder path, creating only what is missing, safely under concurrency", async () => {
    const client = sim.client({ maxConcurrent: 8 });
    const other = sim.client({ maxConcurrent: 8 });
    const root = uniqueName("Path");
    const path = `${root}/2026/07/Customer 4711`;
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => client.nodes.ensureFolderPath(ENTERPRISE_WORKSPACE, path)),
      ...Array.from({ length: 5 }, () => other.nodes.ensureFolderPath(ENTERPRISE_WORKSPACE, path)),
    ]);
    const ids = new Set(results.map((n) => n.id));
    assert.equal(ids.size, 1, "every caller got the same folder");
    const top = await client.nodes.findChildByName(ENTERPRISE_WORKSPACE, root);
    assert.ok(top);
    const children = await client.nodes.listChildren(top.id);
    assert.deepEqual(
      children.items.map((n) => n.name),
      ["2026"],
      "no duplicate folders",
    );
    const again = await client.nodes.ensureFolderPath(ENTERPRISE_WORKSPACE, path.split("/"));
    assert.equal(again.id, results[0].id);
  });

  it("copies, renames, moves and deletes nodes", async () => {
    const client = sim.client();
    const a = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("A"));
    const b = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("B"));
    const child = await client.nodes.createFolder(a.id, "child");
    const copy = await client.nodes.copyNode(child.id, b.id, { name: "child copy" });
    assert.equal(copy.parentId, b.id);
    assert.equal(copy.name, "child copy");
    assert.notEqual(copy.id, child.id);
    const renamed = await client.nodes.renameNode(child.id, "renamed");
    assert.equal(renamed.name, "renamed");
    const moved = await client.nodes.moveNode(child.id, b.id);
    assert.equal(moved.parentId, b.id);
    assert.equal((await client.nodes.getNode(child.id)).parentId, b.id);
    await client.nodes.deleteNode(copy.id);
    assert.equal(await client.nodes.findNode(copy.id), undefined);
  });

  it("validates names against a container", async () => {
    const client = sim.client();
    const parent = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Names"));
    const taken = await client.nodes.createFolder(parent.id, "taken.pdf");
    const result = await client.nodes.validateNames(parent.id, ["taken.pdf", "free.pdf"]);
    assert.deepEqual(result, [{ name: "taken.pdf", id: taken.id }]);
  });

  it("refuses invalid input before sending anything", async () => {
    const client = sim.client();
    const before = await sim.counters();
    for (const call of [
      () => client.nodes.createFolder(ENTERPRISE_WORKSPACE, "   "),
      () => client.nodes.createFolder(ENTERPRISE_WORKSPACE, "x".repeat(249)),
      () => client.nodes.getNode(-1),
    ]) {
      const err = await call().catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.equal(err.code, "INVALID_REQUEST");
    }
    assert.equal((await sim.counters()).requests, before.requests);
  });
});
