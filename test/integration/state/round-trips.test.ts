/*
 * What the output watcher costs the PostgreSQL state store per communication, counted in statements on the client
 * side: a run's communications are recorded a batch at a time, handed out by one claim per round and acknowledged
 * in groups, so a communication costs well under one round trip (it cost about five: record, expire, count, claim,
 * acknowledge).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { PostgresStateStore } from "../../../nodes/lib/state";
import { OutputWatcher, parseOutputWatchOptions } from "../../../nodes/lib/watch";
import { customerPdf, writeHandMadeRun } from "../../helpers/output-tree";
import { postgresSuite, recordStatements } from "../../helpers/postgres";

const COMMUNICATIONS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("output watcher on PostgreSQL: round trips per communication", function () {
  this.timeout(120_000);
  const pg = postgresSuite("round-trips-");

  it("records, hands out and acknowledges a run's communications in less than one statement each", async () => {
    const root = path.join(pg.dir, "output-root");
    await writeHandMadeRun({
      root,
      jobId: "job-round-trips",
      files: Array.from({ length: COMMUNICATIONS }, (_, i) =>
        customerPdf(`ACC-${i}.pdf`, String(10_000 + i), `%PDF-1.4 ${i}`),
      ),
    });
    const counted = pg.pool();
    const statements = recordStatements(counted);
    const store = new PostgresStateStore(counted, "round_trips");
    const warnings: string[] = [];
    const acknowledged: Array<Promise<unknown>> = [];
    const watcher: OutputWatcher = new OutputWatcher({
      options: parseOutputWatchOptions({ root, watchMethod: "poll", scanIntervalMs: "50", stabilityWindowMs: "20" }),
      ledgerDir: path.join(pg.dir, "ledger"),
      store,
      ledgerName: "round-trips",
      events: {
        // Downstream answers on a later turn, as a flow does.
        emit: (document) => setImmediate(() => acknowledged.push(watcher.acknowledge(document.id, { nodeId: 1 }))),
        deadLetter: (letter) => warnings.push(`dead letter: ${letter.reason}`),
        warn: (message) => warnings.push(message),
        stopped: (err) => warnings.push(err.message),
        status: () => undefined,
      },
    });
    watcher.start();
    const reader = pg.pool();
    // 0 until the watcher has created its schema.
    const done = () =>
      reader
        .query(`SELECT count(*)::int AS n FROM round_trips.work_items WHERE queue = $1 AND state = 'done'`, [
          "round-trips/communications",
        ])
        .then(
          (result) => result.rows[0].n as number,
          () => 0,
        );
    try {
      const deadline = performance.now() + 90_000;
      while ((await done()) < COMMUNICATIONS) {
        assert.ok(performance.now() < deadline, `only ${await done()} acknowledged; ${warnings.join("; ")}`);
        await sleep(50);
      }
      await Promise.all(acknowledged);
    } finally {
      await watcher.close();
    }
    assert.deepEqual(warnings, []);
    assert.equal(acknowledged.length, COMMUNICATIONS, "each communication handed out once");
    const inserts = statements.filter((s) => /INSERT INTO \S+ \(queue, id, state, item\)\s+SELECT/.test(s)).length;
    assert.ok(inserts <= 10, `the run's communications recorded in ${inserts} statements`);
    const perItem = statements.length / COMMUNICATIONS;
    assert.ok(perItem < 1, `${statements.length} statements for ${COMMUNICATIONS} communications (${perItem} each)`);
  });
});
