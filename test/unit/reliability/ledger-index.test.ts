import assert from "node:assert/strict";
import { createHash } from "node:crypto";
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
    // The "journal": an item's span offset names its id; some offsets, lengths and attempt counts are beyond what
    // the index's narrow columns hold in place.
    const ids: string[] = [];
    const byOffset = new Map<number, string>();
    const index = new LedgerIndex((item) => byOffset.get(item.offset)!);
    const model = new Map<string, { state: LedgerState; attempts: number; offset: number; length: number }>();
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
        const offset = ids.length - 1 + (step % 7 === 0 ? 2 ** 40 : 0);
        const length = step % 5 === 0 ? 70_000 + step : 1;
        const attempts = step % 11 === 0 ? 300 + step : 0;
        byOffset.set(offset, id);
        const updatedAt = 1.8e12 + step;
        index.put(id, { state: "pending", attempts, updatedAt, item: { offset, length }, current: true });
        enter(id, model.get(id)?.state, "pending");
        model.set(id, { state: "pending", attempts, offset, length });
      } else if (roll < 0.8) {
        const id = known[Math.floor(next() * known.length)];
        const entry = model.get(id)!;
        const state = states[Math.floor(next() * states.length)];
        index.change(index.find(id)!, { state, attempts: entry.attempts + 1, updatedAt: step });
        enter(id, entry.state, state);
        model.set(id, { ...entry, state, attempts: entry.attempts + 1 });
      } else {
        const id = known[Math.floor(next() * known.length)];
        index.free(index.find(id)!);
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
      assert.equal(index.get(id)?.item.length, entry.length, id);
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

  it("holds no id: ids are read back through the journal to confirm a lookup, once, and when listed", () => {
    const reads: number[] = [];
    const index = new LedgerIndex((item) => {
      reads.push(item.offset);
      return `id-${item.offset}`;
    });
    for (let i = 0; i < 10; i++) {
      index.put(`id-${i}`, { state: "pending", attempts: 0, updatedAt: 0, item: { offset: i, length: 1 } });
    }
    assert.equal(index.has("id-3"), true);
    assert.equal(index.stateOf("id-3"), "pending");
    assert.deepEqual(reads, [3], "the match is confirmed by its id, once for consecutive lookups");
    assert.equal(index.has("id-10"), false);
    assert.deepEqual(reads, [3], "an id not in the index needs no read");
    reads.length = 0;
    const firstThree: string[] = [];
    for (const id of index.ids("pending")) {
      firstThree.push(id);
      if (firstThree.length === 3) break;
    }
    assert.deepEqual(firstThree, ["id-0", "id-1", "id-2"]);
    assert.deepEqual(reads, [0, 1, 2], "only the ids listed are read");
  });

  it("tells apart ids whose fingerprints are equal by reading them back", () => {
    const [a, b] = ["job-7/customer-36460.pdf", "job-7/customer-84368.pdf"];
    const fingerprint = (id: string) => createHash("sha256").update(id).digest().readUInt32LE(0);
    assert.equal(fingerprint(a), fingerprint(b), "the two ids share their SHA-256's first word");
    const journal = [a, b];
    const index = new LedgerIndex((item) => journal[item.offset]);
    index.put(a, { state: "pending", attempts: 0, updatedAt: 0, item: { offset: 0, length: 1 } });
    assert.equal(index.has(b), false, "a shared fingerprint is not a match");
    index.put(b, { state: "dead", attempts: 2, updatedAt: 0, item: { offset: 1, length: 1 } });
    assert.equal(index.size, 2);
    assert.equal(index.stateOf(a), "pending");
    assert.equal(index.stateOf(b), "dead");
    assert.equal(index.find(a, true), 0, "a trusted lookup among two candidates still reads them");
    assert.equal(index.find(b, true), 1);
    index.free(index.find(a)!);
    assert.equal(index.has(a), false);
    assert.equal(index.get(b)?.attempts, 2);
    assert.equal(index.find(a), undefined, "the one candidate left is read back and is not the id");
    assert.equal(index.find(a, true), 1, "trusted (the id must be there): the one candidate is taken unread");
  });
});
