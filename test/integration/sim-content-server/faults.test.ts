import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";
import { CsCaller } from "./cs-http";

describe("content-server simulator: fault injection", () => {
  let sim: ContentServerSimulator;
  let cs: CsCaller;
  before(async () => {
    sim = await startSeededContentServer();
    cs = await new CsCaller(sim.url).login();
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  it("programmatic: a per-route status for a number of calls, then normal again", async () => {
    sim.addFault({ method: "GET", path: "api/v2/nodes/*", status: 503, times: 2 });
    assert.equal((await cs.get("api/v2/nodes/2000")).status, 503);
    assert.equal((await cs.get("api/v2/nodes/2100")).status, 503);
    assert.equal((await cs.get("api/v2/nodes/2000")).status, 200);
    assert.equal((await cs.get("api/v1/nodes/2000")).status, 200, "other routes are not affected");
  });

  it("over HTTP outside /api: add, list, delete faults; connection resets; latency", async () => {
    const added = await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "api/v1/ping", reset: true }),
    });
    const { fault } = (await added.json()) as { fault: { id: string } };
    await assert.rejects(fetch(`${sim.url}/api/v1/ping`));
    const listed = (await (await fetch(`${sim.url}/__sim/faults`)).json()) as { faults: unknown[] };
    assert.equal(listed.faults.length, 1);
    assert.equal((await fetch(`${sim.url}/__sim/faults/${fault.id}`, { method: "DELETE" })).status, 200);
    assert.equal((await fetch(`${sim.url}/api/v1/ping`)).status, 200);

    await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      body: new URLSearchParams({ path: "api/v1/ping", latencyMs: "150" }),
    });
    const started = Date.now();
    assert.equal((await fetch(`${sim.url}/api/v1/ping`)).status, 200);
    assert.ok(Date.now() - started >= 140);
  });

  it("`hold` keeps the matching call waiting until the test releases it, then it runs as usual", async () => {
    const { id } = sim.addFault({ method: "GET", path: "api/v2/nodes/*", hold: true, times: 1 });
    let answered = false;
    const held = cs.get("api/v2/nodes/2000").then((r) => {
      answered = true;
      return r.status;
    });
    await sim.faults.whenHeld(id!);
    assert.equal(sim.faults.heldCount(id!), 1);
    assert.equal((await cs.get("api/v2/nodes/2100")).status, 200, "the rule fired once; later calls pass");
    assert.equal(answered, false, "the held call has no answer yet");
    assert.equal(sim.faults.releaseHeld(id!), 1);
    assert.equal(await held, 200);
    assert.equal(sim.faults.heldCount(id!), 0);
  });

  it("`hold` over HTTP: wait until a call is held, then release it by the rule's id", async () => {
    const added = await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "api/v1/ping", hold: true }),
    });
    const { fault } = (await added.json()) as { fault: { id: string } };
    const held = fetch(`${sim.url}/api/v1/ping`);
    const waited = (await (await fetch(`${sim.url}/__sim/faults/${fault.id}/held?wait=true`)).json()) as {
      held: number;
    };
    assert.equal(waited.held, 1);
    const released = await fetch(`${sim.url}/__sim/faults/${fault.id}/release`, { method: "POST" });
    assert.deepEqual(await released.json(), { released: 1 });
    assert.equal((await held).status, 200);
  });

  it("global probability-based 5xx fails roughly that share of calls", async () => {
    sim.addFault({ probability: 0.5, status: 502 });
    const statuses = await Promise.all(Array.from({ length: 60 }, () => cs.get("api/v1/ping").then((r) => r.status)));
    const failed = statuses.filter((s) => s === 502).length;
    assert.ok(failed > 10 && failed < 50, `failed ${failed} of 60`);
  });

  it("forced ticket expiry over HTTP makes the next call 401", async () => {
    const local = await new CsCaller(sim.url).login();
    assert.equal((await fetch(`${sim.url}/__sim/tickets/expire`, { method: "POST" })).status, 200);
    assert.equal((await local.get("api/v1/auth")).status, 401);
    await cs.login();
    sim.addFault({ path: "api/v1/auth", method: "GET", expireTickets: true, times: 1 });
    assert.equal((await cs.get("api/v1/auth")).status, 401);
    await cs.login();
    assert.equal((await cs.get("api/v1/auth")).status, 200);
    const counters = (await (await fetch(`${sim.url}/__sim/counters`)).json()) as any;
    assert.ok(counters.logins.otcs >= 3);
  });

  it("`every` fires on exactly every n-th matching call, and counts the expiries and the re-logins after them", async () => {
    sim.resetCounters();
    sim.addFault({ path: "api/v1/ping", expireTickets: true, every: 3 });
    for (let call = 1; call <= 6; call++) {
      await cs.get("api/v1/ping");
      if (call % 3 === 0) await cs.login();
    }
    assert.equal(sim.counters.ticketExpiries, 2);
    assert.equal(sim.counters.loginsAfterExpiry, 2);
    await cs.login();
    assert.equal(sim.counters.loginsAfterExpiry, 2, "a login without an expiry before it is not counted");
  });

  it("--fault-seed replays the same probability choices", async () => {
    const pattern = async () => {
      const seeded = await startSeededContentServer({
        "fault-seed": "42",
        faults: JSON.stringify([{ probability: 0.5, status: 503 }]),
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 24; i++) statuses.push((await fetch(`${seeded.url}/api/v1/ping`)).status);
        return statuses.join(",");
      } finally {
        await seeded.close();
      }
    };
    const first = await pattern();
    assert.match(first, /503/);
    assert.match(first, /200/);
    assert.equal(await pattern(), first);
  });

  it("CLI-style flags: --fail-rate 1 with --fail-status and --faults JSON", async () => {
    const failing = await startSeededContentServer({
      "fail-rate": "1",
      "fail-status": "500",
      faults: JSON.stringify([{ path: "otdsws/oauth2/token", status: 429 }]),
    });
    try {
      assert.equal((await fetch(`${failing.url}/api/v1/ping`)).status, 500);
      assert.equal((await fetch(`${failing.otdsUrl}/otdsws/oauth2/token`, { method: "POST" })).status, 429);
      assert.equal((await fetch(`${failing.url}/__sim/faults`)).status, 200, "control API is never faulted");
    } finally {
      await failing.close();
    }
  });
});
