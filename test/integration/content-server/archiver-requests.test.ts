/*
 * What one archived document costs: Content Server requests (recorded by a proxy between client and simulator) and
 * SHA-256 passes over its bytes (counted by wrapping node:crypto's createHash). A new document is one upload with its
 * categories; a taken name, and only a taken name, leads to a look-up; a SHA-256 taken earlier for an unchanged file
 * is reused.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { countPackageSha256Bytes } from "../../helpers/sha256-passes";
import { Archiver, type ArchiverOptions, type KnownDigest } from "../../../nodes/lib/archive";
import { DEFAULT_NAME_RULES } from "../../../nodes/lib/archive/names";
import type { ContentServerClient } from "../../../nodes/lib/content-server";
import { ENTERPRISE_WORKSPACE, startProxy, startSim, uniqueName, type Proxy, type TestSim } from "./support";

const CATEGORY = "Customer Communication";
const CHECKSUM_KEY = "3000_12";
const REQUIRED = { "3000_2": "C-1" };
const OPTIONS: ArchiverOptions = {
  existsPolicy: "version",
  checksumAttribute: { category: CATEGORY, attribute: "SHA-256" },
  verifyChecksum: false,
  ambiguousSettleMs: 0,
  nameRules: DEFAULT_NAME_RULES,
};

describe("content-server archiver: requests and hashing per document", function () {
  this.timeout(20_000);
  let sim: TestSim;
  let proxy: Proxy;
  let client: ContentServerClient;
  let folderId: number;
  let dir: string;

  before(async () => {
    sim = await startSim();
    proxy = await startProxy(sim.url);
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "archiver-requests-"));
  });
  after(async () => {
    await proxy.close();
    await sim.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    client = sim.client({ baseUrl: proxy.url });
    folderId = (await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Requests"))).id;
    // Warm: session, the checksum category's definition, the target folder.
    await new Archiver(client, OPTIONS).archive(request("warm-up.pdf", await file("warm-up.pdf", "warm")));
  });
  afterEach(async () => {
    sinon.restore();
    await sim.clearFaults();
  });

  async function file(name: string, text: string): Promise<{ path: string; digest: KnownDigest }> {
    const filePath = path.join(dir, `${folderId}-${name}`);
    await fs.promises.writeFile(filePath, text);
    const stat = await fs.promises.stat(filePath);
    const sha256 = crypto.createHash("sha256").update(text).digest("hex");
    return { path: filePath, digest: { sha256, size: stat.size, mtimeMs: stat.mtimeMs } };
  }

  function request(name: string, source: { path: string; digest: KnownDigest }, known = true) {
    return {
      target: { kind: "folder" as const, folderId },
      primary: { name, content: { path: source.path }, knownDigest: known ? source.digest : undefined },
      categories: REQUIRED,
    };
  }

  /** Requests the proxy saw while `run` ran, as `METHOD path` without the base path. */
  async function requestsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const from = proxy.requests.length;
    await run();
    return proxy.requests
      .slice(from)
      .map((r) => `${r.method} ${r.path.replace(/^.*?\/api\//, "api/").replace(/\?.*$/, "")}`);
  }

  it("stores a new document with one upload that carries its categories and its SHA-256", async () => {
    const source = await file("letter.pdf", "ours");
    let result: Awaited<ReturnType<Archiver["archive"]>> | undefined;
    const seen = await requestsDuring(async () => {
      result = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    });
    assert.deepEqual(seen, ["POST api/v2/nodes"]);
    assert.equal(result?.outcome, "created");
    const values = (await client.categories.getCategory(result!.nodeId, 3000))?.values;
    assert.equal(values?.[CHECKSUM_KEY], source.digest.sha256);
    assert.equal(values?.["3000_2"], "C-1");
  });

  it("classifies a new document with one RM request: a document without a classification needs no token", async () => {
    const archiver = new Archiver(client, { ...OPTIONS, rmClassification: "Customer Correspondence" });
    await archiver.archive(request("warm-rm.pdf", await file("warm-rm.pdf", "warm"))); // resolves the name
    const source = await file("classified.pdf", "ours");
    let result: Awaited<ReturnType<Archiver["archive"]>> | undefined;
    const seen = await requestsDuring(async () => {
      result = await archiver.archive(request("classified.pdf", source));
    });
    assert.deepEqual(seen, ["POST api/v2/nodes", `POST api/v1/nodes/${result!.nodeId}/rmclassifications`]);
    const rm = await client.records.getRmClassifications(result!.nodeId);
    assert.equal(rm.classifications.length, 1, "classified");
  });

  it("resolves a business workspace and its sub-folder once for many documents: one upload each", async () => {
    const target = {
      kind: "workspaceByBusinessObject" as const,
      businessObject: { extSystemId: "CRM", boType: "Customer", boId: "C-1001" },
      subFolder: "Correspondence",
    };
    const into = async (name: string) => {
      const source = await file(name, name);
      return new Archiver(client, OPTIONS).archive({ ...request(name, source), target });
    };
    const first = await into(uniqueName("first") + ".pdf");
    const seen = await requestsDuring(async () => {
      for (let i = 0; i < 3; i++) await into(uniqueName(`next-${i}`) + ".pdf");
    });
    assert.deepEqual(seen, ["POST api/v2/nodes", "POST api/v2/nodes", "POST api/v2/nodes"]);
    assert.equal((await client.nodes.getNode(first.parentId)).name, "Correspondence");
  });

  it("reuses the SHA-256 taken earlier while the file's size and modification time are unchanged", async () => {
    const source = await file("letter.pdf", "ours");
    const hashed = countPackageSha256Bytes();
    const result = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    assert.equal(hashed.bytes(), 0, "the file is not read for its SHA-256 again");
    assert.equal(result.sha256, source.digest.sha256);
  });

  it("hashes the file once when it changed after its SHA-256 was taken, and stores the new SHA-256", async () => {
    const source = await file("letter.pdf", "ours");
    await fs.promises.writeFile(source.path, "OURS, rewritten");
    const hashed = countPackageSha256Bytes();
    const result = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    assert.equal(hashed.bytes(), Buffer.byteLength("OURS, rewritten"), "one pass over the file");
    const expected = crypto.createHash("sha256").update("OURS, rewritten").digest("hex");
    assert.equal(result.sha256, expected);
    assert.equal((await client.categories.getCategory(result.nodeId, 3000))?.values[CHECKSUM_KEY], expected);
  });

  it("hashes a file without a SHA-256 from the message once", async () => {
    const source = await file("letter.pdf", "ours");
    const hashed = countPackageSha256Bytes();
    await new Archiver(client, OPTIONS).archive(request("letter.pdf", source, false));
    assert.equal(hashed.bytes(), Buffer.byteLength("ours"));
  });

  it("looks the name up only after CS refused the upload as a duplicate, and stores nothing twice", async () => {
    const source = await file("letter.pdf", "ours");
    const first = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    let again: Awaited<ReturnType<Archiver["archive"]>> | undefined;
    const seen = await requestsDuring(async () => {
      again = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    });
    assert.equal(again?.outcome, "duplicate");
    assert.equal(again?.nodeId, first.nodeId);
    assert.equal(seen[0], "POST api/v2/nodes", "the upload comes first");
    assert.ok(seen.includes(`GET api/v2/nodes/${folderId}/nodes`), `then the name is looked up: ${seen.join(", ")}`);
    assert.ok(
      seen.includes(`GET api/v2/nodes/${first.nodeId}/categories`),
      `and its SHA-256 compared: ${seen.join(", ")}`,
    );
    assert.equal(seen.filter((s) => s === "POST api/v2/nodes").length, 1, "not uploaded again");
    assert.equal((await client.documents.listVersions(first.nodeId)).length, 1);
  });

  it("looks before sending again when the upload's answer was lost, and keeps the one document that landed", async () => {
    const source = await file("letter.pdf", "ours");
    await sim.addFault({ method: "POST", path: "api/v2/nodes", after: true, times: 1, reset: true });
    let result: Awaited<ReturnType<Archiver["archive"]>> | undefined;
    const seen = await requestsDuring(async () => {
      result = await new Archiver(client, OPTIONS).archive(request("letter.pdf", source));
    });
    assert.equal(result?.outcome, "created");
    assert.equal(seen.filter((s) => s === "POST api/v2/nodes").length, 1, "the upload that landed is not repeated");
    assert.ok(seen.indexOf(`GET api/v2/nodes/${folderId}/nodes`) > 0, `looked up after the upload: ${seen.join(", ")}`);
    const names: string[] = [];
    for await (const child of client.nodes.iterateChildren(folderId)) names.push(child.name);
    assert.deepEqual(names.sort(), ["letter.pdf", "warm-up.pdf"]);
  });

  it("looks a file larger than 16 MiB up before it is uploaded, so a taken name does not cost a wasted upload", async () => {
    const big = path.join(dir, `${folderId}-big.pdf`);
    await fs.promises.writeFile(big, "x");
    await fs.promises.truncate(big, 16 * 1024 * 1024 + 1);
    const seen = await requestsDuring(() =>
      new Archiver(client, OPTIONS).archive({
        target: { kind: "folder", folderId },
        primary: { name: "big.pdf", content: { path: big } },
        categories: REQUIRED,
      }),
    );
    assert.deepEqual(seen, [`GET api/v2/nodes/${folderId}/nodes`, "POST api/v2/nodes"]);
  });
});
