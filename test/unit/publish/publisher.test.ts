import assert from "node:assert/strict";
import { Publisher, kindOf, type PublishProblem } from "../../../nodes/lib/publish";
import type { ExstreamClient } from "../../../nodes/lib/exstream";

/** No request is sent in these cases: the client is only asked for its domain. */
const client = { domain: "d1" } as ExstreamClient;
const text = (problem: PublishProblem) => `errors.${problem}`;
const publisher = (kind = kindOf("disclaimer"), contentType?: string) =>
  new Publisher(() => client, { kind, workflow: "simple", contentType }, text);

describe("publish: what a message publishes", () => {
  it("takes msg.filename over msg.payload, and a payload over the attachment's local copy", () => {
    const attachments = [{ id: 7, name: "Letter.txt", path: "/tmp/letter.txt" }];
    const p = publisher();
    assert.deepEqual(p.publication({ filename: "/data/a.txt", payload: "x", workflow: { attachments } }).content, {
      path: "/data/a.txt",
    });
    assert.deepEqual(p.publication({ payload: Buffer.from("hi") }).content, { data: Buffer.from("hi") });
    assert.deepEqual(p.publication({ workflow: { attachments } }).content, { path: "/tmp/letter.txt" });
  });

  it("names bytes after their source document", () => {
    const published = publisher().publication({ payload: "Dear customer", cs: { nodeId: 5, name: "Wording.txt" } });
    assert.deepEqual(published.content, { data: Buffer.from("Dear customer", "utf8"), fileName: "Wording.txt" });
  });

  it("takes the source from msg.cs, else from the first workflow attachment", () => {
    const attachments = [{ nodeId: 7, versionNumber: 2, name: "Letter.txt", path: "/tmp/l.txt" }];
    const p = publisher();
    assert.deepEqual(
      p.publication({ cs: { nodeId: 5, version: 1, name: "W.txt" }, workflow: { attachments } }).source,
      {
        nodeId: 5,
        version: 1,
        name: "W.txt",
      },
    );
    assert.deepEqual(p.publication({ cs: { parentId: 3 }, workflow: { attachments } }).source, {
      nodeId: 7,
      version: 2,
      name: "Letter.txt",
    });
    assert.deepEqual(p.publication({ payload: "x" }).source, {});
  });

  it("refuses a message without content, in the catalogue's words", () => {
    assert.throws(() => publisher().publication({ payload: 42 }), { name: "TypeError", message: "errors.noContent" });
  });

  it("refuses a resource it cannot name, and a custom kind without a DAS type, before sending anything", async () => {
    const p = publisher();
    await assert.rejects(p.publishResource(p.publication({ payload: "x" }), {}), { message: "errors.noResource" });
    const custom = publisher(kindOf("custom", "  ", "x"));
    await assert.rejects(custom.publishResource(custom.publication({ payload: "x" }), { resourceName: "Footer" }), {
      message: "errors.noType",
    });
  });
});

describe("publish: resource kinds", () => {
  it("reads a custom kind's type and subtype trimmed, and an unknown kind as a message", () => {
    assert.deepEqual(kindOf("custom", " exstrparagraph ", " "), {
      type: "exstrparagraph",
      subtype: undefined,
      contentType: "",
    });
    assert.deepEqual(kindOf("custom", "image", "logo"), { type: "image", subtype: "logo", contentType: "" });
    assert.deepEqual(kindOf("nonsense"), kindOf("message"));
    assert.equal(kindOf("template").type, "versionedtemplate");
  });
});
