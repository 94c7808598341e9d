import assert from "node:assert/strict";
import net from "node:net";
import util from "node:util";
import { ExstreamError, type ExstreamClient } from "../../../nodes/lib/exstream";
import { startConnectProxy, withProxyEnv } from "../../helpers/connect-proxy";
import { clientFor, driverSample, EXSTREAM_DEMO, withSimulator } from "./setup";

async function fault(url: string, spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/sim/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(spec),
  });
  assert.equal(res.ok, true, `fault accepted: ${res.status}`);
}

async function caught(promise: Promise<unknown>): Promise<ExstreamError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ExstreamError, `expected ExstreamError, got ${util.inspect(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

describe("Exstream client: errors, retries and secrets", () => {
  const { sim, client } = withSimulator();
  afterEach(async () => {
    await fetch(`${sim().url}/sim/faults`, { method: "DELETE" });
  });

  const requests = (): number => sim().counters().requests;

  it("maps a 500 to ExstreamError with the server's message and does not retry it", async () => {
    await client().listDomains(); // token in place
    await fault(sim().url, {
      type: "http",
      status: 500,
      path: "/design/api/v1/domains",
      message: "DAS is unwell",
      times: 5,
    });
    const before = requests();
    const err = await caught(client().listDomains());
    assert.equal(err.name, "ExstreamError");
    assert.equal(err.status, 500);
    assert.equal(err.serverMessage, "DAS is unwell");
    assert.match(err.message, /DAS is unwell/);
    assert.equal(requests() - before, 1, "a 500 is not retried");
  });

  it("retries 503 (transient) and succeeds", async () => {
    await client().listDomains();
    await fault(sim().url, { type: "http", status: 503, path: "/design/api/v1/domains", times: 2 });
    const before = requests();
    const domains = await client().listDomains();
    assert.ok(domains.length > 0);
    assert.equal(requests() - before, 3, "two refused attempts + one success");
  });

  it("fails a 4xx at once", async () => {
    await client().listDomains();
    await fault(sim().url, {
      type: "http",
      status: 409,
      path: "/design/api/v1/domains",
      message: "conflict",
      times: 1,
    });
    const before = requests();
    const err = await caught(client().listDomains());
    assert.equal(err.status, 409);
    assert.equal(requests() - before, 1);
  });

  it("retries a non-idempotent POST only on 503/429, never on 502", async () => {
    const driver = await driverSample(client(), "Monthly Statement");
    await fault(sim().url, { type: "http", status: 502, path: "/inputs/batch/", times: 1 });
    const before = sim().counters().batchSubmissions;
    const err = await caught(client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver }));
    assert.equal(err.status, 502);
    await fault(sim().url, { type: "http", status: 503, path: "/inputs/batch/", times: 1 });
    const instances = await client().submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
    assert.ok(instances[0].jobId);
    assert.equal(sim().counters().batchSubmissions - before, 1, "one job started");
    await sim().idle();
  });

  it("replays once after a 401 and then reports it", async () => {
    await client().listDomains();
    await fault(sim().url, { type: "http", status: 401, path: "/design/api/v1/domains", times: 2 });
    const err = await caught(client().listDomains());
    assert.equal(err.status, 401);
    await fault(sim().url, { type: "http", status: 401, path: "/design/api/v1/domains", times: 1 });
    assert.ok((await client().listDomains()).length > 0, "one 401 is healed by a new token");
  });

  it("reports a refused connection with its network code after the retries", async () => {
    const port = await freePort();
    const offline = clientFor(
      sim(),
      { tokenUrl: `http://127.0.0.1:${port}/token` },
      { baseUrl: `http://127.0.0.1:${port}` },
    );
    try {
      const err = await caught(offline.listDomains());
      assert.equal(err.code, "ECONNREFUSED");
      assert.equal(err.operation, "token");
      assert.equal(err.status, undefined);
    } finally {
      offline.close();
    }
  });

  it("times out a slow call with code ETIMEDOUT", async () => {
    const patient = clientFor(sim());
    const impatient = clientFor(sim(), {}, { timeoutMs: 150, retry: { maxAttempts: 1 } });
    try {
      // The impatient client gets its token before the engine is slowed. A stall of the machine may time this
      // warm-up out: it is repeated, so that only the slowed call decides the outcome.
      for (let attempt = 1; ; attempt++) {
        const warm = await impatient.listDomains().then(
          () => true,
          (err: unknown) => {
            if (attempt >= 20) throw err;
            return false;
          },
        );
        if (warm) break;
      }
      const driver = await driverSample(patient, "Monthly Statement");
      await fault(sim().url, { type: "slow-engine", delayMs: 600 });
      const err = await caught(
        impatient.generate({
          communicationId: EXSTREAM_DEMO.communicationId,
          driverDataSource: EXSTREAM_DEMO.driverDataSource,
          driver,
        }),
      );
      assert.equal(err.code, "ETIMEDOUT");
    } finally {
      patient.close();
      impatient.close();
      await sim().idle();
    }
  });

  it("sends token and API calls through HTTP_PROXY in a CONNECT tunnel, and past it for NO_PROXY hosts", async () => {
    const proxy = await startConnectProxy();
    const restore = withProxyEnv({ HTTP_PROXY: proxy.url });
    const through = clientFor(sim());
    try {
      assert.ok((await through.listDomains()).length > 0);
      const target = new URL(sim().url).host;
      assert.ok(proxy.tunnels.length > 0 && proxy.tunnels.every((t) => t === target), proxy.tunnels.join(", "));
      const tunnels = proxy.tunnels.length;
      process.env.NO_PROXY = new URL(sim().url).hostname;
      const direct = clientFor(sim());
      assert.ok((await direct.listDomains()).length > 0);
      direct.close();
      assert.equal(proxy.tunnels.length, tunnels, "no tunnel for a NO_PROXY host");
    } finally {
      through.close();
      restore();
      await proxy.close();
    }
  });

  describe("no secret in any error", () => {
    const secrets: string[] = [];
    const errors: ExstreamError[] = [];
    let passwordClient: ExstreamClient;

    before(async () => {
      passwordClient = clientFor(sim(), {
        grantType: "password",
        username: EXSTREAM_DEMO.username,
        password: EXSTREAM_DEMO.password,
        clientAuth: "basic",
      });
      const token = await client().getToken();
      const userToken = await passwordClient.getToken();
      secrets.push(EXSTREAM_DEMO.clientSecret, EXSTREAM_DEMO.password, token, userToken);

      await fault(sim().url, { type: "http", status: 500, path: "/design/api/v1/domains", message: "boom", times: 2 });
      errors.push(await caught(client().listDomains()), await caught(passwordClient.listDomains()));
      await fault(sim().url, { type: "http", status: 401, path: "/design/api/v1/resources", times: 4 });
      errors.push(await caught(client().listResources()), await caught(passwordClient.listResources()));
      const wrong = clientFor(sim(), {
        grantType: "password",
        username: EXSTREAM_DEMO.username,
        password: `${EXSTREAM_DEMO.password}-x`,
      });
      secrets.push(`${EXSTREAM_DEMO.password}-x`);
      errors.push(await caught(wrong.listDomains()));
      wrong.close();
      errors.push(
        await caught(
          client().generate({ communicationId: EXSTREAM_DEMO.communicationId, driverDataSource: "Nope", driver: {} }),
        ),
      );
      const port = await freePort();
      const offline = clientFor(sim(), {}, { baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
      errors.push(await caught(offline.listDomains()));
      offline.close();
    });
    after(() => passwordClient?.close());

    it("holds for JSON.stringify, util.inspect, message and stack of every error", () => {
      assert.equal(errors.length, 7);
      for (const err of errors) {
        const renderings = [
          JSON.stringify(err),
          util.inspect(err, { depth: 10, showHidden: true }),
          err.message,
          String(err.stack),
          JSON.stringify(Object.getOwnPropertyNames(err).map((k) => (err as unknown as Record<string, unknown>)[k])),
        ];
        for (const text of renderings) {
          for (const secret of secrets) assert.ok(!text.includes(secret), `secret leaked in ${err.message}`);
          assert.ok(!/Bearer\s+[A-Za-z0-9]/.test(text), `bearer header leaked in ${err.message}`);
        }
        assert.ok(!("config" in err) && !("request" in err) && !("response" in err), "no axios internals attached");
      }
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
