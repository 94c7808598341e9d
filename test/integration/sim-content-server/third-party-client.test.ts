import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";

// chriscdn's Content Server REST client, used exactly as its README shows: no simulator-specific settings.
const { Session } = require("@kweli/cs-rest") as { Session: new (options: Record<string, unknown>) => any };

describe("content-server simulator: a third-party client (@kweli/cs-rest)", () => {
  let sim: ContentServerSimulator;
  let dir: string;
  before(async () => {
    sim = await startSeededContentServer();
    dir = await mkdtemp(path.join(os.tmpdir(), "cs-rest-"));
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("logs in, browses, creates a folder, uploads with categories, versions, searches, starts a workflow and downloads", async () => {
    const session = new Session({ baseURL: sim.url, username: "Admin", password: "livelink" });

    const root = await session.get("api/v1/nodes/2000");
    assert.equal(root.data.data.name, "Enterprise Workspace");
    assert.equal(sim.counters.logins.otcs, 1);

    const children = await session.nodes.children(2000);
    assert.ok(children.data.results.some((r: any) => r.data.properties.name === "Customers"));

    const folder = await session.nodes.addFolder(2000, "Third Party");
    const folderId = folder.data.results.data.properties.id;

    const file = path.join(dir, "notice.txt");
    await writeFile(file, "first version");
    const doc = await session.nodes.addDocument({
      parent_id: folderId,
      fileHandler: file,
      options: { roles: { categories: { "3000": { "3000_2": "C-1001", "3000_6": "Print" } } } },
    });
    const docId = doc.data.id;
    assert.equal(sim.store.findNode(docId)!.categories["3000"].values["3000_6"], "Print");

    await writeFile(file, "second version");
    const version = await session.versions.addVersion({ dataid: docId, fileHandler: file });
    assert.equal(version.data.version_number, 2);
    const versions = await session.versions.list(docId);
    assert.equal(versions.data.data.length, 2);

    const found = await session.search.search('[qlregion "Attr_3000_2"] "C-1001" and OTSubType: 144');
    assert.deepEqual(
      found.data.results.map((r: any) => r.data.properties.id),
      [docId],
    );

    const draft = await session.workflow.draftprocesses(2501);
    const draftId = draft.data.results.draftprocess_id;
    const draftForm = await session.workflow.draftprocesses_update(draftId);
    const schema = draftForm.data.forms[0].schema.properties;
    const customerKey = Object.keys(schema).find((k) => schema[k].title === "Customer ID")!;
    await session.workflow.draftprocesses_put(draftForm.data.data.process_id, {
      action: "formUpdate",
      values: { [customerKey]: "C-1001" },
    });
    const started = await session.workflow.draftprocesses_put(draftForm.data.data.process_id, {
      action: "Initiate",
      comment: "go",
    });
    const pid = started.data.results.process_id;
    const status = await session.get(`api/v2/workflows/status/processes/${pid}`);
    assert.equal(status.data.results.step_list.current[0].task_name, "Generate Letter");

    const target = path.join(dir, "downloaded.txt");
    await session.nodes.download({ dataid: docId, filePath: target });
    assert.equal(await readFile(target, "utf8"), "second version");
    assert.equal(sim.counters.logins.otcs, 1, "the rotated tickets kept the one session alive");
  });
});
