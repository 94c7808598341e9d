/*
 * The archiver's branches against the simulator: answers lost after CS applied a change, names taken by another
 * writer, category definitions changed under it, names that cannot be used and stored bytes that differ from the sent
 * ones. The real client talks to the real simulator; sinon only wraps the client's edge to act as a second writer.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import sinon from "sinon";
import { ArchiveError, Archiver, type ArchiverOptions, type ExistsPolicy } from "../../../nodes/lib/archive";
import { DEFAULT_NAME_RULES } from "../../../nodes/lib/archive/names";
import type { ContentServerClient } from "../../../nodes/lib/content-server";
import { DOCUMENT_TYPE, FOLDER_TYPE } from "../../../nodes/lib/content-server/nodes";
import { ENTERPRISE_WORKSPACE, FAST_RETRY, startSim, uniqueName, type TestSim } from "./support";

const CATEGORY = "Customer Communication";
const CHECKSUM_KEY = "3000_12";
/** The category's one required attribute (Customer ID). */
const REQUIRED = { "3000_2": "C-1" };
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const content = (text: string) => ({ buffer: Buffer.from(text), fileName: "letter.pdf" });

describe("content-server archiver: branches under lost answers, races and changed definitions", function () {
  this.timeout(20_000);
  let sim: TestSim;
  let client: ContentServerClient;
  let folderId: number;

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(async () => {
    client = sim.client({ retry: FAST_RETRY });
    folderId = (await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Archiver"))).id;
  });
  afterEach(async () => {
    sinon.restore();
    await sim.clearFaults();
  });

  function archiver(existsPolicy: ExistsPolicy, options: Partial<ArchiverOptions> = {}): Archiver {
    return new Archiver(client, {
      existsPolicy,
      checksumAttribute: { category: CATEGORY, attribute: "SHA-256" },
      verifyChecksum: true,
      ambiguousSettleMs: 0,
      nameRules: DEFAULT_NAME_RULES,
      ...options,
    });
  }

  const archive = (target: Archiver, name: string, text: string) =>
    target.archive({
      target: { kind: "folder", folderId },
      primary: { name, content: content(text) },
      categories: REQUIRED,
    });

  async function children(): Promise<Array<{ id: number; name: string }>> {
    const list: Array<{ id: number; name: string }> = [];
    for await (const child of client.nodes.iterateChildren(folderId)) list.push({ id: child.id, name: child.name });
    return list;
  }

  async function storedText(nodeId: number, version?: number): Promise<string> {
    const download = await client.documents.downloadContent(nodeId, version === undefined ? {} : { version });
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  /** Another writer, with its own session, storing a document under `name` with its own checksum value. */
  async function otherWriterStores(name: string, text: string): Promise<number> {
    const other = sim.client();
    const node = await other.documents.uploadDocument({
      parentId: folderId,
      name,
      content: content(text),
      categories: { ...REQUIRED, [CHECKSUM_KEY]: sha256(text) },
    });
    return node.id;
  }

  describe("add-version with a lost answer", function () {
    for (const [label, fault] of [
      ["a 502", { status: 502 }],
      ["a dropped connection", { reset: true }],
    ] as const) {
      it(`keeps the one version that landed when ${label} replaced its answer`, async () => {
        const first = await archive(archiver("version"), "letter.pdf", "v1");
        const addVersion = sinon.spy(client.documents, "addVersion");
        await sim.addFault({ method: "POST", path: "api/v2/nodes/*/versions", after: true, times: 1, ...fault });
        const second = await archive(archiver("version"), "letter.pdf", "v2");
        assert.equal(second.outcome, "versioned");
        assert.equal(second.version, 2);
        assert.equal(addVersion.callCount, 1, "not sent again: the version had landed");
        assert.equal((await client.documents.listVersions(first.nodeId)).length, 2, "exactly one new version");
        assert.equal(await storedText(first.nodeId, 2), "v2");
      });
    }

    it("adds the version once more when the failed request never reached CS", async () => {
      const first = await archive(archiver("version"), "letter.pdf", "v1");
      const addVersion = sinon.spy(client.documents, "addVersion");
      await sim.addFault({ method: "POST", path: "api/v2/nodes/*/versions", status: 502, times: 1 });
      const second = await archive(archiver("version"), "letter.pdf", "v2");
      assert.equal(second.version, 2);
      assert.equal(addVersion.callCount, 2, "the failed attempt and one after the look-up found no new version");
      assert.equal((await client.documents.listVersions(first.nodeId)).length, 2);
      assert.equal(await storedText(first.nodeId), "v2");
    });
  });

  describe("names taken by another writer", function () {
    it("lets the policy decide when an ambiguous create finds another writer's document with different content", async () => {
      const upload = client.documents.uploadDocument.bind(client.documents);
      let otherId = 0;
      await sim.addFault({ method: "POST", path: "api/v2/nodes", status: 502, times: 1 });
      sinon.stub(client.documents, "uploadDocument").callsFake(async (request) => {
        try {
          return await upload(request);
        } catch (err) {
          // While our answer was unknown, another writer stored different content under the same name.
          if (!otherId) otherId = await otherWriterStores(request.name, "theirs");
          throw err;
        }
      });
      const result = await archive(archiver("new"), "letter.pdf", "ours");
      assert.equal(result.outcome, "created");
      assert.equal(result.name, "letter (2).pdf");
      assert.notEqual(result.nodeId, otherId);
      assert.equal(await storedText(otherId), "theirs", "the other writer's document is not overwritten");
      assert.equal((await client.documents.listVersions(otherId)).length, 1);
      assert.equal(await storedText(result.nodeId), "ours");
    });

    it("examines a name another writer took between the look-up and the create instead of failing", async () => {
      const upload = client.documents.uploadDocument.bind(client.documents);
      let otherId = 0;
      sinon.stub(client.documents, "uploadDocument").callsFake(async (request) => {
        if (!otherId) otherId = await otherWriterStores(request.name, "theirs");
        return upload(request);
      });
      const result = await archive(archiver("version"), "letter.pdf", "ours");
      assert.equal(result.outcome, "versioned", "CS's duplicate answer led to the existing document and the policy");
      assert.equal(result.nodeId, otherId);
      assert.equal(await storedText(otherId, 1), "theirs");
      assert.equal(await storedText(otherId, 2), "ours");
      assert.equal((await children()).length, 1);
    });

    it("gives up with NAME_RACE after five rounds when the name keeps being taken and freed again", async () => {
      const uploads = sinon.spy(client.documents, "uploadDocument");
      await sim.addFault({
        method: "POST",
        path: "api/v2/nodes",
        status: 500,
        error: "An item with the name 'letter.pdf' already exists.",
      });
      await assert.rejects(
        archive(archiver("version"), "letter.pdf", "ours"),
        (err: unknown) => err instanceof ArchiveError && err.code === "NAME_RACE" && !err.permanent,
      );
      assert.equal(uploads.callCount, 5, "one create per round, bounded");
      assert.equal((await children()).length, 0);
    });
  });

  describe("names that cannot be used", function () {
    it("refuses a name held by a folder permanently with NOT_A_DOCUMENT", async () => {
      const folder = await client.nodes.createFolder(folderId, "letter.pdf");
      assert.equal(folder.type, FOLDER_TYPE);
      await assert.rejects(
        archive(archiver("version"), "letter.pdf", "ours"),
        (err: unknown) => err instanceof ArchiveError && err.code === "NOT_A_DOCUMENT" && err.permanent,
      );
      assert.deepEqual(await children(), [{ id: folder.id, name: "letter.pdf" }]);
    });

    it("fails with NO_FREE_NAME under policy new when every numbered name up to the limit is taken", async () => {
      const names = ["letter.pdf", ...Array.from({ length: 99 }, (_, i) => `letter (${i + 2}).pdf`)];
      // Arranged directly in the simulator's repository: 100 uploads would only make the test slow.
      for (const name of names) {
        sim.sim.store.createNode({ parentId: folderId, name, type: DOCUMENT_TYPE, userId: 1000 });
      }
      await assert.rejects(
        archive(archiver("new", { checksumAttribute: undefined, verifyChecksum: false }), "letter.pdf", "ours"),
        (err: unknown) => err instanceof ArchiveError && err.code === "NO_FREE_NAME" && err.permanent,
      );
      assert.equal((await children()).length, names.length, "nothing stored");
    });
  });

  it("re-reads the category definition once when CS no longer knows an attribute key, and stores the values", async () => {
    const resolved = await client.categories.resolveCategoryValues(CATEGORY, {
      Channel: "email",
      "Customer ID": "C-1",
    });
    const channel = sim.sim.store.data.categories["3000"].attributes.find((a) => a.name === "Channel")!;
    const originalId = channel.id;
    channel.id = 60; // the category was changed in CS after the client read (and cached) its definition
    try {
      const clearCache = sinon.spy(client.categories, "clearCache");
      const result = await archiver("version").archive({
        target: { kind: "folder", folderId },
        primary: { name: "letter.pdf", content: content("ours") },
        categories: resolved.values,
        metadata: { Channel: "email", "Customer ID": "C-1" },
      });
      assert.equal(clearCache.callCount, 1, "one refresh");
      const values = (await client.categories.getCategory(result.nodeId, 3000))?.values;
      assert.equal(values?.["3000_60"], "email");
      assert.equal(values?.["3000_2"], "C-1");
      assert.equal(values?.[CHECKSUM_KEY], sha256("ours"));
    } finally {
      channel.id = originalId;
    }
  });

  describe("category update with a lost answer", function () {
    const DEPLOYMENT_RECORD = 3100;
    const values = { "3100_2": true, "3100_3": "res-7" };

    for (const [label, applied, fault] of [
      ["applying the category", false, { method: "POST", path: "api/v2/nodes/*/categories" }],
      ["updating the applied category", true, { method: "PUT", path: "api/v2/nodes/*/categories/*" }],
    ] as const) {
      for (const lost of [{ status: 502 }, { reset: true }]) {
        it(`ends with the right values and no error when ${label} was carried out but its answer was lost (${"reset" in lost ? "dropped connection" : "502"})`, async () => {
          const doc = await client.documents.uploadDocument({
            parentId: folderId,
            name: "template.docx",
            content: content("tpl"),
          });
          if (applied) await client.categories.applyCategory(doc.id, DEPLOYMENT_RECORD, { "3100_3": "old" });
          await sim.addFault({ ...fault, after: true, times: 1, ...lost });
          const before = await sim.counters();
          await archiver("version").updateMetadata(doc.id, values);
          const after = await sim.counters();
          const stored = (await client.categories.getCategory(doc.id, DEPLOYMENT_RECORD))?.values;
          assert.equal(stored?.["3100_2"], true);
          assert.equal(stored?.["3100_3"], "res-7");
          assert.ok(
            after.requests - before.requests <= 6,
            `no error loop (${after.requests - before.requests} requests)`,
          );
        });
      }
    }
  });

  it("raises CHECKSUM_MISMATCH when the bytes CS stored differ from the bytes sent", async () => {
    const upload = client.documents.uploadDocument.bind(client.documents);
    sinon.stub(client.documents, "uploadDocument").callsFake(async (request) => {
      const node = await upload(request);
      // CS stored other bytes (same length) than it received: arranged in the simulator by pointing the version at
      // the file of another document.
      const decoy = await sim
        .client()
        .documents.uploadDocument({ parentId: folderId, name: "decoy.pdf", content: content("OURS") });
      const versions = sim.sim.store.findNode(node.id)!.versions!;
      versions[0].contentFile = sim.sim.store.findNode(decoy.id)!.versions![0].contentFile;
      return node;
    });
    await assert.rejects(
      archive(archiver("version"), "letter.pdf", "ours"),
      (err: unknown) =>
        err instanceof ArchiveError &&
        err.code === "CHECKSUM_MISMATCH" &&
        err.message.includes(`stored ${sha256("OURS")}, sent ${sha256("ours")}`),
    );
  });
});
