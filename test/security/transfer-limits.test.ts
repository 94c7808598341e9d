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
import { fakeTransferClock } from "../helpers/transfer-clock";
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
    /*
     * The trickles and the limits run on the fake clock; the socket's own idle timeout runs on real time and is kept
     * beyond mocha's timeout. 600 bytes at one byte a second take ten minutes; the socket is never silent for the
     * 60 s idle timeout, and the 120 s deadline ends the call.
     */
    const IDLE_MS = 60_000;
    const DEADLINE_MS = 120_000;
    const slowJson = () => trickle(Buffer.from(JSON.stringify({ data: "x".repeat(580) })), 1000);

    /** `handler`, telling when a request reached it and whether its answer has ended (sent, or cut by the client). */
    const watched = (handler: ReturnType<typeof trickle>) => {
      let arrived: () => void = () => undefined;
      const state = {
        served: new Promise<void>((resolve) => (arrived = resolve)),
        ended: false,
        /** Cuts the answer off: a call no limit has ended fails now, and with another error. */
        cut: (): void => undefined,
      };
      const handle: typeof handler = (req, res) => {
        res.on("close", () => (state.ended = true));
        state.cut = () => res.destroy();
        handler(req, res);
        arrived();
      };
      return { handle, state };
    };

    /** Runs `call` on the fake clock until the deadline has passed, and returns its error. */
    const pastTheDeadline = async (path: RegExp, call: () => Promise<unknown>) => {
      const answer = watched(slowJson());
      server.route(path, answer.handle);
      const clock = fakeTransferClock();
      const running = call();
      running.catch(() => undefined);
      await answer.state.served;
      await clock.passThenRestore(DEADLINE_MS, 1000);
      answer.state.cut();
      return running.catch((e: unknown) => e);
    };

    /** Runs a download of a trickled answer on the fake clock until the answer ended; returns the outcome. */
    const trickledDownload = async <T>(handler: ReturnType<typeof trickle>, path: RegExp, call: () => Promise<T>) => {
      const answer = watched(handler);
      server.route(path, answer.handle);
      const clock = fakeTransferClock();
      const running = call();
      running.catch(() => undefined);
      await answer.state.served;
      await clock.passUntilThenRestore(() => answer.state.ended, 1000, 10 * IDLE_MS);
      return running.catch((e: unknown) => e as Error);
    };

    it("aborts a Content Server JSON call with a clear deadline error", async () => {
      const err = await pastTheDeadline(CS_NODE, () =>
        cs({ timeoutMs: IDLE_MS, deadlineMs: DEADLINE_MS }).nodes.getNode(2000),
      );
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, "TIMEOUT");
      assert.match(err.message, /deadline of 120000 ms \(deadlineMs\)/);
    });

    it("aborts an Exstream JSON call with a clear deadline error", async () => {
      const err = await pastTheDeadline(EX_DOMAINS, () =>
        exstream({ timeoutMs: IDLE_MS, deadlineMs: DEADLINE_MS }).listDomains(),
      );
      assert.ok(err instanceof ExstreamError, String(err));
      assert.equal(err.code, "ETIMEDOUT");
      assert.match(err.message, /deadline of 120000 ms \(deadlineMs\)/);
    });

    it("aborts a login whose answer trickles (the deadline covers every request of the connection)", async () => {
      const err = await pastTheDeadline(/\/api\/v1\/auth$/, () =>
        cs({ timeoutMs: IDLE_MS, deadlineMs: DEADLINE_MS }).nodes.getNode(2000),
      );
      assert.ok(err instanceof ContentServerError, String(err));
      assert.match(err.message, /deadline of 120000 ms/);
    });

    it("fails a Content Server download slower than the minimum rate and leaves no partial file", async () => {
      // One byte a second against a minimum of 1000 bytes/s over each 60 s period; never silent for 60 s.
      const err = await trickledDownload(trickle(Buffer.alloc(100_000, 1), 1000, "application/pdf"), CS_CONTENT, () =>
        cs({ timeoutMs: IDLE_MS, minBytesPerSecond: 1000 }).documents.downloadToFile(
          2000,
          path.join(dir, "letter.pdf"),
        ),
      );
      assert.ok(err instanceof ContentServerError, String(err));
      assert.match(err.message, /below the minimum of 1000 bytes\/s \(minBytesPerSecond\)/);
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("lets a download run past the deadline while data keeps coming (streams have no overall deadline)", async () => {
      // 15 bytes 10 s apart: 150 s in all, more than twice the deadline (which is at least the 60 s idle timeout).
      const target = path.join(dir, "letter.pdf");
      const result = await trickledDownload(trickle(Buffer.alloc(15, 1), 10_000, "application/pdf"), CS_CONTENT, () =>
        cs({ timeoutMs: IDLE_MS, deadlineMs: 30_000, minBytesPerSecond: 0 }).documents.downloadToFile(2000, target),
      );
      assert.ok(!(result instanceof Error), String(result));
      assert.equal(result.bytes, 15);
      assert.equal(fs.statSync(target).size, 15);
    });

    it("fails an Exstream download slower than the minimum rate and leaves no partial file", async () => {
      const err = await trickledDownload(trickle(Buffer.alloc(100_000, 1), 1000, "application/pdf"), EX_ARTIFACT, () =>
        exstream({ timeoutMs: IDLE_MS, minBytesPerSecond: 1000 }).downloadArtifact(
          "step-1",
          "letter.pdf",
          path.join(dir, "letter.pdf"),
        ),
      );
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
