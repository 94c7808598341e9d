import assert from "node:assert/strict";
import { LedgerIndex, type LedgerState } from "../../../nodes/lib/reliability/ledger-index";

/** A seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("ledger index", () => {
  it("finds, changes and forgets items like a map, through growth, table rehashes and deletions", () => {
    const next = random(42);
    // The "journal": an item's span offset names its id.
    const ids: string[] = [];
    const index = new LedgerIndex((item) => ids[item.offset]);
    const model = new Map<string, { state: LedgerState; attempts: number; offset: number }>();
    /** Ids per listed state in the order they entered it, as the index must list them. */
    const order: Record<Exclude<LedgerState, "done">, string[]> = { pending: [], "in-flight": [], dead: [] };
    const enter = (id: string, from: LedgerState | undefined, to: LedgerState) => {
      if (from && from !== "done") order[from].splice(order[from].indexOf(id), 1);
      if (to !== "done") order[to].push(id);
    };
    const states: LedgerState[] = ["pending", "in-flight", "done", "dead"];
    for (let step = 0; step < 40_000; step++) {
      const roll = next();
      const known = [...model.keys()];
      if (roll < 0.45 || known.length === 0) {
        const id = `job-${Math.floor(next() * 1e9)}/customer/${step}`;
        ids.push(id);
        const offset = ids.length - 1;
        index.put(id, { state: "pending", attempts: 0, updatedAt: step, item: { offset, length: 1 }, current: true });
        enter(id, model.get(id)?.state, "pending");
        model.set(id, { state: "pending", attempts: 0, offset });
      } else if (roll < 0.8) {
        const id = known[Math.floor(next() * known.length)];
        const entry = model.get(id)!;
        const state = states[Math.floor(next() * states.length)];
        index.update(id, { state, attempts: entry.attempts + 1, updatedAt: step });
        enter(id, entry.state, state);
        model.set(id, { ...entry, state, attempts: entry.attempts + 1 });
      } else {
        const id = known[Math.floor(next() * known.length)];
        index.delete(id);
        enter(id, model.get(id)!.state, "done");
        model.delete(id);
      }
    }
    assert.ok(model.size > 1000, "the sequence keeps a sizeable index");
    assert.equal(index.size, model.size);
    for (const [id, entry] of model) {
      assert.equal(index.stateOf(id), entry.state, id);
      assert.equal(index.get(id)?.attempts, entry.attempts, id);
      assert.equal(index.get(id)?.item.offset, entry.offset, id);
    }
    for (const forgotten of ids.filter((id) => !model.has(id)).slice(0, 2000)) {
      assert.equal(index.has(forgotten), false, forgotten);
    }
    for (const state of ["pending", "in-flight", "dead"] as const) {
      assert.deepEqual([...index.ids(state)], order[state], `${state} in the order they entered it`);
    }
    const done = [...model].filter(([, e]) => e.state === "done").map(([id]) => id);
    assert.deepEqual(new Set(index.ids("done")), new Set(done));
    assert.deepEqual(index.counts(), {
      pending: order.pending.length,
      "in-flight": order["in-flight"].length,
      done: done.length,
      dead: order.dead.length,
    });
  });

  it("holds no id: ids are read back through the journal when listed", () => {
    const reads: number[] = [];
    const index = new LedgerIndex((item) => {
      reads.push(item.offset);
      return `id-${item.offset}`;
    });
    for (let i = 0; i < 10; i++) {
      index.put(`id-${i}`, { state: "pending", attempts: 0, updatedAt: 0, item: { offset: i, length: 1 } });
    }
    assert.equal(index.has("id-3"), true);
    assert.equal(reads.length, 0, "lookups need no journal read");
    const firstThree: string[] = [];
    for (const id of index.ids("pending")) {
      firstThree.push(id);
      if (firstThree.length === 3) break;
    }
    assert.deepEqual(firstThree, ["id-0", "id-1", "id-2"]);
    assert.deepEqual(reads, [0, 1, 2], "only the ids listed are read");
  });
});
