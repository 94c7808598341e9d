import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import {
  ADMIN,
  assertNoSecret,
  ENTERPRISE_WORKSPACE,
  OAUTH_CLIENT,
  startProxy,
  startSim,
  type TestSim,
} from "./support";

const OAUTH = { ...OAUTH_CLIENT };

describe("content-server client: session", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());
  afterEach(async () => sim.clearFaults());

  it("logs in with a Content Server user and reports user and server version", async () => {
    const client = sim.client();
    const check = await client.testConnection();
    assert.equal(check.userName, ADMIN.username);
    assert.ok(check.userId > 0);
    assert.equal(typeof check.serverVersion, "string");
    assert.equal(client.loginCount, 1);
    assert.equal(await client.ping(), true);
  });

  it("defaults the OTDS URL to the origin of the Content Server URL", async () => {
    const client = sim.client({ authMode: "otds", otdsUrl: undefined });
    assert.equal((await client.getCurrentUser()).name, ADMIN.username);
  });

  it("re-authenticates once when twenty requests meet an expired ticket, and all of them succeed", async () => {
    const client = sim.client({ maxConcurrent: 20 });
    await client.login();
    assert.equal(client.loginCount, 1);
    await sim.resetCounters();
    await sim.expireTickets();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.nodes.getNode(ENTERPRISE_WORKSPACE)));
    assert.equal(results.length, 20);
    assert.ok(results.every((n) => n.id === ENTERPRISE_WORKSPACE));
    assert.equal(client.loginCount, 2, "exactly one re-login");
    const counters = await sim.counters();
    assert.equal(counters.logins.otcs, 1, "the simulator saw exactly one login");
    assert.ok(counters.unauthorized >= 1);
  });

  it("re-authenticates once for twenty concurrent requests in OAuth mode too", async () => {
    const client = sim.client({ authMode: "oauth", credentials: OAUTH, maxConcurrent: 20 });
    await client.login();
    await sim.resetCounters();
    await sim.expireTickets();
    await Promise.all(Array.from({ length: 20 }, () => client.nodes.getNode(ENTERPRISE_WORKSPACE)));
    assert.equal(client.loginCount, 2);
    assert.equal((await sim.counters()).logins.oauth, 1);
  });

  it("follows the ticket CS hands back in the OTCSTicket response header", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const client = sim.client({ baseUrl: proxy.url });
      for (let i = 0; i < 3; i++) await client.nodes.getNode(ENTERPRISE_WORKSPACE);
      const calls = proxy.requests.filter((r) => r.path.includes("/api/v2/"));
      assert.equal(calls.length, 3);
      for (let i = 1; i < calls.length; i++) {
        const handedBack = calls[i - 1].responseHeaders?.otcsticket;
        assert.ok(handedBack, "the simulator hands back a ticket");
        assert.equal(calls[i].headers.otcsticket, handedBack, `call ${i + 1} uses the ticket of answer ${i}`);
      }
      assert.equal(client.loginCount, 1);
    } finally {
      await proxy.close();
    }
  });

  it("scrubs a ticket that CS echoes in an error message", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const client = sim.client({ baseUrl: proxy.url, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
      await client.nodes.getNode(ENTERPRISE_WORKSPACE);
      const ticket = String(
        proxy.requests.at(-1)?.responseHeaders?.otcsticket ?? proxy.requests.at(-1)?.headers.otcsticket,
      );
      await sim.addFault({ path: "api/v2/nodes/2000", status: 400, error: `Ticket ${ticket} is not valid here` });
      const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.match(err.csMessage ?? "", /^Ticket \*\*\* is not valid here$/);
      assertNoSecret(err, [ticket]);
    } finally {
      await proxy.close();
    }
  });

  it("fails a wrong password with an AUTH error that holds no secret", async () => {
    const password = "Wr0ng-Secret-Passw0rd";
    const client = sim.client({ credentials: { username: ADMIN.username, password } });
    const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).then(
      () => assert.fail("login should fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.name, "ContentServerError");
    assert.equal(err.code, "AUTH");
    assert.equal(err.status, 401);
    assertNoSecret(err, [password]);
  });

  it("never puts ticket, token, password or client secret into an error", async () => {
    const proxy = await startProxy(sim.url);
    try {
      const secrets: string[] = [ADMIN.password, OAUTH.clientSecret];
      for (const mode of ["cs", "otds", "oauth"] as const) {
        const client = sim.client({
          baseUrl: proxy.url,
          authMode: mode,
          otdsUrl: sim.origin,
          credentials: mode === "oauth" ? OAUTH : { ...ADMIN },
        });
        await client.login();
        await client.nodes.getNode(ENTERPRISE_WORKSPACE);
        const errors: unknown[] = [];
        errors.push(await client.nodes.getNode(987654321).catch((e: unknown) => e));
        await sim.addFault({ path: "api/v2/nodes/2000", status: 500, error: "Internal failure" });
        errors.push(await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e));
        await sim.clearFaults();
        await sim.addFault({ path: "api/v2/nodes/2000", reset: true });
        errors.push(await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e));
        await sim.clearFaults();
        errors.push(await client.nodes.createFolder(ENTERPRISE_WORKSPACE, "").catch((e: unknown) => e));
        for (const err of errors) assert.ok(err instanceof ContentServerError, String(err));
        // every credential that went over the wire, as the proxy saw it
        for (const r of proxy.requests) {
          for (const header of ["otcsticket", "otdsticket"])
            if (r.headers[header]) secrets.push(String(r.headers[header]));
          const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ""));
          if (bearer) secrets.push(bearer[1]);
        }
        for (const err of errors) assertNoSecret(err, secrets);
      }
      assert.ok(secrets.length > 3, "tickets and tokens were collected");
    } finally {
      await proxy.close();
    }
  });
});
