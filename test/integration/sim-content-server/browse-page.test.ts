import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, multipart } from "./cs-http";

async function page(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

describe("content-server simulator: read-only browse page", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  let browse: string;
  let letterId: number;
  let processId: number;
  const letter = { name: "letter.pdf", type: "application/pdf", content: "%PDF-1.4 first" };

  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
    browse = `${sim.url}/__sim/browse`;
    const created = await cs.post(
      "api/v2/nodes",
      multipart(
        {
          type: 144,
          parent_id: 2301,
          name: "letter.pdf",
          roles: { categories: { "3000_2": "C-1001", "3000_5": "2026-11-26T00:00:00" } },
        },
        letter,
      ),
    );
    assert.equal(created.status, 200, JSON.stringify(created.json));
    letterId = created.json.results.data.properties.id;
    const second = await cs.post(
      `api/v2/nodes/${letterId}/versions`,
      multipart({}, { name: "letter.pdf", type: "application/pdf", content: "%PDF-1.4 second version" }),
    );
    assert.equal(second.status, 200, JSON.stringify(second.json));

    const draft = await cs.post("api/v2/draftprocesses", bodyForm({ workflow_id: 2503, doc_ids: String(letterId) }));
    const draftId = draft.json.results.draftprocess_id;
    await cs.put(
      `api/v2/draftprocesses/${draftId}`,
      bodyForm({ action: "formUpdate", values: { WorkflowForm_Title: "Approve letter", WorkflowForm_2: "Welcome" } }),
    );
    const started = await cs.put(`api/v2/draftprocesses/${draftId}`, bodyForm({ action: "Initiate" }));
    assert.equal(started.status, 200, JSON.stringify(started.json));
    processId = started.json.results.process_id;
  });
  after(() => sim.close());

  it("answers the overview without a ticket: folders as a tree, business workspaces and workflow instances", async () => {
    const res = await page(browse);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/html/);
    assert.match(res.text, /Enterprise Workspace/);
    assert.match(res.text, new RegExp(`href="/cs/cs/__sim/browse/2301">Archive</a>`));
    assert.match(res.text, /Acme Corporation/, "a seeded business workspace");
    assert.match(res.text, new RegExp(`href="/cs/cs/__sim/browse/processes/${processId}">${processId}</a>`));
    assert.match(res.text, /Approve letter/);
  });

  it("leaves empty workflow attachment folders out of the tree and counts documents in words (1 document)", async () => {
    const draft = await cs.post("api/v2/draftprocesses", bodyForm({ workflow_id: 2503 }));
    await cs.put(
      `api/v2/draftprocesses/${draft.json.results.draftprocess_id}`,
      bodyForm({ action: "formUpdate", values: { WorkflowForm_Title: "No attachment", WorkflowForm_2: "Welcome" } }),
    );
    const started = await cs.put(
      `api/v2/draftprocesses/${draft.json.results.draftprocess_id}`,
      bodyForm({ action: "Initiate" }),
    );
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const emptyFolder = Object.values(sim.store.data.processes).find(
      (p) => p.id === started.json.results.process_id,
    )!.attachmentFolderId;
    assert.equal(sim.store.children(emptyFolder).length, 0, "no attachment");
    const res = await page(browse);
    assert.doesNotMatch(res.text, new RegExp(`href="/cs/cs/__sim/browse/${emptyFolder}"`));
    assert.match(res.text, /href="\/cs\/cs\/__sim\/browse\/2301">Archive<\/a>\s*<small>[^<]*, 1 document<\/small>/);
    assert.doesNotMatch(res.text, /\b1 documents\b|\b1 sub-folders\b/);
  });

  it("shows a folder with a breadcrumb and its documents", async () => {
    const res = await page(`${browse}/2301`);
    assert.equal(res.status, 200);
    assert.match(res.text, /href="\/cs\/cs\/__sim\/browse">Overview<\/a>/);
    assert.match(res.text, /<a href="\/cs\/cs\/__sim\/browse\/2300">Communications<\/a>/);
    assert.match(res.text, new RegExp(`href="/cs/cs/__sim/browse/${letterId}">letter.pdf</a>`));
  });

  it("shows a document's category values by attribute name, its versions and downloads each version", async () => {
    const res = await page(`${browse}/${letterId}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /Customer Communication/);
    assert.match(res.text, /<td>Customer ID<\/td>\s*<td><code>3000_2<\/code><\/td>\s*<td>C-1001<\/td>/);
    assert.match(res.text, /Delivery Date/);
    const links = [...res.text.matchAll(/href="([^"]+\/versions\/(\d+)\/content)"/g)].map((m) => m[2]);
    assert.deepEqual(links, ["2", "1"]);
    const first = await fetch(`${sim.otdsUrl}/cs/cs/__sim/browse/${letterId}/versions/1/content`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("content-disposition") ?? "", /attachment; filename="letter.pdf"/);
    assert.equal(await first.text(), "%PDF-1.4 first");
    const latest = await fetch(`${browse}/${letterId}/versions/2/content`);
    assert.equal(await latest.text(), "%PDF-1.4 second version");
    assert.equal((await fetch(`${browse}/${letterId}/versions/9/content`)).status, 404);
  });

  it("shows a workflow instance with its status, steps, attributes by name and attachments", async () => {
    const res = await page(`${browse}/processes/${processId}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>Approve letter<\/h1>/);
    assert.match(res.text, /status-ontime/);
    assert.match(res.text, /<td>current<\/td>/);
    assert.match(res.text, /<td>Template Name<\/td>\s*<td>String<\/td>\s*<td>Welcome<\/td>/);
    assert.match(res.text, /<h2>Attachments \(1\)<\/h2>[\s\S]*href="\/cs\/cs\/__sim\/browse\/\d+">letter.pdf<\/a>/);
  });

  it("escapes names and values, and never shows a password or ticket", async () => {
    const evil = `<script>alert("x")</script>&.pdf`;
    const created = await cs.post(
      "api/v2/nodes",
      multipart(
        { type: 144, parent_id: 2301, name: evil, roles: { categories: { "3000_2": "<b>C-666</b>" } } },
        { name: "evil.pdf", type: "application/pdf", content: "x" },
      ),
    );
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = created.json.results.data.properties.id;
    for (const url of [`${browse}/2301`, `${browse}/${id}`]) {
      const res = await page(url);
      assert.ok(!res.text.includes("<script>"), url);
      assert.ok(!res.text.includes("<b>C-666</b>"), url);
      assert.match(res.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;\.pdf/);
    }
    const detail = await page(`${browse}/${id}`);
    assert.match(detail.text, /&lt;b&gt;C-666&lt;\/b&gt;/);
    for (const url of [browse, `${browse}/${id}`, `${browse}/processes/${processId}`]) {
      const text = (await page(url)).text;
      assert.ok(!text.includes("livelink"), "no password");
      assert.ok(!text.includes(cs.ticket), "no ticket");
    }
  });

  it("answers 404 for unknown nodes and processes", async () => {
    assert.equal((await page(`${browse}/999999`)).status, 404);
    assert.equal((await page(`${browse}/processes/999999`)).status, 404);
  });
});
