import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import sinon from "sinon";
import csArchive from "../../../nodes/cs-archive/cs-archive";
import csConfig from "../../../nodes/cs-config/cs-config";
import type { CsConfigNode } from "../../../nodes/cs-config/types";
import metadataMap from "../../../nodes/metadata-map/metadata-map";
import { ContentServerClient, type CsNode } from "../../../nodes/lib/content-server";
import { ALLOWED_ROOTS_SETTING } from "../../../nodes/lib/node-red/file-roots";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { countPackageSha256Bytes } from "../../helpers/sha256-passes";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");

type Msg = Record<string, any>;

const ARCHIVE_FOLDER = 2301;
const COMMUNICATIONS_FOLDER = 2300;
const CATEGORY = "Customer Communication";
/**
 * A pass-through HTTP proxy to the simulator that lets CS process the first matching request completely and then
 * drops the connection instead of forwarding the answer: the "processed, answer lost" case the simulator's own
 * faults (which act before the call runs) cannot produce.
 */
async function startAnswerDroppingProxy(target: string, matches: (req: http.IncomingMessage) => boolean) {
  const upstream = new URL(target);
  let armed = true;
  const state = { dropped: 0 };
  const server = http.createServer((req, res) => {
    const drop = armed && matches(req);
    if (drop) armed = false;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (drop) {
          answer.resume();
          answer.on("end", () => {
            state.dropped++;
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    get dropped() {
      return state.dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

describe("cs-archive node", function () {
  this.timeout(30_000);
  let sim: ContentServerSimulator;
  let cs: ContentServerClient;
  let dir: string;
  let folderSeq = 0;

  before(async () => {
    sim = await startSeededContentServer();
    cs = new ContentServerClient({ baseUrl: sim.url, credentials: DEMO_LOGIN });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-archive-test-"));
    helper.settings({ [ALLOWED_ROOTS_SETTING]: [dir] } as Record<string, unknown>);
  });
  after(async () => {
    helper.settings({});
    await cs.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    sim.clearFaults();
    sinon.restore();
    await helper.unload();
  });

  /** A fresh folder below Communications › Archive, so that tests do not see each other's documents. */
  async function freshFolder(): Promise<number> {
    return (await cs.nodes.createFolder(ARCHIVE_FOLDER, `test-${++folderSeq}-${Date.now()}`)).id;
  }

  function file(name: string, content: string | Buffer): string {
    const filePath = path.join(dir, name);
    fs.writeFileSync(filePath, content);
    return filePath;
  }

  /** Deploys [metadata-map →] cs-archive → out, with a Catch node; returns send(msg) → {out} | {caught}. */
  async function deploy(props: Record<string, unknown>, options: { map?: Record<string, unknown>; cfg?: Msg } = {}) {
    const first = options.map ? "map" : "archive";
    const flow: Msg[] = [
      { id: "tab1", type: "tab" },
      { id: "cfg", type: "cs-config", baseUrl: sim.url, authMode: "cs", retryBaseDelayMs: "10", ...options.cfg },
      {
        id: "archive",
        z: "tab1",
        type: "cs-archive",
        server: "cfg",
        x: 20,
        y: 10,
        wires: [["out"]],
        category: CATEGORY,
        checksumAttribute: "SHA-256",
        ...props,
      },
      { id: "out", z: "tab1", type: "helper", x: 30, y: 10 },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, x: 10, y: 20, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper", x: 20, y: 20 },
    ];
    if (options.map) {
      flow.push({
        id: "map",
        z: "tab1",
        type: "metadata-map",
        server: "cfg",
        mode: "category",
        category: CATEGORY,
        x: 10,
        y: 10,
        wires: [["archive"]],
        ...options.map,
      });
    }
    await helper.load([csConfig, metadataMap, csArchive, catchNode], flow as helper.TestFlows, { cfg: DEMO_LOGIN });
    const send = (msg: Msg) =>
      new Promise<{ out?: Msg; caught?: Msg }>((resolve) => {
        const onOut = (m: Msg) => finish({ out: m });
        const onCaught = (m: Msg) => finish({ caught: m });
        const finish = (result: { out?: Msg; caught?: Msg }) => {
          helper.getNode("out").removeListener("input", onOut);
          helper.getNode("caught").removeListener("input", onCaught);
          resolve(result);
        };
        helper.getNode("out").on("input", onOut);
        helper.getNode("caught").on("input", onCaught);
        helper.getNode(first).receive(msg);
      });
    return send;
  }

  /** Many messages at once; answers in arrival order (matched by _msgid). */
  async function sendAll(first: string, msgs: Msg[]): Promise<Msg[]> {
    const pending = new Map<string, (m: Msg) => void>();
    const results = msgs.map(
      (msg) =>
        new Promise<Msg>((resolve) => {
          msg._msgid = `m-${Math.random().toString(36).slice(2)}`;
          pending.set(msg._msgid, resolve);
        }),
    );
    const route = (m: Msg) => pending.get(m._msgid)?.(m);
    helper.getNode("out").on("input", route);
    helper.getNode("caught").on("input", route);
    for (const msg of msgs) helper.getNode(first).receive(msg);
    return Promise.all(results);
  }

  /** The documents API of the deployed connection (to count uploads at the client's edge). */
  function uploadsOf() {
    return (helper.getNode("cfg") as unknown as CsConfigNode).getClient().documents;
  }

  async function documents(folderId: number): Promise<CsNode[]> {
    const list: CsNode[] = [];
    for await (const child of cs.nodes.iterateChildren(folderId)) list.push(child);
    return list;
  }

  async function storedSha(nodeId: number): Promise<string> {
    return (await cs.categories.getCategory(nodeId, 3000))?.values["3000_12"] as string;
  }

  const letter = (extra: Msg = {}): Msg => ({
    document: {
      fileName: "0001.pdf",
      keys: { CustomerId: "C-1001", AccountNumber: "ACC-1001", DocumentType: "Invoice: Q1/2026", Channel: "print" },
    },
    ...extra,
  });

  const mapRules = {
    rules: [
      { target: "Customer ID", sourceType: "key", source: "CustomerId" },
      { target: "Account Number", sourceType: "key", source: "AccountNumber" },
      { target: "Document Type", sourceType: "key", source: "DocumentType" },
      { target: "Channel", sourceType: "key", source: "Channel" },
    ],
  };

  describe("storing", function () {
    it("archives a file into a folder id with the templated, cleaned name, its categories and a verified SHA-256", async () => {
      const folder = await freshFolder();
      const content = "%PDF-1.4 letter one";
      const send = await deploy(
        {
          folderId: String(folder),
          nameTemplate: "{{document.keys.AccountNumber}}_{{document.keys.DocumentType}}_{{date}}.pdf",
          verifyChecksum: true,
        },
        { map: mapRules },
      );
      const { out, caught } = await send(letter({ filename: file("letter1.pdf", content) }));
      assert.equal(caught, undefined, caught?.error?.message);
      const today = new Date();
      const date = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
      assert.deepEqual(out!.cs, {
        nodeId: out!.cs.nodeId,
        version: 1,
        parentId: folder,
        name: `ACC-1001_Invoice_ Q1_2026_${date}.pdf`,
        outcome: "created",
        sha256: sha256(content),
      });
      const category = await cs.categories.getCategory(out!.cs.nodeId, 3000);
      assert.equal(category?.values["3000_2"], "C-1001");
      assert.equal(category?.values["3000_4"], "Invoice: Q1/2026");
      assert.equal(category?.values["3000_12"], sha256(content), "SHA-256 stored in the configured attribute");
      const download = await cs.documents.downloadContent(out!.cs.nodeId);
      const chunks: Buffer[] = [];
      for await (const chunk of download.stream) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), content);
    });

    it("reuses the SHA-256 msg.document carries for its unchanged file and hashes a file rewritten since", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder) }, { map: mapRules });
      const asDocument = (filePath: string, recorded: string, name: string): Msg => {
        const { size, mtimeMs } = fs.statSync(filePath);
        return letter({
          filename: filePath,
          document: { ...letter().document, fileName: name, path: filePath, sha256: sha256(recorded), size, mtimeMs },
        });
      };
      const unchanged = file("unchanged.pdf", "%PDF as the watch saw it");
      const hashed = countPackageSha256Bytes();
      try {
        const kept = await send(asDocument(unchanged, "%PDF as the watch saw it", "unchanged.pdf"));
        assert.equal(kept.caught, undefined, kept.caught?.error?.message);
        assert.equal(hashed.bytes(), 0, "not read for its SHA-256 again");
        assert.equal(await storedSha(kept.out!.cs.nodeId), sha256("%PDF as the watch saw it"));

        const rewritten = file("rewritten.pdf", "%PDF as the watch saw it");
        const msg = asDocument(rewritten, "%PDF as the watch saw it", "rewritten.pdf");
        fs.writeFileSync(rewritten, "%PDF rewritten after the watch, longer");
        const renewed = await send(msg);
        assert.equal(renewed.caught, undefined, renewed.caught?.error?.message);
        assert.equal(hashed.bytes(), Buffer.byteLength("%PDF rewritten after the watch, longer"), "hashed once");
        assert.equal(renewed.out!.cs.sha256, sha256("%PDF rewritten after the watch, longer"));
        assert.equal(await storedSha(renewed.out!.cs.nodeId), sha256("%PDF rewritten after the watch, longer"));
      } finally {
        sinon.restore();
      }
    });

    it("archives a Buffer payload and keeps msg.document for the acknowledgement", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder) }, { map: mapRules });
      const { out } = await send(letter({ payload: Buffer.from("buffer content") }));
      assert.equal(out!.cs.name, "0001.pdf");
      assert.equal(out!.document.keys.CustomerId, "C-1001");
      assert.equal(await storedSha(out!.cs.nodeId), sha256("buffer content"));
    });

    it("streams a 10 MB file from disk without reading it into memory", async () => {
      const folder = await freshFolder();
      const big = Buffer.alloc(10 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
      const bigPath = file("big.pdf", big);
      const readFile = sinon.spy(fs.promises, "readFile");
      const readFileSync = sinon.spy(fs, "readFileSync");
      const send = await deploy({ folderId: String(folder), verifyChecksum: true }, { map: mapRules });
      const { out, caught } = await send(letter({ filename: bigPath }));
      assert.equal(caught, undefined, caught?.error?.message);
      assert.equal(out!.cs.sha256, sha256(big));
      assert.ok(!readFile.getCalls().some((c) => String(c.args[0]) === bigPath), "never read whole");
      assert.ok(!readFileSync.getCalls().some((c) => String(c.args[0]) === bigPath), "never read whole");
      assert.equal((await cs.nodes.getNode(out!.cs.nodeId)).size, big.length);
    });
  });

  describe("targets", function () {
    it("creates a folder path below a root once when 20 messages need it at the same time", async () => {
      await deploy({
        targetType: "path",
        rootId: String(COMMUNICATIONS_FOLDER),
        folderPath: "Batch {{document.keys.Run}}/2026-11",
        nameTemplate: "{{document.keys.AccountNumber}}.pdf",
      });
      const msgs = Array.from({ length: 20 }, (_, i) => ({
        payload: Buffer.from(`doc ${i}`),
        categories: { "3000_2": `C-${i}` },
        document: { keys: { Run: "R1", AccountNumber: `ACC-${i}` } },
      }));
      const results = await sendAll("archive", msgs);
      assert.ok(
        results.every((m) => m.cs?.outcome === "created"),
        results.find((m) => m.error)?.error?.message,
      );
      const batch = (await documents(COMMUNICATIONS_FOLDER)).filter((n) => n.name === "Batch R1");
      assert.equal(batch.length, 1, "one folder");
      const month = await documents(batch[0].id);
      assert.equal(month.length, 1, "one sub-folder");
      assert.equal((await documents(month[0].id)).length, 20, "all documents in it");
      assert.equal(new Set(results.map((m) => m.cs.parentId)).size, 1);
    });

    it("re-creates a cached folder path that was deleted in Content Server meanwhile", async () => {
      await deploy({
        targetType: "path",
        rootId: String(COMMUNICATIONS_FOLDER),
        folderPath: "Cached {{document.keys.Run}}",
        nameTemplate: "{{document.keys.AccountNumber}}.pdf",
      });
      const letterOf = (i: number) => ({
        payload: Buffer.from(`cached ${i}`),
        categories: { "3000_2": `C-${i}` },
        document: { keys: { Run: "R9", AccountNumber: `ACC-${i}` } },
      });
      const [first] = await sendAll("archive", [letterOf(1)]);
      assert.equal(first.cs?.outcome, "created");
      await cs.nodes.deleteNode(first.cs.parentId);
      const [second] = await sendAll("archive", [letterOf(2)]);
      assert.equal(second.cs?.outcome, "created", second.error?.message);
      assert.notEqual(second.cs.parentId, first.cs.parentId, "a new folder, not the deleted one");
      const folders = (await documents(COMMUNICATIONS_FOLDER)).filter((n) => n.name === "Cached R9");
      assert.deepEqual(
        folders.map((f) => f.id),
        [second.cs.parentId],
      );
    });

    it("finds the customer's business workspace by business object and files into its Correspondence folder", async () => {
      const send = await deploy({
        targetType: "workspaceBo",
        extSystemId: "CRM",
        boType: "Customer",
        boId: "document.keys.CustomerId",
        boIdType: "msg",
        subFolder: "Correspondence",
        nameTemplate: "bo-{{document.keys.AccountNumber}}.pdf",
      });
      const { out, caught } = await send(letter({ payload: Buffer.from("bo"), categories: { "3000_2": "C-1001" } }));
      assert.equal(caught, undefined, caught?.error?.message);
      const parent = await cs.nodes.getNode(out!.cs.parentId);
      assert.equal(parent.name, "Correspondence");
      assert.equal((await cs.nodes.getNode(parent.parentId)).name, "Acme Corporation");
    });

    it("finds a workspace by type and name from the message and creates a missing sub-folder path in it", async () => {
      const send = await deploy({
        targetType: "workspaceName",
        workspaceType: "Customer",
        workspaceName: "customerName",
        workspaceNameType: "msg",
        subFolder: "Letters/{{document.keys.AccountNumber}}",
      });
      const { out, caught } = await send(
        letter({ customerName: "Globex Ltd", payload: Buffer.from("x"), categories: { "3000_2": "C-1002" } }),
      );
      assert.equal(caught, undefined, caught?.error?.message);
      const parent = await cs.nodes.getNode(out!.cs.parentId);
      assert.equal(parent.name, "ACC-1001");
      const letters = await cs.nodes.getNode(parent.parentId);
      assert.equal(letters.name, "Letters");
      assert.equal((await cs.nodes.getNode(letters.parentId)).name, "Globex Ltd");
    });

    it("fails permanently when the business workspace does not exist", async () => {
      const send = await deploy({
        targetType: "workspaceBo",
        extSystemId: "CRM",
        boType: "Customer",
        boId: "document.keys.CustomerId",
        boIdType: "msg",
      });
      const { caught } = await send({
        payload: Buffer.from("x"),
        document: { fileName: "a.pdf", keys: { CustomerId: "C-9999" } },
      });
      assert.ok(caught);
      assert.match(caught.error.message, /ArchiveError: no business workspace/);
      assert.equal(caught.failure.permanent, true);
    });
  });

  describe("idempotency and exists policies", function () {
    it("reports a re-sent document as duplicate: no second node, no new version", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder) }, { map: mapRules });
      const msg = () => letter({ filename: file("same.pdf", "same bytes") });
      const first = await send(msg());
      const second = await send(msg());
      assert.equal(first.out!.cs.outcome, "created");
      assert.deepEqual(second.out!.cs, { ...first.out!.cs, outcome: "duplicate" });
      assert.equal((await documents(folder)).length, 1);
      assert.equal((await cs.documents.listVersions(first.out!.cs.nodeId)).length, 1);
    });

    it("adds a version for new content under an existing name (default policy) and updates SHA-256 and categories", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder) }, { map: mapRules });
      const first = await send(letter({ payload: Buffer.from("v1") }));
      const second = await send(
        letter({
          payload: Buffer.from("v2"),
          document: { ...letter().document, keys: { ...letter().document.keys, Channel: "email" } },
        }),
      );
      assert.equal(second.out!.cs.outcome, "versioned");
      assert.equal(second.out!.cs.version, 2);
      assert.equal(second.out!.cs.nodeId, first.out!.cs.nodeId);
      assert.equal(await storedSha(first.out!.cs.nodeId), sha256("v2"));
      assert.equal((await cs.categories.getCategory(first.out!.cs.nodeId, 3000))?.values["3000_6"], "email");
      const third = await send(letter({ payload: Buffer.from("v2") }));
      assert.equal(third.out!.cs.outcome, "duplicate", "the latest content is recognised");
    });

    it("stores beside the existing item as 'name (2)' with policy new, and recognises a re-send of it", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder), existsPolicy: "new" }, { map: mapRules });
      await send(letter({ payload: Buffer.from("one") }));
      const second = await send(letter({ payload: Buffer.from("two") }));
      assert.equal(second.out!.cs.name, "0001 (2).pdf");
      assert.equal(second.out!.cs.outcome, "created");
      const again = await send(letter({ payload: Buffer.from("two") }));
      assert.equal(again.out!.cs.outcome, "duplicate");
      assert.equal(again.out!.cs.nodeId, second.out!.cs.nodeId);
      assert.deepEqual((await documents(folder)).map((n) => n.name).sort(), ["0001 (2).pdf", "0001.pdf"]);
    });

    it("skips an existing name as duplicate with policy skip, leaving its content alone", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder), existsPolicy: "skip" }, { map: mapRules });
      const first = await send(letter({ payload: Buffer.from("original") }));
      const second = await send(letter({ payload: Buffer.from("different") }));
      assert.equal(second.out!.cs.outcome, "duplicate");
      assert.equal(second.out!.cs.nodeId, first.out!.cs.nodeId);
      assert.equal(await storedSha(first.out!.cs.nodeId), sha256("original"));
    });

    it("fails permanently on an existing name with policy fail", async () => {
      const folder = await freshFolder();
      const send = await deploy({ folderId: String(folder), existsPolicy: "fail" }, { map: mapRules });
      await send(letter({ payload: Buffer.from("original") }));
      const { caught } = await send(letter({ payload: Buffer.from("different") }));
      assert.ok(caught);
      assert.match(caught.error.message, /already exists/);
      assert.equal(caught.failure.permanent, true);
      assert.equal(caught.error.source.id, "archive");
    });
  });

  describe("ambiguous failures", function () {
    for (const [label, fault] of [
      ["a connection reset on the upload", { reset: true }],
      ["a 500 answer on the upload", { status: 500, error: "Internal error while writing" }],
    ] as const) {
      it(`looks the document up after ${label}, then uploads it exactly once`, async () => {
        const folder = await freshFolder();
        const send = await deploy({ folderId: String(folder), ambiguousSettleMs: "20" }, { map: mapRules });
        const uploads = sinon.spy(uploadsOf(), "uploadDocument");
        sim.addFault({ method: "POST", path: "api/v2/nodes", times: 1, ...fault });
        const { out, caught } = await send(letter({ payload: Buffer.from(label) }));
        assert.equal(caught, undefined, caught?.error?.message);
        assert.equal(out!.cs.outcome, "created");
        assert.equal((await documents(folder)).length, 1);
        assert.equal(uploads.callCount, 2, "the failed attempt and one more after the look-up found nothing");
      });
    }

    it("finds the document an upload created although its answer was lost, instead of uploading it twice", async () => {
      const folder = await freshFolder();
      // CS carries the upload out, but the answer never reaches the client (connection dropped after processing).
      const proxy = await startAnswerDroppingProxy(
        sim.url,
        (req) => req.method === "POST" && /\/api\/v2\/nodes$/.test(req.url ?? ""),
      );
      try {
        const send = await deploy(
          { folderId: String(folder), ambiguousSettleMs: "20" },
          { map: mapRules, cfg: { baseUrl: proxy.url, retryAttempts: "1" } },
        );
        const uploads = sinon.spy(uploadsOf(), "uploadDocument");
        const { out, caught } = await send(letter({ payload: Buffer.from("lost answer") }));
        assert.equal(caught, undefined, caught?.error?.message);
        assert.equal(proxy.dropped, 1, "one answer was lost");
        assert.equal(out!.cs.outcome, "created");
        const docs = await documents(folder);
        assert.equal(docs.length, 1, "exactly one document");
        assert.equal(docs[0].id, out!.cs.nodeId);
        assert.equal(uploads.callCount, 1, "not sent again: the look-up found it");
        assert.equal(await storedSha(docs[0].id), sha256("lost answer"));
      } finally {
        await proxy.close();
      }
    });

    it("reports a lasting server failure as transient (msg.failure.permanent false)", async () => {
      const folder = await freshFolder();
      const send = await deploy(
        { folderId: String(folder), ambiguousSettleMs: "10" },
        { map: mapRules, cfg: { retryAttempts: "1" } },
      );
      sim.addFault({ method: "POST", path: "api/v2/nodes", status: 503 });
      const { caught } = await send(letter({ payload: Buffer.from("x") }));
      assert.ok(caught);
      assert.equal(caught.failure.permanent, false);
      assert.match(caught.failure.reason, /503/);
      assert.equal((await documents(folder)).length, 0);
    });
  });

  describe("records management and renditions", function () {
    it("applies the RM classification and the legal hold configured by name", async () => {
      const folder = await freshFolder();
      const send = await deploy(
        { folderId: String(folder), rmClassification: "Customer Correspondence", hold: "Litigation 2024-017" },
        { map: mapRules },
      );
      const { out, caught } = await send(letter({ payload: Buffer.from("rm") }));
      assert.equal(caught, undefined, caught?.error?.message);
      const rm = await cs.records.getRmClassifications(out!.cs.nodeId);
      assert.equal(rm.classifications[0].rsi, "CORR-10Y");
      const hold = await cs.records.findHoldByName("Litigation 2024-017");
      assert.deepEqual(sim.store.findNode(out!.cs.nodeId)?.holdIds, [hold!.id]);
      const again = await send(letter({ payload: Buffer.from("rm") }));
      assert.equal(again.out!.cs.outcome, "duplicate", "re-sent: still classified, not re-uploaded");
    });

    it("applies a Classification (subtype 199) of the file plan chosen by name, like an RM Classification (551)", async () => {
      const folder = await freshFolder();
      const send = await deploy(
        { folderId: String(folder), rmClassification: "Supplier Correspondence" },
        { map: mapRules },
      );
      const { out, caught } = await send(letter({ payload: Buffer.from("classified") }));
      assert.equal(caught, undefined, caught?.error?.message);
      const rm = await cs.records.getRmClassifications(out!.cs.nodeId);
      assert.equal(rm.classifications[0].rmclassification_id, 2054);
      assert.equal(rm.classifications[0].rsi, "SUPP-6Y");
    });

    for (const [setting, reason] of [
      [{ rmClassification: "No Such Classification" }, /no RM classification named "No Such Classification"/],
      [{ hold: "No Such Hold" }, /no hold named "No Such Hold"/],
    ] as const) {
      it(`fails permanently on an unknown ${Object.keys(setting)[0]} name before anything is stored`, async () => {
        const folder = await freshFolder();
        const send = await deploy({ folderId: String(folder), ...setting });
        const { out, caught } = await send(letter({ payload: Buffer.from("never stored") }));
        assert.equal(out, undefined);
        assert.match(caught?.error?.message ?? "", reason);
        assert.equal(caught?.failure?.permanent, true);
        assert.deepEqual(await documents(folder), [], "no unclassified document left behind");
      });
    }

    it("stores related renditions beside the primary under derived names", async () => {
      const folder = await freshFolder();
      const send = await deploy(
        { folderId: String(folder), related: "beside", nameTemplate: "{{document.keys.AccountNumber}}.pdf" },
        { map: mapRules },
      );
      const msg = letter({ filename: file("p.pdf", "primary") });
      msg.document.related = [
        { path: file("mail.html", "<p>proof</p>"), fileName: "mail.html", channel: "email" },
        { path: file("sms.txt", "sms text"), fileName: "sms.txt", channel: "sms" },
      ];
      msg.document.deliveryLog = { path: file("log.xml", "<log/>"), fileName: "delivery.xml", entries: [] };
      const { out, caught } = await send(msg);
      assert.equal(caught, undefined, caught?.error?.message);
      assert.deepEqual(
        out!.cs.related.map((r: Msg) => [r.name, r.outcome]),
        [
          ["ACC-1001_email.html", "created"],
          ["ACC-1001_sms.txt", "created"],
          ["ACC-1001_delivery-log.xml", "created"],
        ],
      );
      assert.equal((await documents(folder)).length, 4);
      assert.equal(await storedSha(out!.cs.related[1].nodeId), sha256("sms text"));
      const again = await send(msg);
      assert.deepEqual(
        again.out!.cs.related.map((r: Msg) => r.outcome),
        ["duplicate", "duplicate", "duplicate"],
      );
    });

    it("stores the primary and its renditions in a communication-record folder named from a template", async () => {
      const folder = await freshFolder();
      const send = await deploy(
        { folderId: String(folder), related: "recordFolder", recordFolderTemplate: "{{document.keys.CommId}}" },
        { map: mapRules },
      );
      const msg = letter({ filename: file("p2.pdf", "primary 2") });
      msg.document.keys.CommId = "COMM:42";
      msg.document.related = [{ path: file("proof.html", "<p>2</p>"), channel: "email" }];
      const { out, caught } = await send(msg);
      assert.equal(caught, undefined, caught?.error?.message);
      const record = await cs.nodes.getNode(out!.cs.parentId);
      assert.equal(record.name, "COMM_42");
      assert.equal(record.parentId, folder);
      assert.deepEqual((await documents(record.id)).map((n) => n.name).sort(), ["0001.pdf", "proof.html"]);
    });
  });

  describe("errors and metadata updates", function () {
    it("reports a missing file clearly and permanently to a Catch node", async () => {
      const send = await deploy({ folderId: String(ARCHIVE_FOLDER) });
      const missing = path.join(dir, "does-not-exist.pdf");
      const { out, caught } = await send(letter({ filename: missing }));
      assert.equal(out, undefined);
      assert.ok(caught);
      assert.match(caught.error.message, /^ArchiveError: cannot read .*does-not-exist\.pdf: no such file/);
      assert.deepEqual(caught.failure, { reason: caught.failure.reason, permanent: true });
      assert.equal(caught.document.keys.CustomerId, "C-1001", "the original message travels with the error");
    });

    it("refuses empty content permanently instead of archiving a zero-byte document", async () => {
      const send = await deploy({ folderId: String(ARCHIVE_FOLDER) });
      const empty = path.join(dir, "empty.pdf");
      fs.writeFileSync(empty, "");
      const fromFile = await send(letter({ filename: empty }));
      assert.match(fromFile.caught!.error.message, /empty\.pdf is empty \(0 bytes\)/);
      assert.equal(fromFile.caught!.failure.permanent, true);
      const fromBuffer = await send(letter({ payload: Buffer.alloc(0) }));
      assert.match(fromBuffer.caught!.error.message, /the message payload is empty \(0 bytes\)/);
      assert.equal(fromBuffer.out, undefined);
    });

    it("reports a template value the message lacks instead of inventing a name", async () => {
      const send = await deploy({ folderId: String(ARCHIVE_FOLDER), nameTemplate: "{{document.keys.Nope}}.pdf" });
      const { caught } = await send(letter({ payload: Buffer.from("x") }));
      assert.match(caught!.error.message, /no value for \{\{document\.keys\.Nope\}\}/);
      assert.equal(caught!.failure.permanent, true);
    });

    it("updates category values of an existing node (deployment record) from msg.cs.nodeId", async () => {
      const folder = await freshFolder();
      const doc = await cs.documents.uploadDocument({
        parentId: folder,
        name: "template.docx",
        content: { buffer: Buffer.from("tpl"), fileName: "template.docx" },
      });
      const send = await deploy(
        { operation: "updateMetadata", category: "Exstream Deployment Record", checksumAttribute: "" },
        {
          map: {
            category: "Exstream Deployment Record",
            rules: [
              { target: "Published to Exstream", sourceType: "str", source: "yes" },
              { target: "Exstream Resource ID", sourceType: "msg", source: "exstream.resourceId" },
            ],
          },
        },
      );
      const { out, caught } = await send({ cs: { nodeId: doc.id }, exstream: { resourceId: "res-7" } });
      assert.equal(caught, undefined, caught?.error?.message);
      assert.equal(out!.cs.outcome, "updated");
      const values = (await cs.categories.getCategory(doc.id, 3100))?.values;
      assert.equal(values?.["3100_2"], true);
      assert.equal(values?.["3100_3"], "res-7");
    });
  });
});
