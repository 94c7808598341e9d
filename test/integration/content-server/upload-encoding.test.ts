import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import axios from "axios";
import { ContentServerClient } from "../../../nodes/lib/content-server";

interface Captured {
  path: string;
  contentType: string;
  body: Buffer;
}

/**
 * A stand-in for CS that records every request body: login answers a ticket (once `loginGate` resolves), an upload
 * answers a created node.
 */
async function captureServer() {
  const captured: Captured[] = [];
  let releaseLogin: () => void = () => undefined;
  const state = {
    loginGate: Promise.resolve(),
    loginSeen: undefined as (() => void) | undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      captured.push({
        path: req.url ?? "",
        contentType: String(req.headers["content-type"]),
        body: Buffer.concat(chunks),
      });
      const answer = (payload: unknown) =>
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(payload));
      if (req.url?.endsWith("/api/v1/auth")) {
        state.loginSeen?.();
        void state.loginGate.then(() => answer({ ticket: "ticket-1" }));
      } else {
        answer({ results: { data: { properties: { id: 4711, name: "doc", type: 144, parent_id: 2000 } } } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    captured,
    /** Holds the login answer back until the returned function is called; resolves `seen` when the login arrives. */
    holdLogin(): { seen: Promise<void>; release: () => void } {
      state.loginGate = new Promise<void>((resolve) => (releaseLogin = resolve));
      const seen = new Promise<void>((resolve) => (state.loginSeen = resolve));
      return { seen, release: () => releaseLogin() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body with its boundary replaced by a fixed marker, so two encodings can be compared byte for byte. */
function withoutBoundary(capture: Captured): Buffer {
  const boundary = /boundary=(.+)$/.exec(capture.contentType)?.[1] ?? "";
  assert.ok(boundary, capture.contentType);
  return Buffer.from(capture.body.toString("latin1").split(boundary).join("BOUNDARY"), "latin1");
}

/** The content of the multipart part named `file` (the last part). */
function filePartContent(capture: Captured): Buffer {
  const text = capture.body.toString("latin1");
  const start = text.indexOf("\r\n\r\n", text.indexOf('name="file"')) + 4;
  const end = text.lastIndexOf("\r\n--");
  return Buffer.from(text.slice(start, end), "latin1");
}

describe("content-server client: how a small upload is encoded", function () {
  let dir: string;
  let server: Awaited<ReturnType<typeof captureServer>>;
  let client: ContentServerClient;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-encoding-"));
    server = await captureServer();
    client = new ContentServerClient({ baseUrl: server.url, credentials: { username: "u", password: "secret" } });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("sends a small file from a path byte for byte as axios's FormData encoder does (only the boundary differs)", async () => {
    const file = path.join(dir, 'Stmt "Q1"\nä.PDF');
    fs.writeFileSync(file, Buffer.from([0, 13, 10, 45, 45, 255, 1, 2, 3]));
    await client.documents.uploadDocument({
      parentId: 2000,
      name: "Stmt.pdf",
      description: "line 1\nline 2",
      content: { path: file, fileName: 'Stmt "Q1"\nä.PDF', mimeType: "Application/PDF" },
    });
    const ours = server.captured.find((c) => c.path.endsWith("/api/v2/nodes"));
    assert.ok(ours, "the upload arrived");

    // The same fields through axios's own multipart encoder (a FormData, streamed).
    const bodyField = /name="body"\r\n\r\n(.*)\r\n--/.exec(ours.body.toString("utf8"))?.[1] ?? "";
    assert.equal(JSON.parse(bodyField).description, "line 1\nline 2");
    const form = new FormData();
    form.append("body", bodyField);
    form.append("file", await fs.openAsBlob(file, { type: "Application/PDF" }), 'Stmt "Q1"\nä.PDF');
    await axios.post(`${server.url}/reference`, form);
    const reference = server.captured.find((c) => c.path === "/reference");
    assert.ok(reference);

    assert.match(ours.contentType, /^multipart\/form-data; boundary=/);
    assert.equal(withoutBoundary(ours).toString("latin1"), withoutBoundary(reference).toString("latin1"));
    assert.deepEqual(filePartContent(ours), fs.readFileSync(file));
  });

  for (const [change, content] of [
    ["grown", Buffer.alloc(3000, "g")],
    ["shrunk", Buffer.from("s")],
  ] as const) {
    it(`sends the file as it is when sent, when it has ${change} since the upload was checked`, async () => {
      const file = path.join(dir, "changing.pdf");
      fs.writeFileSync(file, Buffer.alloc(100, "o"));
      const login = server.holdLogin();
      const upload = client.documents.uploadDocument({ parentId: 2000, name: "changing.pdf", content: { path: file } });
      // The file was checked (100 bytes) before the login went out; it changes while the login is held back.
      await login.seen;
      fs.writeFileSync(file, content);
      login.release();
      await upload;
      const sent = server.captured.find((c) => c.path.endsWith("/api/v2/nodes"));
      assert.ok(sent, "the upload arrived");
      assert.deepEqual(filePartContent(sent), content);
    });
  }
});
