import assert from "node:assert/strict";
import sinon from "sinon";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { parseOptions } from "../../../sim/content-server/options";
import { CsCaller, form } from "./cs-http";

describe("content-server simulator: authentication", () => {
  let sim: ContentServerSimulator;
  before(async () => {
    sim = await startSeededContentServer();
  });
  after(() => sim.close());

  it("POST api/v1/auth with form fields answers a ticket; wrong password 401, missing fields 500", async () => {
    const cs = new CsCaller(sim.url);
    const ok = await cs.call("POST", "api/v1/auth", form({ username: "Admin", password: "livelink" }), false);
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.json.ticket, "string");
    const wrong = await cs.call("POST", "api/v1/auth", form({ username: "Admin", password: "nope" }), false);
    assert.equal(wrong.status, 401);
    assert.equal(typeof wrong.json.error, "string");
    const missing = await cs.call("POST", "api/v1/auth", form({ username: "Admin" }), false);
    assert.equal(missing.status, 500);
  });

  it("refuses application/json bodies", async () => {
    const res = await fetch(`${sim.url}/api/v1/auth`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "Admin", password: "livelink" }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /application\/json/);
  });

  it("answers 401 without a ticket and accepts the header case-insensitively, with a trailing slash", async () => {
    const none = await fetch(`${sim.url}/api/v2/nodes/2000`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { error: "Authentication Required" });
    const cs = await new CsCaller(sim.url).login();
    const res = await fetch(`${sim.url}/api/v2/nodes/2000/`, { headers: { otcsticket: cs.ticket } });
    assert.equal(res.status, 200);
  });

  it("hands back a fresh ticket in the OTCSTicket response header, and both old and new work", async () => {
    const cs = await new CsCaller(sim.url).login();
    const first = cs.ticket;
    const res = await fetch(`${sim.url}/api/v1/auth`, { headers: { OTCSTicket: first } });
    const fresh = res.headers.get("otcsticket");
    assert.ok(fresh && fresh !== first);
    assert.equal(((await res.json()) as any).data.name, "Admin");
    assert.equal((await fetch(`${sim.url}/api/v1/ping`, { headers: { OTCSTicket: fresh } })).status, 200);
    assert.equal((await fetch(`${sim.url}/api/v1/auth`, { headers: { OTCSTicket: first } })).status, 200);
  });

  it("DELETE api/v1/auth invalidates the session", async () => {
    const cs = await new CsCaller(sim.url).login();
    const ticket = cs.ticket;
    assert.equal((await cs.delete("api/v1/auth")).status, 200);
    assert.equal((await fetch(`${sim.url}/api/v1/auth`, { headers: { OTCSTicket: ticket } })).status, 401);
  });

  it("expires tickets after the configured inactivity and on forced expiry", async () => {
    const short = await startSeededContentServer({ "ticket-inactivity-ms": "150" });
    // Only Date is faked: the simulator measures inactivity with Date.now(), the HTTP traffic keeps real timers.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      const cs = await new CsCaller(short.url).login();
      assert.equal((await cs.get("api/v1/auth")).status, 200);
      clock.tick(149);
      assert.equal((await cs.get("api/v1/auth")).status, 200, "activity keeps the session alive");
      clock.tick(149);
      assert.equal((await cs.get("api/v1/auth")).status, 200, "149 ms after the last call: still alive");
      clock.tick(151);
      const expired = await cs.get("api/v1/auth");
      assert.equal(expired.status, 401);
      assert.equal(typeof expired.json.error, "string");
      await cs.login();
      short.expireAllTickets();
      assert.equal((await cs.get("api/v1/auth")).status, 401);
      assert.equal(short.counters.unauthorized, 2);
      assert.equal(short.counters.logins.otcs, 2);
    } finally {
      clock.restore();
      await short.close();
    }
  });

  it("accepts an OTDS credentials ticket as OTDSTicket and exchanges it for an OTCSTicket", async () => {
    const res = await fetch(`${sim.otdsUrl}/otdsws/rest/authentication/credentials`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "Admin", password: "livelink" }),
    });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as Record<string, unknown>;
    const ticket = answer.ticket as string;
    assert.ok(ticket.startsWith("*OTDSSSO*"));
    assert.equal(answer.userId, "Admin@otds.admin");
    assert.equal(answer.passwordExpirationTime, 0);
    for (const field of ["user_id", "password_expiration_time"]) {
      assert.equal(field in answer, false, `${field}: pyxecm's example spells it camelCase`);
    }
    const me = await fetch(`${sim.url}/api/v1/auth`, { headers: { OTDSTicket: ticket } });
    assert.equal(me.status, 200);
    const csTicket = me.headers.get("otcsticket")!;
    assert.equal((await fetch(`${sim.url}/api/v2/nodes/2000`, { headers: { OTCSTicket: csTicket } })).status, 200);
    const bad = await fetch(`${sim.otdsUrl}/otdsws/v1/authentication/credentials`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user_name: "Admin", password: "wrong" }),
    });
    assert.equal(bad.status, 401);
  });

  it("issues an OAuth2 client-credentials bearer accepted as Authorization: Bearer", async () => {
    const before = sim.counters.logins.oauth;
    const basic = Buffer.from("node-red:node-red-secret").toString("base64");
    const res = await fetch(`${sim.otdsUrl}/otdsws/oauth2/token`, {
      method: "POST",
      headers: { Authorization: `Basic ${basic}` },
      body: form({
        grant_type: "client_credentials",
        requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      }),
    });
    assert.equal(res.status, 200);
    const token = (await res.json()) as { access_token: string; token_type: string };
    assert.equal(token.token_type, "Bearer");
    assert.deepEqual(Object.keys(token).sort(), ["access_token", "expires_in", "issued_token_type", "token_type"]);
    const me = await fetch(`${sim.url}/api/v1/auth`, { headers: { Authorization: `Bearer ${token.access_token}` } });
    assert.equal(me.status, 200);
    const user = ((await me.json()) as any).data;
    assert.equal(user.name, "otintegration");
    assert.equal("groups" in user, false, "auth_Data has no groups");
    assert.ok(me.headers.get("otcsticket"));
    assert.equal(sim.counters.logins.oauth, before + 1);
    const wrong = await fetch(`${sim.otdsUrl}/otdsws/oauth2/token`, {
      method: "POST",
      body: form({ grant_type: "client_credentials", client_id: "node-red", client_secret: "x" }),
    });
    assert.equal(wrong.status, 401);
  });

  describe("OTDS ticket and bearer token exchanged or used directly", () => {
    async function otdsTicket(on: ContentServerSimulator): Promise<string> {
      const res = await fetch(`${on.otdsUrl}/otdsws/rest/authentication/credentials`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ userName: "Admin", password: "livelink" }),
      });
      return ((await res.json()) as { ticket: string }).ticket;
    }
    async function bearer(on: ContentServerSimulator): Promise<string> {
      const res = await fetch(`${on.otdsUrl}/otdsws/oauth2/token`, {
        method: "POST",
        body: form({ grant_type: "client_credentials", client_id: "node-red", client_secret: "node-red-secret" }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    }
    const node = (on: ContentServerSimulator, headers: Record<string, string>) =>
      fetch(`${on.url}/api/v2/nodes/2000`, { headers });

    it("GET api/v1/auth exchanges either for the OTCSTicket of a new Content Server session, counted", async () => {
      for (const headers of <Array<Record<string, string>>>[
        { OTDSTicket: await otdsTicket(sim) },
        { Authorization: `Bearer ${await bearer(sim)}` },
      ]) {
        const before = sim.counters.exchanges;
        const me = await fetch(`${sim.url}/api/v1/auth`, { headers });
        assert.equal(me.status, 200);
        assert.deepEqual(Object.keys((await me.json()) as object), ["data"]);
        const csTicket = me.headers.get("otcsticket")!;
        assert.ok(csTicket && !csTicket.startsWith("*OTDSSSO*"));
        assert.equal((await node(sim, { OTCSTicket: csTicket })).status, 200);
        assert.equal(sim.counters.exchanges, before + 1);
      }
    });

    it("with --otds-direct-use refuse, they work only at GET api/v1/auth; the exchanged OTCSTicket works everywhere", async () => {
      const refusing = await startSeededContentServer({ "otds-direct-use": "refuse" });
      try {
        assert.equal(refusing.options.otdsDirectUse, "refuse");
        for (const headers of <Array<Record<string, string>>>[
          { OTDSTicket: await otdsTicket(refusing) },
          { Authorization: `Bearer ${await bearer(refusing)}` },
        ]) {
          const direct = await node(refusing, headers);
          assert.equal(direct.status, 401);
          assert.equal(direct.headers.get("otcsticket"), null);
          const me = await fetch(`${refusing.url}/api/v1/auth`, { headers });
          assert.equal(me.status, 200);
          assert.equal((await node(refusing, { OTCSTicket: me.headers.get("otcsticket")! })).status, 200);
        }
      } finally {
        await refusing.close();
      }
    });

    it("switches direct use at runtime (settings otdsDirectUse) and refuses an unknown value", async () => {
      const headers = { OTDSTicket: await otdsTicket(sim) };
      try {
        const put = await fetch(`${sim.url}/__sim/settings`, {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ otdsDirectUse: "refuse" }),
        });
        assert.equal(((await put.json()) as { otdsDirectUse: string }).otdsDirectUse, "refuse");
        assert.equal((await node(sim, headers)).status, 401);
        sim.configure({ otdsDirectUse: "accept" });
        assert.equal((await node(sim, headers)).status, 200);
        assert.throws(() => sim.configure({ otdsDirectUse: "sometimes" as never }), /accept or refuse/);
        assert.throws(() => parseOptions({ "otds-direct-use": "yes" }), /accept or refuse/);
      } finally {
        sim.configure({ otdsDirectUse: "accept" });
      }
    });

    it("expires only Content Server tickets on request (tickets/expire kind otcs): OTDS tickets stay valid", async () => {
      const ticket = await otdsTicket(sim);
      const me = await fetch(`${sim.url}/api/v1/auth`, { headers: { OTDSTicket: ticket } });
      const csTicket = me.headers.get("otcsticket")!;
      const expire = await fetch(`${sim.url}/__sim/tickets/expire`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ kind: "otcs" }),
      });
      assert.equal(expire.status, 200);
      assert.equal((await node(sim, { OTCSTicket: csTicket })).status, 401);
      assert.equal((await node(sim, { OTDSTicket: ticket })).status, 200);
      sim.expireAllTickets();
      assert.equal((await node(sim, { OTDSTicket: ticket })).status, 401);
    });
  });

  it("serves serverinfo (with session settings) and ping without a ticket", async () => {
    const info = await fetch(`${sim.url}/api/v1/serverinfo`);
    assert.equal(info.status, 200);
    const body = (await info.json()) as any;
    assert.equal(body.sessions.expire_after_last_request, true);
    assert.equal(typeof body.server.version, "string");
    assert.equal("force_password_change" in body.server, false, "not in serverinfo_server nor pyxecm's example");
    assert.deepEqual(Object.keys(body.viewer.content_suite).sort(), ["enabled", "supported_mime_types"]);
    assert.deepEqual(body.mobile, { cs_viewer_support: false, offline_use: true }, "pyxecm's example");
    assert.equal((await fetch(`${sim.url}/api/v1/ping/`)).status, 200);
  });
});
