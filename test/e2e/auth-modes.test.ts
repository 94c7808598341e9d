/*
 * Example 01 (DF1) end to end in the two other authentication modes of cs-config: OTDS user + password (OTDS ticket)
 * and OAuth2 client credentials (bearer token), with the credentials wired from the environment as the headless
 * deployment does. What landed is read from the Content Server simulator's own store and counters, not through the
 * package's client.
 */
import assert from "node:assert/strict";
import { runBatch, statementCustomers, withShortWaits } from "../helpers/archive-examples";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";

const N = 4;
const OAUTH_CLIENT = { id: "node-red", secret: "node-red-secret" }; // the CS simulator's demo OAuth client

interface SimCounters {
  logins: { otcs: number; otds: number; oauth: number };
}

describe("example 01 in the OTDS and OAuth2 authentication modes", function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let nr: EmbeddedNodeRed | undefined;
  const saved: Record<string, string | undefined> = {};

  afterEach(async () => {
    await nr?.stop();
    nr = undefined;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await env.close();
  });

  function setEnv(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!(name in saved)) saved[name] = process.env[name];
      process.env[name] = value;
    }
  }

  /** The example, its connection reading client id and secret from the environment like flows/flows_cred.json. */
  function example(): any[] {
    return withShortWaits(loadExample("01-archive-generated-communications")).map((n) =>
      n.type === "cs-config"
        ? { ...n, credentials: { ...n.credentials, clientId: "${CS_CLIENT_ID}", clientSecret: "${CS_CLIENT_SECRET}" } }
        : n,
    );
  }

  /** Statement documents the simulator holds below Communications/Archive, by name. */
  function archivedStatements(): string[] {
    const nodes = Object.values(env.cs.store.data.nodes);
    return nodes.filter((n) => n.type === 144 && /^Statement C-\d{4} /.test(n.name)).map((n) => n.name);
  }

  async function counters(): Promise<SimCounters> {
    const res = await fetch(`${env.cs.url}/__sim/counters`);
    assert.equal(res.status, 200);
    return (await res.json()) as SimCounters;
  }

  const modes: Array<[string, Record<string, string>, keyof SimCounters["logins"]]> = [
    ["otds", {}, "otds"],
    ["oauth", { CS_CLIENT_ID: OAUTH_CLIENT.id, CS_CLIENT_SECRET: OAUTH_CLIENT.secret }, "oauth"],
  ];
  for (const [mode, extra, loginKind] of modes) {
    it(`archives ${N} statements exactly once with CS_AUTH_MODE=${mode}, logging in only through ${loginKind}`, async () => {
      env = await startDemoEnvironment();
      setEnv({ CS_AUTH_MODE: mode, ...extra });
      nr = await env.startNodeRed();
      const done = env.collect(nr, "df01-done");
      const errors = env.collect(nr, "df01-errors");
      await nr.deploy(example());
      await runBatch(env, statementCustomers(N));
      await env.waitUntil(`${N} communications archived`, () => done.length >= N || errors.length > 0, 40_000);
      assert.deepEqual(
        errors.map((m) => m.payload),
        [],
      );
      const names = archivedStatements();
      assert.equal(names.length, N, names.join(", "));
      assert.equal(new Set(names).size, N, "no statement twice");
      const { logins } = await counters();
      assert.ok(logins[loginKind] >= 1, `${loginKind} logins: ${JSON.stringify(logins)}`);
      assert.equal(logins.otcs, 0, "no Content Server user/password login");
    });
  }
});
