import assert from "node:assert/strict";
import { ConcurrencyLimiter, QueueFullError } from "../../../nodes/lib/reliability/limiter";
import { SingleFlight } from "../../../nodes/lib/reliability/single-flight";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("concurrency limiter", () => {
  it("never runs more than maxConcurrent tasks at once and runs them all", async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
          return i;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(limiter.running, 0);
  });

  it("refuses work beyond its queue bound instead of growing without limit", async () => {
    const limiter = new ConcurrencyLimiter(1, 2);
    let release!: () => void;
    const blocker = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = [limiter.run(async () => 1), limiter.run(async () => 2)];
    await assert.rejects(
      limiter.run(async () => 3),
      QueueFullError,
    );
    release();
    await blocker;
    assert.deepEqual(await Promise.all(queued), [1, 2]);
  });

  it("frees its slot when a task fails", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await assert.rejects(
      limiter.run(async () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await limiter.run(async () => "next"), "next");
  });
});

describe("single flight", () => {
  it("shares one run among concurrent callers and starts afresh afterwards", async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    const operation = async () => {
      runs++;
      await tick();
      return runs;
    };
    const first = await Promise.all(Array.from({ length: 20 }, () => flight.run(operation)));
    assert.deepEqual(new Set(first), new Set([1]));
    assert.equal(await flight.run(operation), 2);
  });

  it("passes a failure to every waiting caller and lets the next call try again", async () => {
    const flight = new SingleFlight<string>();
    const failing = () => Promise.reject(new Error("login refused"));
    const outcomes = await Promise.allSettled([flight.run(failing), flight.run(failing)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["rejected", "rejected"],
    );
    assert.equal(await flight.run(async () => "ok"), "ok");
  });
});
