import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { fakeTransferClock } from "../../helpers/transfer-clock";
import { ENTERPRISE_WORKSPACE, startProxy, startSim, uniqueName, type Proxy, type TestSim } from "./support";

const NODE_PATH = "api/v2/nodes/2000";
/*
 * Limits for the tests that run on the fake clock: the socket's own idle timeout runs on real time, so it is kept
 * beyond mocha's timeout; the idle timeout and the deadline that decide the outcome are reached on the fake clock.
 */
const IDLE_MS = 60_000;
const DEADLINE_MS = 120_000;

describe("content-server client: retries, limits and error mapping", function () {
  let sim: TestSim;
  let proxy: Proxy;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    proxy = await startProxy(sim.url);
  });
  afterEach(async () => {
    await sim.clearFaults();
    await proxy.close();
  });

  const attemptsAt = (path: string) => proxy.requests.filter((r) => r.path.split("?")[0].endsWith(path)).length;
  /** Never answers the first matching request; resolves once it arrived. */
  const holdOnce = (method: string, path: string) =>
    new Promise<void>((arrived) => {
      let seen = 0;
      proxy.intercept = (req) => {
        if (req.method !== method || !req.url?.split("?")[0].endsWith(path) || seen++ > 0) return false;
        arrived();
        return true;
      };
    });

  it("retries a transient 500 and succeeds on the third attempt", async () => {
    const client = sim.client({ baseUrl: proxy.url });
    await client.login();
    await sim.addFault({ method: "GET", path: NODE_PATH, status: 500, error: "Internal server error", times: 2 });
    const node = await client.nodes.getNode(ENTERPRISE_WORKSPACE);
    assert.equal(node.id, ENTERPRISE_WORKSPACE);
    assert.equal(attemptsAt(NODE_PATH), 3);
  });

  it("gives up after the configured attempts with the last status and CS's message", async () => {
    const client = sim.client({ baseUrl: proxy.url, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    await client.login();
    await sim.addFault({ method: "GET", path: NODE_PATH, status: 503, error: "Server is restarting" });
    const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.status, 503);
    assert.equal(err.csMessage, "Server is restarting");
    assert.equal(err.operation, "getNode");
    assert.equal(attemptsAt(NODE_PATH), 3);
  });

  for (const [status, error] of [
    [500, "An item with the name 'x' already exists."],
    [500, "Could not get a node for 2000"],
    [400, "Missing parameter"],
    [403, "You do not have permission"],
    [409, "The metadata token is stale"],
  ] as const) {
    it(`does not retry the permanent ${status} "${error}"`, async () => {
      const client = sim.client({ baseUrl: proxy.url });
      await client.login();
      await sim.addFault({ method: "GET", path: NODE_PATH, status, error });
      const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.equal(err.status, status);
      assert.equal(err.csMessage, error);
      assert.equal(attemptsAt(NODE_PATH), 1);
    });
  }

  it("waits as long as Retry-After says on 429", async () => {
    const client = sim.client({ baseUrl: proxy.url, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5_000 } });
    await client.login();
    let refused = 0;
    proxy.intercept = (req, res) => {
      if (!req.url?.includes(NODE_PATH) || refused > 0) return false;
      refused++;
      res.writeHead(429, { "Retry-After": "1", "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "Too many requests" }));
      return true;
    };
    const started = Date.now();
    await client.nodes.getNode(ENTERPRISE_WORKSPACE);
    const waitedMs = Date.now() - started;
    assert.equal(attemptsAt(NODE_PATH), 2);
    assert.ok(waitedMs >= 950, `waited ${waitedMs} ms`);
  });

  it("retries a connection reset and a read that gets no answer within the idle timeout", async () => {
    const client = sim.client({ baseUrl: proxy.url, timeoutMs: IDLE_MS });
    await client.login();
    await sim.addFault({ method: "GET", path: NODE_PATH, reset: true, times: 1 });
    assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
    assert.equal(attemptsAt(NODE_PATH), 2);

    const held = holdOnce("GET", `${NODE_PATH}/nodes`);
    const clock = fakeTransferClock();
    const listing = client.nodes.listChildren(ENTERPRISE_WORKSPACE);
    listing.catch(() => undefined);
    await held;
    await clock.passThenRestore(IDLE_MS, 1000);
    assert.ok((await listing).items.length > 0);
    assert.equal(attemptsAt(`${NODE_PATH}/nodes`), 2);
  });

  describe("an answer that trickles past the deadline", () => {
    /**
     * Answers the first matching request with a JSON body sent one byte a second on the fake clock (ten minutes in
     * all): never silent for the idle timeout, never done before the deadline. Resolves once that request arrived.
     */
    const trickleOnce = (method: string, path: string) =>
      new Promise<void>((served) => {
        let seen = 0;
        proxy.intercept = (req, res) => {
          if (req.method !== method || !req.url?.split("?")[0].endsWith(path) || seen++ > 0) return false;
          const body = Buffer.from(JSON.stringify({ results: { data: "x".repeat(580) } }));
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
          let sent = 0;
          const timer = setInterval(
            () => (sent < body.length ? res.write(body.subarray(sent, ++sent)) : res.end()),
            1000,
          );
          res.on("close", () => clearInterval(timer));
          served();
          return true;
        };
      });

    it("is repeated for a read, and the second attempt succeeds", async () => {
      const client = sim.client({ baseUrl: proxy.url, timeoutMs: IDLE_MS, deadlineMs: DEADLINE_MS });
      await client.login();
      const served = trickleOnce("GET", NODE_PATH);
      const clock = fakeTransferClock();
      const reading = client.nodes.getNode(ENTERPRISE_WORKSPACE);
      reading.catch(() => undefined);
      await served;
      await clock.passThenRestore(DEADLINE_MS, 1000);
      assert.equal((await reading).id, ENTERPRISE_WORKSPACE);
      assert.equal(attemptsAt(NODE_PATH), 2);
    });

    it("is not repeated for a create, which is reported as possibly processed", async () => {
      const client = sim.client({ baseUrl: proxy.url, timeoutMs: IDLE_MS, deadlineMs: DEADLINE_MS });
      await client.login();
      const served = trickleOnce("POST", "api/v2/nodes");
      const clock = fakeTransferClock();
      const creating = client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Trickled"));
      creating.catch(() => undefined);
      await served;
      await clock.passThenRestore(DEADLINE_MS, 1000);
      const err = await creating.catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.equal(err.code, "TIMEOUT");
      assert.match(err.message, /deadline of 120000 ms/);
      assert.equal(err.mayHaveBeenProcessed, true);
      assert.equal(proxy.requests.filter((r) => r.method === "POST" && r.path.endsWith("api/v2/nodes")).length, 1);
    });
  });

  it("does not repeat a create after an ambiguous 500, but reports that it may have happened", async () => {
    const client = sim.client({ baseUrl: proxy.url });
    await client.login();
    await sim.addFault({ method: "POST", path: "api/v2/nodes", status: 500, error: "Internal server error", times: 1 });
    const err = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Once")).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.status, 500);
    assert.equal(proxy.requests.filter((r) => r.method === "POST" && r.path.endsWith("api/v2/nodes")).length, 1);
  });

  it("maps an HTML error page from a proxy to its title", async () => {
    const client = sim.client({ baseUrl: proxy.url, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await client.login();
    proxy.intercept = (req, res) => {
      if (!req.url?.includes(NODE_PATH)) return false;
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>");
      return true;
    };
    const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.status, 502);
    assert.equal(err.csMessage, "502 Bad Gateway");
  });

  it("retries a 200 answer that is not JSON (CS restarting) for reads", async () => {
    const client = sim.client({ baseUrl: proxy.url });
    await client.login();
    let served = 0;
    proxy.intercept = (req, res) => {
      if (!req.url?.includes(NODE_PATH) || served++ > 0) return false;
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<html>Content Server is starting</html>");
      return true;
    };
    assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
    assert.equal(attemptsAt(NODE_PATH), 2);
  });

  it("keeps at most maxConcurrent requests in flight and refuses beyond the queue bound", async () => {
    const client = sim.client({ baseUrl: proxy.url, maxConcurrent: 3 });
    await client.login();
    await sim.addFault({ method: "GET", path: NODE_PATH, latencyMs: 40 });
    let inFlight = 0;
    let peak = 0;
    proxy.intercept = (_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      res.on("close", () => inFlight--);
      return false;
    };
    await Promise.all(Array.from({ length: 12 }, () => client.nodes.getNode(ENTERPRISE_WORKSPACE)));
    assert.equal(peak, 3);

    const small = sim.client({ maxConcurrent: 1, maxQueued: 2 });
    await small.login();
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => small.nodes.getNode(ENTERPRISE_WORKSPACE)),
    );
    const refused = results.filter((r) => r.status === "rejected");
    assert.equal(refused.length, 1);
    assert.equal(((refused[0] as PromiseRejectedResult).reason as ContentServerError).code, "QUEUE_FULL");
  });
});
