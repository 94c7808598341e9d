/*
 * OTDS ticket / OAuth2 bearer token with Content Server (docs/api-evidence.md, gap 12): the client exchanges it at
 * GET api/v1/auth for an OTCSTicket (pyxecm's way, the default) or sends it directly; the simulator accepts it on
 * every call or refuses it everywhere but at the exchange. Every combination is run.
 */
import assert from "node:assert/strict";
import {
  ContentServerError,
  type AuthMode,
  type ContentServerClientOptions,
  type Logger,
} from "../../../nodes/lib/content-server";
import {
  ADMIN,
  assertNoSecret,
  ENTERPRISE_WORKSPACE,
  OAUTH_CLIENT,
  startProxy,
  startSim,
  type Proxy,
  type TestSim,
} from "./support";

const OTDS_MODES: AuthMode[] = ["otds", "oauth"];
const SERVER_BEHAVIOURS = ["accept", "refuse"] as const;

/** The header an OTDS credential travels in, per mode. */
function otdsCredentialOf(mode: AuthMode, headers: Record<string, unknown>): string | undefined {
  if (mode === "otds") return headers.otdsticket as string | undefined;
  return /^Bearer (\S+)$/.exec(String(headers.authorization ?? ""))?.[1];
}

function apiCalls(proxy: Proxy) {
  return proxy.requests.filter((r) => r.path.includes("/api/"));
}

function isExchange(call: { method: string; path: string }): boolean {
  return call.method === "GET" && /\/api\/v1\/auth\/?(\?|$)/.test(call.path);
}

describe("content-server client: OTDS ticket exchanged or sent directly", function () {
  let sim: TestSim;
  let proxy: Proxy;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    proxy = await startProxy(sim.url);
    await sim.resetCounters();
  });
  afterEach(async () => {
    await proxy.close();
    await sim.clearFaults();
    sim.sim.configure({ otdsDirectUse: "accept" });
  });

  /** A client through the recording proxy, logging in at the simulator's OTDS in `mode`. */
  function client(mode: AuthMode, overrides: Partial<ContentServerClientOptions> = {}) {
    return sim.client({
      baseUrl: proxy.url,
      authMode: mode,
      otdsUrl: sim.origin,
      credentials: mode === "oauth" ? { ...OAUTH_CLIENT } : { ...ADMIN },
      ...overrides,
    });
  }

  /** A logger that keeps every line. */
  function recordingLogger(lines: string[]): Logger {
    return { debug: (m) => lines.push(m), warn: (m) => lines.push(m) };
  }

  for (const behaviour of SERVER_BEHAVIOURS) {
    for (const mode of OTDS_MODES) {
      it(`${mode}, exchange (the default): exchanges once at GET api/v1/auth, then sends only the OTCSTicket — server ${behaviour}s direct use`, async () => {
        sim.sim.configure({ otdsDirectUse: behaviour });
        const cs = client(mode);
        for (let i = 0; i < 3; i++)
          assert.equal((await cs.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
        const [exchange, ...calls] = apiCalls(proxy);
        assert.ok(isExchange(exchange), `first call ${exchange.method} ${exchange.path} is the exchange`);
        assert.ok(otdsCredentialOf(mode, exchange.headers), "the exchange carries the OTDS credential");
        assert.equal(exchange.headers.otcsticket, undefined);
        assert.equal(calls.length, 3);
        for (const call of calls) {
          assert.ok(call.headers.otcsticket, `${call.path} carries OTCSTicket`);
          assert.equal(otdsCredentialOf(mode, call.headers), undefined, `${call.path} carries no OTDS credential`);
        }
        assert.equal(calls[0].headers.otcsticket, exchange.responseHeaders?.otcsticket, "the exchanged ticket");
        const counters = await sim.counters();
        assert.equal(counters.exchanges, 1);
        assert.equal(counters.logins.otcs, 0, "no Content Server user/password login");
        assert.equal(counters.logins[mode === "otds" ? "otds" : "oauth"], 1);
        assert.equal(cs.loginCount, 1);
      });
    }
  }

  for (const mode of OTDS_MODES) {
    it(`${mode}, direct: sends the OTDS credential on every call and never exchanges it — server accepts direct use`, async () => {
      const cs = client(mode, { otdsTicketUse: "direct" });
      for (let i = 0; i < 2; i++) await cs.nodes.getNode(ENTERPRISE_WORKSPACE);
      const calls = apiCalls(proxy);
      assert.equal(calls.length, 2);
      for (const call of calls) {
        assert.ok(otdsCredentialOf(mode, call.headers), `${call.path} carries the OTDS credential`);
        assert.equal(call.headers.otcsticket, undefined);
      }
      assert.equal((await sim.counters()).exchanges, 0);
    });

    it(`${mode}, direct: fails with an AUTH error that says to switch to exchange — server refuses direct use`, async () => {
      sim.sim.configure({ otdsDirectUse: "refuse" });
      const cs = client(mode, { otdsTicketUse: "direct" });
      const err = await cs.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, "AUTH");
      assert.equal(err.status, 401);
      assert.match(err.message, /refused the (OTDS ticket|OAuth2 bearer token) sent directly/);
      assert.match(err.message, /otdsTicketUse\) to "exchange"/);
      assert.equal(cs.loginCount, 2, "one fresh login was tried before giving up");
      assertNoSecret(err, [...wireSecrets(proxy), ADMIN.password, OAUTH_CLIENT.clientSecret]);
    });

    it(`${mode}, exchange: twenty calls meeting an expired OTCSTicket share one new exchange, the OTDS credential is reused`, async () => {
      const cs = client(mode, { otdsTicketUse: "exchange", maxConcurrent: 20 });
      await cs.login();
      await sim.resetCounters();
      sim.sim.expireAllTickets("otcs");
      const nodes = await Promise.all(Array.from({ length: 20 }, () => cs.nodes.getNode(ENTERPRISE_WORKSPACE)));
      assert.ok(nodes.every((n) => n.id === ENTERPRISE_WORKSPACE));
      const counters = await sim.counters();
      assert.equal(counters.exchanges, 1, "one exchange");
      assert.deepEqual(counters.logins, { otcs: 0, otds: 0, oauth: 0 }, "no new OTDS login");
      assert.ok(counters.unauthorized >= 1);
      assert.equal(cs.loginCount, 2);
    });

    it(`${mode}, exchange: when the OTDS credential expired too, twenty calls share one OTDS login and one exchange`, async () => {
      const cs = client(mode, { otdsTicketUse: "exchange", maxConcurrent: 20 });
      await cs.login();
      await sim.resetCounters();
      const seenBefore = proxy.requests.length;
      sim.sim.expireAllTickets();
      const nodes = await Promise.all(Array.from({ length: 20 }, () => cs.nodes.getNode(ENTERPRISE_WORKSPACE)));
      assert.ok(nodes.every((n) => n.id === ENTERPRISE_WORKSPACE));
      const counters = await sim.counters();
      assert.equal(counters.logins[mode === "otds" ? "otds" : "oauth"], 1, "one new OTDS login");
      assert.equal(counters.exchanges, 1, "one successful exchange");
      const exchanges = proxy.requests.slice(seenBefore).filter(isExchange);
      assert.equal(exchanges.length, 2, "the stale OTDS credential was tried once, then the fresh one");
      assert.equal(cs.loginCount, 2);
    });

    it(`${mode}, exchange: a refused exchange fails with an AUTH error naming the exchange, without a secret`, async () => {
      await sim.addFault({ method: "GET", path: "api/v1/auth", status: 401, error: "Authentication Required" });
      const logs: string[] = [];
      const cs = client(mode, { logger: recordingLogger(logs) });
      const err = await cs.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, String(err));
      assert.equal(err.code, "AUTH");
      assert.match(err.message, /refused to exchange the (OTDS ticket|OAuth2 bearer token) for an OTCSTicket/);
      assert.equal(err.path, "/cs/cs/api/v1/auth");
      const secrets = [...wireSecrets(proxy), ADMIN.password, OAUTH_CLIENT.clientSecret];
      assertNoSecret(err, secrets);
      for (const line of logs) for (const secret of secrets) assert.ok(!line.includes(secret), line);
    });
  }

  it("never puts an OTDS ticket, bearer token, exchanged ticket, password or secret into errors or log lines", async () => {
    const logs: string[] = [];
    const errors: unknown[] = [];
    for (const mode of OTDS_MODES) {
      for (const otdsTicketUse of ["exchange", "direct"] as const) {
        const cs = client(mode, {
          otdsTicketUse,
          retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
          logger: recordingLogger(logs),
        });
        await cs.nodes.getNode(ENTERPRISE_WORKSPACE);
        errors.push(await cs.nodes.getNode(987654321).catch((e: unknown) => e));
        await sim.addFault({ path: "api/v2/nodes/2000", status: 503, error: "Unavailable" });
        errors.push(await cs.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e));
        await sim.clearFaults();
      }
    }
    assert.ok(logs.length > 0, "the retries were logged");
    for (const err of errors) assert.ok(err instanceof ContentServerError, String(err));
    const secrets = [...wireSecrets(proxy), ADMIN.password, OAUTH_CLIENT.clientSecret];
    assert.ok(secrets.length > 6, "tickets and tokens were collected");
    for (const err of errors) assertNoSecret(err, secrets);
    for (const line of logs) for (const secret of secrets) assert.ok(!line.includes(secret), line);
  });
});

/** Every credential that went over the wire or came back, as the proxy saw it. */
function wireSecrets(proxy: Proxy): string[] {
  const secrets: string[] = [];
  for (const r of proxy.requests) {
    for (const headers of [r.headers, r.responseHeaders ?? {}]) {
      for (const name of ["otcsticket", "otdsticket"]) if (headers[name]) secrets.push(String(headers[name]));
      const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""));
      if (bearer) secrets.push(bearer[1]);
    }
  }
  return secrets;
}
