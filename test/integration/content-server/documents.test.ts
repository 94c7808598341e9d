import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import sinon from "sinon";
import { ContentServerError, DOCUMENT_TYPE } from "../../../nodes/lib/content-server";
import { isAmbiguousCreateFailure } from "../../../nodes/lib/archive";
import { fileThread } from "../../../nodes/lib/files/file-thread";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

describe("content-server client: documents", function () {
  let sim: TestSim;
  let dir: string;

  before(async () => {
    sim = await startSim();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-docs-"));
  });
  after(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A file of random bytes in the test's folder. */
  const randomFile = (name: string, size: number) => {
    const source = path.join(dir, name);
    const bytes = crypto.randomBytes(size);
    fs.writeFileSync(source, bytes);
    return { source, bytes };
  };

  it("uploads from a file path and downloads the same bytes to a file", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Docs"));
    const { source, bytes } = randomFile("letter.pdf", 300_000);
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "Letter 4711.pdf",
      content: { path: source },
      description: "welcome letter",
    });
    assert.equal(doc.type, DOCUMENT_TYPE);
    assert.equal(doc.name, "Letter 4711.pdf");
    assert.equal(doc.parentId, folder.id);
    const target = path.join(dir, "downloaded.pdf");
    const result = await client.documents.downloadToFile(doc.id, target);
    assert.equal(result.bytes, bytes.length);
    assert.match(result.contentType ?? "", /application\/pdf/);
    assert.ok(fs.readFileSync(target).equals(bytes));
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith(".partial")),
      [],
    );
  });

  it("takes a file's size from the caller that just checked it, and still sends what the file holds", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Docs"));
    const { source, bytes } = randomFile("sized.pdf", 50_000);
    const asked = sinon.spy(fileThread, "ask");
    let doc;
    try {
      doc = await client.documents.uploadDocument({
        parentId: folder.id,
        name: "Sized.pdf",
        content: { path: source, size: bytes.length },
      });
      assert.deepEqual(
        asked.getCalls().map((c) => c.args[0].op),
        ["read"],
        "no look at the file before the upload, one read",
      );
    } finally {
      asked.restore();
    }
    const target = path.join(dir, "sized-downloaded.pdf");
    await client.documents.downloadToFile(doc.id, target);
    assert.ok(fs.readFileSync(target).equals(bytes));
    // A file that no longer has the size it was checked with is sent as it is now.
    fs.appendFileSync(source, "grown");
    const grown = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "Grown.pdf",
      content: { path: source, size: bytes.length },
    });
    await client.documents.downloadToFile(grown.id, target);
    assert.ok(fs.readFileSync(target).equals(Buffer.concat([bytes, Buffer.from("grown")])));
  });

  it("uploads from a Buffer, adds versions, lists them and downloads a given version", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Versions"));
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "notes.txt",
      content: { buffer: Buffer.from("version one"), fileName: "notes.txt" },
    });
    const v2 = await client.documents.addVersion(doc.id, {
      content: { buffer: Buffer.from("version two"), fileName: "notes.txt" },
      description: "second",
    });
    assert.equal(v2.versionNumber, 2);
    const source = path.join(dir, "v3.txt");
    fs.writeFileSync(source, "version three");
    const v3 = await client.documents.addVersion(doc.id, { content: { path: source, fileName: "notes.txt" } });
    assert.equal(v3.versionNumber, 3);
    const versions = await client.documents.listVersions(doc.id);
    assert.deepEqual(
      versions.map((v) => v.versionNumber),
      [1, 2, 3],
    );
    assert.equal(versions[1].description, "second");
    assert.equal((await client.documents.getLatestVersion(doc.id)).versionNumber, 3);

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    const streamed = await client.documents.downloadToStream(doc.id, sink, { version: 2 });
    assert.equal(Buffer.concat(chunks).toString(), "version two");
    assert.equal(streamed.bytes, "version two".length);
    const latest = await client.documents.downloadContent(doc.id);
    let text = "";
    for await (const chunk of latest.stream) text += String(chunk);
    assert.equal(text, "version three");
  });

  it("uploads with category values in the same call", async () => {
    const client = sim.client();
    const definition = await client.categories.getCategoryDefinition("Customer Communication");
    const { categoryId, values } = await client.categories.resolveCategoryValues(definition.id, {
      "Customer ID": "C-4711",
      "Document Type": "Invoice",
    });
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Categorised"));
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "invoice.pdf",
      content: { buffer: Buffer.from("%PDF-1.4 test"), fileName: "invoice.pdf" },
      categories: values,
    });
    const applied = await client.categories.getCategory(doc.id, categoryId);
    assert.ok(applied, "category applied at upload");
    const customerKey = definition.attributes.find((a) => a.name === "Customer ID")?.key as string;
    assert.equal(applied.values[customerKey], "C-4711");
  });

  for (const [label, fault, code, mayHaveBeenProcessed] of [
    ["a dropped connection", { reset: true }, "NETWORK", true],
    ["a 502 answer", { status: 502 }, "HTTP", false],
  ] as const) {
    it(`sends an upload whose answer was lost to ${label} exactly once, as a failure with an unknown outcome`, async () => {
      const client = sim.client();
      const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Ambiguous"));
      // CS stores the document, then the answer is lost.
      await sim.addFault({ method: "POST", path: "api/v2/nodes", after: true, times: 1, ...fault });
      const before = await sim.counters();
      const err = await client.documents
        .uploadDocument({
          parentId: folder.id,
          name: "once.txt",
          content: { buffer: Buffer.from("once"), fileName: "once.txt" },
        })
        .catch((e: unknown) => e);
      const after = await sim.counters();
      await sim.clearFaults();
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.mayHaveBeenProcessed, mayHaveBeenProcessed);
      assert.ok(isAmbiguousCreateFailure(err), "callers look the document up before sending it again");
      assert.equal(after.requests - before.requests, 1, "the upload was sent exactly once");
      const children = (await client.nodes.listChildren(folder.id)).items;
      assert.deepEqual(
        children.map((c) => c.name),
        ["once.txt"],
        "the document exists once",
      );
    });
  }

  it("repeats an upload refused with 503 (CS did not process it)", async () => {
    const client = sim.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Busy"));
    await sim.addFault({ method: "POST", path: "api/v2/nodes", status: 503, error: "Service Unavailable", times: 2 });
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "retried.txt",
      content: { buffer: Buffer.from("retried"), fileName: "retried.txt" },
    });
    await sim.clearFaults();
    assert.equal(doc.name, "retried.txt");
    const children = await client.nodes.listChildren(folder.id);
    assert.equal(children.items.length, 1);
  });

  it("maps a download of a missing node to a ContentServerError", async () => {
    const client = sim.client();
    const err = await client.documents.downloadToFile(88_888_888, path.join(dir, "none")).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.code, "NOT_FOUND");
    assert.ok(err.status === 400 || err.status === 404 || err.status === 500);
    assert.equal(fs.existsSync(path.join(dir, "none")), false);
  });

  it("refuses a file that does not exist before sending anything", async () => {
    const err = await sim
      .client()
      .documents.uploadDocument({
        parentId: ENTERPRISE_WORKSPACE,
        name: "x",
        content: { path: path.join(dir, "nope") },
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.code, "INVALID_REQUEST");
  });
});
