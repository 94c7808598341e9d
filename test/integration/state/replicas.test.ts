/**
 * Three Node-RED processes run data flow 1 on one output root and one PostgreSQL database. One is SIGKILLed mid-run,
 * another restarted, then the database is restarted: every communication ends up in Content Server exactly once,
 * and in the database as acknowledged (or dead-lettered with a reason), none stuck beyond one lease period.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "pg";
import { startSoakEnvironment, type SoakEnvironment } from "../../../bench/soak/environment";
import { loadSoakFlow } from "../../../bench/soak/flow";
import { NodeRedProcess } from "../../../bench/soak/node-red-process";
import { CsReadback } from "../../helpers/cs-readback";
import { writeHandMadeRun } from "../../helpers/output-tree";
import { requirePrerequisite } from "../../helpers/prerequisites";
import { postgresAvailable, startPostgres, type PostgresServer } from "../../helpers/postgres";

const COMMUNICATIONS = Number(process.env.REPLICA_TEST_COMMUNICATIONS ?? 3000);
const PER_RUN = 100;
/** The lease of a handed-out communication (the watch's ack timeout), short so that failover fits the test. */
const LEASE_MS = 6000;
const SCHEMA = "replicas";
const QUEUE = "df01-replicas/communications";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("three Node-RED replicas on one PostgreSQL state store", function () {
  this.timeout(400_000);
  let work: string;
  let db: PostgresServer;
  let env: SoakEnvironment;
  let pool: Pool;
  const replicas: NodeRedProcess[] = [];

  before(async function () {
    requirePrerequisite(this, postgresAvailable(), "PostgreSQL server (Debian package postgresql)");
    work = fs.mkdtempSync(path.join(os.tmpdir(), "replicas-"));
    db = await startPostgres();
    env = await startSoakEnvironment(work, 1);
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on("error", () => undefined);
  });

  after(async () => {
    await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
    await pool?.end().catch(() => undefined);
    await env?.close();
    db?.destroy();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function states(): Promise<Record<string, number>> {
    const { rows } = await pool.query(
      `SELECT state, count(*)::int AS n FROM "${SCHEMA}".work_items WHERE queue = $1 GROUP BY state`,
      [QUEUE],
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  async function finished(): Promise<number> {
    for (;;) {
      try {
        const s = await states();
        return (s.done ?? 0) + (s.dead ?? 0);
      } catch {
        await sleep(500); // the database is being restarted
      }
    }
  }

  async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${JSON.stringify(await states())})`);
      await sleep(250);
    }
  }

  /** The Content Server simulator's control API (`__sim/…`). */
  async function csControl(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${env.cs.url}/__sim/${route}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} __sim/${route}: HTTP ${res.status}`);
    return res.json();
  }

  /** Communications the process with this pid holds a lease on. */
  async function leasedBy(pid: number): Promise<string[]> {
    const { rows } = await pool.query(
      `SELECT id FROM "${SCHEMA}".work_items WHERE queue = $1 AND state = 'in-flight' AND owner LIKE $2`,
      [QUEUE, `%:${pid}:%`],
    );
    return rows.map((r) => r.id);
  }

  it("archives every communication exactly once through a SIGKILL, a replica restart and a database restart", async () => {
    const flow = loadSoakFlow();
    const watch = flow.flows.find((n) => n.type === "exstream-output-watch");
    Object.assign(watch, { state: "state-pg", ledgerName: "df01-replicas", ackTimeoutMs: String(LEASE_MS) });
    flow.flows.push({
      id: "state-pg",
      type: "ccm-state",
      name: "replicas",
      kind: "${STATE_STORE}",
      url: "${PG_URL}",
      tls: "off",
      poolSize: "4",
      schema: SCHEMA,
    });
    const processEnv = { ...env.env, STATE_STORE: "postgresql", PG_URL: db.url };
    for (let i = 0; i < 3; i++) {
      replicas.push(
        new NodeRedProcess({ workDir: path.join(work, `replica-${i}`), env: processEnv, startTimeoutMs: 120_000 }),
      );
    }
    await Promise.all(replicas.map((r) => r.start()));
    await Promise.all(replicas.map((r) => r.deploy(flow.flows)));

    const started = Date.now();
    for (let run = 0; run * PER_RUN < COMMUNICATIONS; run++) {
      const customers = Array.from({ length: Math.min(PER_RUN, COMMUNICATIONS - run * PER_RUN) }, (_, i) => {
        const n = 100_000 + run * PER_RUN + i;
        return {
          number: String(n),
          keys: { CustomerId: `C-${n}`, AccountNumber: `ACC-${n}`, DocumentType: "Statement" },
        };
      });
      await writeHandMadeRun({
        root: env.outputRoot,
        jobId: `job-${run}`,
        runId: `run-${run}`,
        files: customers.map((c) => ({
          queue: "Print",
          mimeType: "application/pdf",
          pdl: "PDF",
          name: `statement-${c.number}.pdf`,
          content: `%PDF-1.4 statement of customer ${c.number}\n`,
          customers: [c],
        })),
      });
    }

    // One replica dies mid-run: its leases must go to the others within one lease period.
    await until(async () => (await finished()) >= COMMUNICATIONS * 0.2, 200_000, "20 % archived");
    // Uploads are held while the victim is chosen and killed, so the leases it holds cannot end before the kill
    // (acknowledgements are fast enough to empty a replica's leases between a look and a SIGKILL).
    const uploads = await csControl("POST", "faults", { method: "POST", path: "^api/v[12]/nodes$", hold: true });
    const holdId = encodeURIComponent((uploads as { fault: { id: string } }).fault.id);
    // The victim is a replica holding leases right now (which one does depends on who claimed what).
    const pidOf = (r: NodeRedProcess) => (r as unknown as { child: { pid: number } }).child.pid;
    let victim: NodeRedProcess | undefined;
    await until(
      async () => {
        for (const replica of replicas) if ((await leasedBy(pidOf(replica))).length > 0) victim = replica;
        return victim !== undefined;
      },
      60_000,
      "a replica holding leases",
    );
    const victimPid = pidOf(victim!);
    await victim!.kill();
    const killedAt = Date.now();
    const orphans = await leasedBy(victimPid);
    await csControl("DELETE", `faults/${holdId}`);
    await csControl("POST", `faults/${holdId}/release`);
    assert.ok(orphans.length > 0, "the killed replica held leases");

    // Another replica is restarted (graceful: it gives its leases back).
    await until(async () => (await finished()) >= COMMUNICATIONS * 0.4, 200_000, "40 % archived");
    const restarted = replicas.find((r) => r !== victim)!;
    await restarted.stop();
    await restarted.start();

    // The orphans left the killed replica within one lease period (plus a hand-out tick and the database's word).
    const { rows: stuck } = await pool.query(
      `SELECT id FROM "${SCHEMA}".work_items WHERE queue = $1 AND id = ANY($2) AND state = 'in-flight' AND owner LIKE $3`,
      [QUEUE, orphans, `%:${victimPid}:%`],
    );
    const waited = Date.now() - killedAt;
    if (stuck.length) assert.ok(waited < LEASE_MS, `orphans still leased ${waited} ms after the kill`);
    await until(
      async () => (await leasedBy(victimPid)).length === 0,
      LEASE_MS + 3000 - (Date.now() - killedAt),
      "the killed replica's leases to be reclaimed within one lease period",
    );

    // The database restarts mid-run.
    await until(async () => (await finished()) >= COMMUNICATIONS * 0.6, 200_000, "60 % archived");
    db.stop();
    await sleep(1500);
    db.start();

    await until(async () => (await finished()) >= COMMUNICATIONS, 240_000, "every communication finished");
    const elapsed = Date.now() - started;

    const s = await states();
    assert.deepEqual(s, { done: COMMUNICATIONS }, "every communication acknowledged, none pending, in flight or dead");
    const { rows: deadWithoutReason } = await pool.query(
      `SELECT count(*)::int AS n FROM "${SCHEMA}".dead_letters WHERE reason = ''`,
    );
    assert.equal(deadWithoutReason[0].n, 0);
    const { rows: handedOver } = await pool.query(
      `SELECT count(*)::int AS n FROM "${SCHEMA}".work_items WHERE queue = $1 AND attempts > 1`,
      [QUEUE],
    );
    assert.ok(handedOver[0].n >= orphans.length, "the orphans were handed out again, their attempts counted on");

    const documents = await new CsReadback(env.cs.url).documentsBelow(2000, "Communications/Archive");
    const names = documents.map((d) => d.name);
    assert.equal(new Set(names).size, names.length, "no document twice");
    assert.equal(names.length, COMMUNICATIONS, "exactly one CS document per communication");

    const logs = replicas.filter((r) => r !== victim).map((r) => fs.readFileSync(r.logFile, "utf8"));
    assert.ok(
      logs.every((log) => /state store \(postgresql\)|PostgreSQL \(/.test(log)),
      "both surviving replicas reported the database outage",
    );
    console.log(`      ${COMMUNICATIONS} communications on 3 replicas in ${Math.round(elapsed / 1000)} s`);
  });
});
