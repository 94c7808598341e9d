import assert from "node:assert/strict";
import path from "node:path";
import { FileStateStore, migrate, PostgresStateStore, type StateStore, type WorkQueue } from "../../../nodes/lib/state";
import { WorkflowTaskTracker, taskKey, type TrackedTask } from "../../../nodes/lib/workflow/task-tracker";
import { ageWorkItems, postgresSuite, recordStatements } from "../../helpers/postgres";

interface Item {
  n: number;
}

const LEASE_MS = 60_000;

describe("state stores", function () {
  this.timeout(120_000);
  const pg = postgresSuite("state-store-");
  const pool = () => pg.pool();
  let schemaSeq = 0;

  /** Replicas of one deployment: each has its own pool (its own process in production) on one schema. */
  function replicas(count: number): PostgresStateStore[] {
    const schema = `t${++schemaSeq}`;
    return Array.from({ length: count }, () => new PostgresStateStore(pool(), schema));
  }

  /** Moves the time of the replicas created last on by `ms`. */
  const pass = (ms: number) => ageWorkItems(pool(), `t${schemaSeq}`, ms);

  const spec = (maxAttempts = 3) => ({
    name: "watch/communications",
    file: path.join(pg.dir, "items.journal"),
    maxAttempts,
  });

  /** Each kind of store with a way to move its time on: the file store reads an injected clock. */
  const kinds: Array<[string, () => { store: StateStore; pass(ms: number): Promise<void> }]> = [
    [
      "file",
      () => {
        let offset = 0;
        const store = new FileStateStore(() => Date.now() + offset);
        return { store, pass: async (ms) => void (offset += ms) };
      },
    ],
    [
      "postgresql",
      () => {
        const [store] = replicas(1);
        const schema = `t${schemaSeq}`;
        return { store, pass: (ms) => ageWorkItems(pool(), schema, ms) };
      },
    ],
  ];

  for (const [kind, open] of kinds) {
    describe(`the ${kind} store, one owner`, () => {
      let queue: WorkQueue<Item>;
      let store: StateStore;
      let later: (ms: number) => Promise<void>;
      beforeEach(async () => {
        ({ store, pass: later } = open());
        queue = await store.openQueue<Item>(spec());
      });
      afterEach(() => store.close());

      it("adds an id once, claims oldest first counting attempts, and never hands out an acknowledged item again", async () => {
        for (let n = 1; n <= 5; n++) assert.equal(await queue.add(`i${n}`, { n }), true);
        assert.equal(await queue.add("i1", { n: 99 }), false, "a known id is not added again");
        const first = await queue.claim(3, { leaseMs: 60_000 });
        assert.deepEqual(
          first.map((e) => [e.id, e.attempts, e.state]),
          [
            ["i1", 1, "in-flight"],
            ["i2", 1, "in-flight"],
            ["i3", 1, "in-flight"],
          ],
        );
        assert.equal(await queue.acknowledge("i1", { nodeId: 7 }), "acknowledged");
        assert.equal(await queue.acknowledge("i1"), "already-finished");
        assert.equal(await queue.acknowledge("nope"), "unknown");
        assert.deepEqual(await queue.counts(), { pending: 2, inFlight: 2, done: 1, dead: 0 });
        assert.deepEqual((await queue.get("i1"))?.outcome, { nodeId: 7 });
        const rest = await queue.claim(10, { leaseMs: 60_000 });
        assert.deepEqual(
          rest.map((e) => e.id),
          ["i4", "i5"],
        );
      });

      it("records a batch of new items in one step, in their order, leaving known ids alone", async () => {
        await queue.add("b2", { n: 0 });
        const batch = ["b1", "b2", "b3", "b1"].map((id, n) => ({ id, item: { n } }));
        assert.equal(await queue.addAll(batch), 2, "b1 and b3 are new; b2 was known, b1 is there once");
        assert.equal(await queue.addAll([]), 0);
        assert.deepEqual(
          (await queue.claim(5, { leaseMs: 60_000 })).map((e) => [e.id, e.item.n]),
          [
            ["b2", 0],
            ["b1", 0],
            ["b3", 2],
          ],
        );
      });

      it("claims only as many as keep the owner's claimed items at the given number", async () => {
        for (let n = 1; n <= 6; n++) await queue.add(`o${n}`, { n });
        assert.equal((await queue.claim(3, { leaseMs: 60_000 })).length, 3);
        const topUp = await queue.claim(10, { leaseMs: 60_000, ownedAtMost: 4 });
        assert.deepEqual(
          topUp.map((e) => e.id),
          ["o4"],
          "three held, one more to four",
        );
        assert.deepEqual(await queue.claim(10, { leaseMs: 60_000, ownedAtMost: 4 }), [], "four held already");
        await queue.acknowledge("o1");
        assert.deepEqual(
          (await queue.claim(10, { leaseMs: 60_000, ownedAtMost: 4 })).map((e) => e.id),
          ["o5"],
        );
      });

      it("answers acknowledgements asked at the same moment each on its own", async () => {
        for (const id of ["a", "b", "c"]) await queue.add(id, { n: 1 });
        await queue.claim(3, { leaseMs: 60_000 });
        await queue.acknowledge("c");
        const answers = await Promise.all([
          queue.acknowledge("a", { nodeId: 1 }),
          queue.acknowledge("a", { nodeId: 2 }),
          queue.acknowledge("b"),
          queue.acknowledge("c"),
          queue.acknowledge("nope"),
        ]);
        assert.deepEqual(answers, ["acknowledged", "already-finished", "acknowledged", "already-finished", "unknown"]);
        assert.deepEqual((await queue.get("a"))?.outcome, { nodeId: 1 }, "the first acknowledgement's outcome");
        assert.deepEqual(await queue.counts(), { pending: 0, inFlight: 0, done: 3, dead: 0 });
      });

      it("lists the items claimed under a lease that has not run out", async () => {
        await queue.add("x", { n: 1 });
        await queue.add("y", { n: 2 });
        await queue.claim(1, { leaseMs: LEASE_MS });
        assert.deepEqual(
          (await queue.leased(LEASE_MS)).map((e) => e.id),
          ["x"],
        );
        await later(LEASE_MS);
        assert.deepEqual(await queue.leased(LEASE_MS), [], "the lease ran out");
      });

      it("counts failed attempts, waits the retry delay, and dead-letters with the reason when they are used up", async () => {
        await queue.add("a", { n: 1 });
        for (let attempt = 1; attempt <= 3; attempt++) {
          const [claimed] = await queue.claim(1, { leaseMs: LEASE_MS, retryDelayMs: LEASE_MS });
          assert.equal(claimed.attempts, attempt);
          const failed = await queue.fail("a", `boom ${attempt}`, false);
          assert.equal(typeof failed === "object" && failed.state, attempt < 3 ? "pending" : "dead");
          assert.deepEqual(
            await queue.claim(1, { leaseMs: LEASE_MS, retryDelayMs: LEASE_MS }),
            [],
            "not before the delay",
          );
          await later(LEASE_MS);
        }
        const dead = await queue.get("a");
        assert.equal(dead?.state, "dead");
        assert.equal(dead?.reason, "boom 3");
        assert.equal(await queue.fail("a", "again", false), "already-finished");
      });

      it("dead-letters at once on a permanent failure, and records a refused item straight as a dead letter", async () => {
        await queue.add("p", { n: 1 });
        await queue.claim(1, { leaseMs: 60_000 });
        const failed = await queue.fail("p", "not allowed", true);
        assert.equal(typeof failed === "object" && failed.state, "dead");
        const refused = await queue.deadLetter("r", { n: 2 }, "outside the root", ["pending"]);
        assert.equal(refused?.state, "dead");
        assert.equal(refused?.reason, "outside the root");
        await queue.add("q", { n: 3 });
        await queue.claim(5, { leaseMs: 60_000 });
        assert.equal(await queue.deadLetter("q", { n: 3 }, "late", ["pending"]), undefined, "handed out: left alone");
        assert.deepEqual(await queue.counts(), { pending: 0, inFlight: 1, done: 0, dead: 2 });
      });

      it("lists dead letters oldest first and revives the named ones (or all): pending again, no attempts counted", async () => {
        for (const id of ["d1", "d2", "d3"]) {
          await queue.add(id, { n: 1 });
          await queue.claim(1, { leaseMs: 60_000 });
          await queue.fail(id, `refused ${id}`, true);
        }
        assert.deepEqual(
          (await queue.list("dead", 2)).map((e) => [e.id, e.reason, e.attempts]),
          [
            ["d1", "refused d1", 1],
            ["d2", "refused d2", 1],
          ],
        );
        assert.deepEqual(await queue.revive(["d2", "unknown"]), ["d2"], "only dead ids are revived");
        assert.deepEqual(await queue.revive(["d2"]), [], "pending already: left alone");
        const revived = await queue.get("d2");
        assert.deepEqual([revived?.state, revived?.attempts, revived?.reason], ["pending", 0, undefined]);
        assert.deepEqual(
          (await queue.claim(5, { leaseMs: 60_000, retryDelayMs: 60_000 })).map((e) => [e.id, e.attempts]),
          [["d2", 1]],
          "claimed at once, as a new item",
        );
        assert.deepEqual((await queue.revive()).sort(), ["d1", "d3"]);
        assert.deepEqual(await queue.counts(), { pending: 2, inFlight: 1, done: 0, dead: 0 });
      });

      it("expires a lease that ran out as a failed attempt, and gives claimed items back uncounted on release", async () => {
        await queue.add("x", { n: 1 });
        await queue.add("y", { n: 2 });
        await queue.claim(1, { leaseMs: LEASE_MS });
        assert.deepEqual(await queue.expire(LEASE_MS, "not acknowledged"), [], "the lease still runs");
        await later(LEASE_MS);
        const expired = await queue.expire(LEASE_MS, "not acknowledged in time");
        assert.deepEqual(
          expired.map((e) => [e.id, e.state, e.attempts, e.reason]),
          [["x", "pending", 1, "not acknowledged in time"]],
        );
        await queue.claim(2, { leaseMs: 60_000 });
        await queue.releaseOwned();
        const after = await queue.list("pending");
        // The file ledger lists a state in the order items entered it, PostgreSQL in the order they were added.
        assert.deepEqual(
          after.map((e) => [e.id, e.attempts]).sort(),
          [
            ["x", 2],
            ["y", 1],
          ],
          "a release keeps the attempt count and counts no failure",
        );
      });

      it("claims one named item (a run) unless it is finished or held by a live lease", async () => {
        const held = await queue.claimOne("run-1", { n: 1 }, 60_000, false);
        assert.equal(held?.state, "in-flight");
        assert.equal(await queue.claimOne("run-1", { n: 1 }, 60_000, false), undefined, "held");
        assert.equal((await queue.claimOne("run-1", { n: 1 }, 60_000, true))?.attempts, 2, "renewed by its owner");
        await queue.acknowledge("run-1");
        assert.equal(await queue.claimOne("run-1", { n: 1 }, 60_000, true), undefined, "finished");
      });
    });
  }

  describe("PostgreSQL across replicas", () => {
    it("creates its schema with versioned migrations once, also when replicas start at the same moment", async () => {
      const schema = `m${++schemaSeq}`;
      const results = await Promise.all([pool(), pool(), pool()].map((p) => migrate(p, schema)));
      assert.deepEqual(results.map((r) => r.length).sort(), [0, 0, 1], "exactly one replica applied migration 1");
      assert.deepEqual(await migrate(pool(), schema), [], "a restart applies nothing");
      const { rows } = await pool().query(`SELECT version, name FROM "${schema}".schema_migrations`);
      assert.deepEqual(rows, [{ version: 1, name: "work items and dead letters" }]);
    });

    it("sends one statement per batch of new items, per claim of a batch and per group of acknowledgements", async () => {
      const counted = pool();
      const statements = recordStatements(counted);
      const store = new PostgresStateStore(counted, `s${++schemaSeq}`);
      const queue = await store.openQueue<Item>(spec());
      statements.length = 0;
      await queue.addAll(Array.from({ length: 100 }, (_, n) => ({ id: `s${n}`, item: { n } })));
      const claimed = await queue.claim(8, { leaseMs: 60_000, ownedAtMost: 8 });
      const answers = await Promise.all(claimed.map((e) => queue.acknowledge(e.id, { nodeId: 1 })));
      assert.deepEqual(answers, Array(8).fill("acknowledged"));
      assert.equal(statements.length, 3, `statements sent:\n${statements.join("\n---\n")}`);
      assert.deepEqual(await queue.counts(), { pending: 92, inFlight: 0, done: 8, dead: 0 });
    });

    it("refuses a schema name that is not a plain identifier", async () => {
      assert.throws(() => new PostgresStateStore(pool(), 'x"; DROP TABLE y; --'), /invalid schema name/);
    });

    it("hands every item to exactly one of three replicas claiming at the same time (SKIP LOCKED)", async () => {
      const stores = replicas(3);
      const queues = await Promise.all(stores.map((s) => s.openQueue<Item>(spec())));
      for (let n = 0; n < 300; n++) await queues[0].add(`c${n}`, { n });
      const claimedBy = new Map<string, number>();
      await Promise.all(
        queues.map(async (queue, replica) => {
          for (;;) {
            const batch = await queue.claim(7, { leaseMs: 60_000 });
            if (!batch.length) return;
            for (const entry of batch) {
              assert.equal(claimedBy.has(entry.id), false, `${entry.id} claimed twice`);
              claimedBy.set(entry.id, replica);
              assert.equal(await queue.acknowledge(entry.id), "acknowledged");
            }
          }
        }),
      );
      assert.equal(claimedBy.size, 300);
      assert.equal(new Set(claimedBy.values()).size, 3, "all three replicas took part");
      assert.deepEqual(await queues[1].counts(), { pending: 0, inFlight: 0, done: 300, dead: 0 });
    });

    it("lets another replica reclaim a dead replica's lease after it runs out; the attempt count travels along", async () => {
      const [a, b] = await Promise.all(replicas(2).map((s) => s.openQueue<Item>(spec(2))));
      await a.add("k", { n: 1 });
      await a.add("l", { n: 2 });
      assert.equal((await a.claim(2, { leaseMs: LEASE_MS })).length, 2); // replica a then dies
      assert.deepEqual(await b.claim(5, { leaseMs: LEASE_MS }), [], "a's leases still run");
      assert.deepEqual(await b.expire(LEASE_MS, "lease ran out"), []);
      assert.deepEqual(await b.counts(), { pending: 0, inFlight: 0, done: 0, dead: 0 }, "a's claims are not b's");
      await pass(LEASE_MS);
      assert.equal((await b.expire(LEASE_MS, "lease ran out")).length, 2);
      const reclaimed = await b.claim(5, { leaseMs: LEASE_MS });
      assert.deepEqual(
        reclaimed.map((e) => [e.id, e.attempts]),
        [
          ["k", 2],
          ["l", 2],
        ],
      );
      assert.equal(await b.acknowledge("k"), "acknowledged");
      await pass(LEASE_MS);
      const last = await a.expire(LEASE_MS, "lease ran out again");
      assert.deepEqual(
        last.map((e) => [e.id, e.state]),
        [["l", "dead"]],
        "the second hand-over used up the attempts",
      );
    });

    it("keeps dead letters in their own table with the reason, and drops them when the item is acknowledged after all", async () => {
      const [store] = replicas(1);
      const queue = await store.openQueue<Item>(spec());
      await queue.deadLetter("d1", { n: 1 }, "file outside the root", ["pending"]);
      await queue.add("d2", { n: 2 });
      await queue.fail("d2", "HTTP 400", true);
      const schema = `t${schemaSeq}`;
      const read = async () =>
        (await pool().query(`SELECT id, reason, attempts FROM "${schema}".dead_letters ORDER BY id`)).rows;
      assert.deepEqual(await read(), [
        { id: "d1", reason: "file outside the root", attempts: 0 },
        { id: "d2", reason: "HTTP 400", attempts: 0 },
      ]);
      await queue.acknowledge("d2");
      assert.deepEqual(
        (await read()).map((r) => r.id),
        ["d1"],
      );
    });

    it("revives a dead letter for every replica: the row leaves dead_letters and any replica may claim it", async () => {
      const [a, b] = await Promise.all(replicas(2).map((s) => s.openQueue<Item>(spec())));
      await a.add("d", { n: 1 });
      await a.claim(1, { leaseMs: 60_000 });
      await a.fail("d", "HTTP 400", true);
      const schema = `t${schemaSeq}`;
      const deadRows = async () => (await pool().query(`SELECT id FROM "${schema}".dead_letters`)).rows;
      assert.deepEqual(await deadRows(), [{ id: "d" }]);
      assert.deepEqual(await b.revive(), ["d"], "revived by the other replica");
      assert.deepEqual(await deadRows(), []);
      const [claimed] = await a.claim(1, { leaseMs: 60_000 });
      assert.deepEqual([claimed?.id, claimed?.attempts], ["d", 1]);
      assert.equal(await a.acknowledge("d"), "acknowledged");
    });

    it("claims one run for one replica: the others leave it until it is settled or the claim runs out", async () => {
      const [a, b] = await Promise.all(replicas(2).map((s) => s.openQueue<Item>({ ...spec(1), name: "m" })));
      assert.ok(await a.claimOne("manifest|1|2", { n: 1 }, LEASE_MS, true));
      assert.equal(await b.claimOne("manifest|1|2", { n: 1 }, LEASE_MS, true), undefined, "another owner holds it");
      await pass(LEASE_MS);
      assert.ok(await b.claimOne("manifest|1|2", { n: 1 }, LEASE_MS, true), "a's claim ran out");
      assert.equal(await b.acknowledge("manifest|1|2"), "acknowledged");
      assert.equal(await a.claimOne("manifest|1|2", { n: 1 }, LEASE_MS, true), undefined, "settled");
    });

    it("gives one workflow task to one of two trackers polling the same assignments", async () => {
      const stores = replicas(2);
      const trackers = stores.map(
        (store) =>
          new WorkflowTaskTracker({ file: "unused", name: "trigger", store, reemitAfterMs: 60_000, maxInFlight: 10 }),
      );
      const tasks: TrackedTask[] = [1, 2, 3, 4, 5, 6].map((n) => ({
        processId: n,
        subprocessId: n,
        taskId: 1,
        stepName: "Letter",
      }));
      await Promise.all(trackers.map((t) => t.reconcile(tasks)));
      const due = await Promise.all(trackers.map((t) => t.due()));
      const emitted = due.flat().map((d) => taskKey(d.task));
      assert.deepEqual(emitted.sort(), tasks.map(taskKey).sort(), "every task once, none twice");
      await Promise.all(trackers.map((t) => t.reconcile(tasks.slice(3))));
      assert.deepEqual(
        (await Promise.all(trackers.map((t) => t.due()))).flat(),
        [],
        "nothing again while the claims last",
      );
      await trackers[0].close();
      const afterRelease = await trackers[1].due();
      assert.deepEqual(
        afterRelease.map((d) => [d.task.processId, d.attempt]).sort(),
        due[0]
          .filter((d) => d.task.processId > 3)
          .map((d) => [d.task.processId, 2])
          .sort(),
        "the closed replica's still-assigned tasks go to the other one, counted as second emissions",
      );
      await trackers[1].close();
    });
  });
});
