/*
 * Issue 12, points 4 and 5: a server that trickles cannot hold a call forever (overall deadline for JSON calls; idle
 * timeout + minimum rate for content streams), and a server that floods cannot fill the memory (answers held in
 * memory are capped; downloads go to disk and are checked against their Content-Length).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildClientOptions as csOptions } from "../../nodes/cs-config/client-options";
import { buildClientOptions as exstreamOptions } from "../../nodes/exstream-config/client-options";
import {
  ContentServerClient,
  ContentServerError,
  type ContentServerClientOptions,
} from "../../nodes/lib/content-server";
import { ExstreamClient, ExstreamError, type ExstreamClientOptions } from "../../nodes/lib/exstream";
import { cutShort, floodJson, startHostileServer, trickle, type HostileServer } from "./hostile-server";

const MIB = 1024 * 1024;
const CS_NODE = /^\/cs\/cs\/api\/v2\/nodes\/2000$/;
const CS_CONTENT = /^\/cs\/cs\/api\/v1\/nodes\/2000\/content$/;
const EX_DOMAINS = /^\/design\/api\/v1\/domains$/;
const EX_ARTIFACT = /\/flow-steps\/step-1\/artifact\/letter\.pdf$/;

describe("security: a hostile server can neither hold a call forever nor flood the memory", function () {
  let server: HostileServer;
  let dir: string;
  const closers: Array<() => unknown> = [];

  const cs = (limits: Partial<ContentServerClientOptions> = {}) => {
    const client = new ContentServerClient({
      baseUrl: `${server.origin}/cs/cs`,
      credentials: { username: "someone", password: "s3cret-password" },
      retry: { maxAttempts: 1 },
      ...limits,
    });
    closers.push(() => client.close());
    return client;
  };
  const exstream = (limits: Partial<ExstreamClientOptions> = {}) => {
    const client = new ExstreamClient({
      baseUrl: server.origin,
      domain: "Dev",
      auth: {
        tokenUrl: `${server.origin}/token`,
        grantType: "client_credentials",
        clientId: "client",
        clientSecret: "s3cret-client",
      },
      retry: { maxAttempts: 1 },
      ...limits,
    });
    closers.push(() => client.close());
    return client;
  };

  beforeEach(async () => {
    server = await startHostileServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "transfer-limits-"));
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("12.4 a server that trickles", () => {
    // 600 bytes at one byte per 100 ms would take a minute; the socket is never silent for the 500 ms timeout.
    const slowJson = () => trickle(Buffer.from(JSON.stringify({ data: "x".repeat(580) })), 100);

    it("aborts a Content Server JSON call with a clear deadline error", async () => {
      server.route(CS_NODE, slowJson());
      const err = await cs({ timeoutMs: 500, deadlineMs: 1000 })
        .nodes.getNode(2000)
        .catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, "TIMEOUT");
      assert.match(err.message, /deadline of 1000 ms \(deadlineMs\)/);
    });

    it("aborts an Exstream JSON call with a clear deadline error", async () => {
      server.route(EX_DOMAINS, slowJson());
      const err = await exstream({ timeoutMs: 500, deadlineMs: 1000 })
        .listDomains()
        .catch((e: unknown) => e);
      assert.ok(err instanceof ExstreamError, String(err));
      assert.equal(err.code, "ETIMEDOUT");
      assert.match(err.message, /deadline of 1000 ms \(deadlineMs\)/);
    });

    it("aborts a login whose answer trickles (the deadline covers every request of the connection)", async () => {
      server.route(/\/api\/v1\/auth$/, slowJson());
      const err = await cs({ timeoutMs: 500, deadlineMs: 1000 })
        .nodes.getNode(2000)
        .catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.match(err.message, /deadline of 1000 ms/);
    });

    it("fails a Content Server download slower than the minimum rate and leaves no partial file", async () => {
      server.route(CS_CONTENT, trickle(Buffer.alloc(100_000, 1), 50, "application/pdf"));
      const target = path.join(dir, "letter.pdf");
      const err = await cs({ timeoutMs: 500, minBytesPerSecond: 1000 })
        .documents.downloadToFile(2000, target)
        .catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.match(err.message, /below the minimum of 1000 bytes\/s \(minBytesPerSecond\)/);
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("lets a download run past the deadline while data keeps coming (streams have no overall deadline)", async () => {
      // 15 chunks at 100 ms: 1.5 s in all, three times the deadline; the idle timeout is ten times the gap.
      server.route(CS_CONTENT, trickle(Buffer.alloc(15, 1), 100, "application/pdf"));
      const target = path.join(dir, "letter.pdf");
      const result = await cs({ timeoutMs: 1000, deadlineMs: 500, minBytesPerSecond: 0 }).documents.downloadToFile(
        2000,
        target,
      );
      assert.equal(result.bytes, 15);
      assert.equal(fs.statSync(target).size, 15);
    });

    it("fails an Exstream download slower than the minimum rate and leaves no partial file", async () => {
      server.route(EX_ARTIFACT, trickle(Buffer.alloc(100_000, 1), 50, "application/pdf"));
      const err = await exstream({ timeoutMs: 500, minBytesPerSecond: 1000 })
        .downloadArtifact("step-1", "letter.pdf", path.join(dir, "letter.pdf"))
        .catch((e: unknown) => e);
      assert.ok(err instanceof ExstreamError, String(err));
      assert.match(err.message, /below the minimum of 1000 bytes\/s \(minBytesPerSecond\)/);
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });

  describe("12.5 a server that floods", () => {
    it("refuses a Content Server JSON answer above the 32 MiB default, naming the limit, without retrying", async () => {
      server.route(CS_NODE, floodJson(33 * MIB));
      const err = await cs({ retry: undefined })
        .nodes.getNode(2000)
        .catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, "TOO_LARGE");
      assert.match(err.message, /larger than the limit of 32 MiB \(maxResponseBytes\)/);
      assert.equal(server.count(CS_NODE), 1, "an oversized answer is not asked for again");
    });

    it("refuses an Exstream JSON answer above the configured cap, naming the limit, without retrying", async () => {
      server.route(EX_DOMAINS, floodJson(3 * MIB));
      const err = await exstream({ retry: undefined, maxResponseBytes: 2 * MIB })
        .listDomains()
        .catch((e: unknown) => e);
      assert.ok(err instanceof ExstreamError, String(err));
      assert.equal(err.code, "ERR_RESPONSE_TOO_LARGE");
      assert.match(err.message, /larger than the limit of 2 MiB \(maxResponseBytes\)/);
      assert.equal(server.count(EX_DOMAINS), 1, "an oversized answer is not asked for again");
    });

    it("streams a download larger than the cap to disk", async () => {
      const size = 3 * MIB;
      server.route(EX_ARTIFACT, (_req, res) => {
        res.writeHead(200, { "Content-Type": "application/pdf", "Content-Length": size });
        res.end(Buffer.alloc(size, 2));
      });
      const file = await exstream({ maxResponseBytes: 2 * MIB }).downloadArtifact(
        "step-1",
        "letter.pdf",
        path.join(dir, "letter.pdf"),
      );
      assert.equal(file.bytes, size);
      assert.equal(fs.statSync(file.path).size, size);
    });

    it("fails a Content Server download shorter than its Content-Length and removes the partial file", async () => {
      server.route(CS_CONTENT, cutShort(10_000, 4_000));
      const err = await cs()
        .documents.downloadToFile(2000, path.join(dir, "letter.pdf"))
        .catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("fails an Exstream download shorter than its Content-Length and removes the partial file", async () => {
      server.route(EX_ARTIFACT, cutShort(10_000, 4_000));
      const err = await exstream()
        .downloadArtifact("step-1", "letter.pdf", path.join(dir, "letter.pdf"))
        .catch((e: unknown) => e);
      assert.ok(err instanceof ExstreamError, String(err));
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });

  describe("the config nodes", () => {
    const identity = (value: string | undefined) => value;

    it("default to a 300 s deadline, 1024 bytes/s minimum rate and a 32 MiB answer cap", () => {
      for (const options of [
        csOptions({ baseUrl: "http://cs.example/cs/cs", authMode: "cs" }, {}, identity),
        exstreamOptions({ baseUrl: "http://ex.example", domain: "Dev", tenant: "t", grantType: "" }, {}, identity),
      ]) {
        assert.equal(options.deadlineMs, 300_000);
        assert.equal(options.minBytesPerSecond, 1024);
        assert.equal(options.maxResponseBytes, 32 * MIB);
      }
    });

    it("read deadline, minimum rate and answer cap (in MiB) from their fields, 0 turning a limit off", () => {
      const fields = { deadlineMs: "5000", minBytesPerSecond: "0", maxResponseMiB: "4" };
      for (const options of [
        csOptions({ baseUrl: "http://cs.example/cs/cs", authMode: "cs", ...fields }, {}, identity),
        exstreamOptions(
          { baseUrl: "http://ex.example", domain: "Dev", tenant: "t", grantType: "", ...fields },
          {},
          identity,
        ),
      ]) {
        assert.equal(options.deadlineMs, 5000);
        assert.equal(options.minBytesPerSecond, 0);
        assert.equal(options.maxResponseBytes, 4 * MIB);
      }
      assert.throws(
        () => csOptions({ baseUrl: "http://cs.example/cs/cs", authMode: "cs", maxResponseMiB: "0" }, {}, identity),
        /maxResponseMiB must be a number ≥ 1/,
      );
    });
  });
});
