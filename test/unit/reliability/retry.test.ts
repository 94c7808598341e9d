import assert from "node:assert/strict";
import { backoffDelayMs, parseRetryAfterMs } from "../../../nodes/lib/reliability/backoff";
import { withRetry, type RetryDecision } from "../../../nodes/lib/reliability/retry";

describe("retry with backoff", () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, factor: 2 };

  it("grows the delay ceiling exponentially up to the cap", () => {
    const top = () => 1;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((attempt) => backoffDelayMs(attempt, policy, top)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it("jitters between zero and the ceiling", () => {
    assert.equal(
      backoffDelayMs(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(3, policy, () => 0.5),
      400,
    );
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfterMs("3", now), 3000);
    assert.equal(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfterMs("soon", now), undefined);
    assert.equal(parseRetryAfterMs(undefined, now), undefined);
  });

  it("retries a transient failure until it succeeds, waiting the backoff in between", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error("transient");
        return "done";
      },
      { policy, decide: () => ({ retry: true }), sleep: async (ms) => void waits.push(ms), random: () => 1 },
    );
    assert.equal(result, "done");
    assert.equal(calls, 3);
    assert.deepEqual(waits, [100, 200]);
  });

  it("gives up after maxAttempts and rethrows the last error", async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { policy, decide: () => ({ retry: true }), sleep: async () => undefined },
      ),
      /failure 4/,
    );
    assert.equal(calls, 4);
  });

  it("does not retry what decide() calls permanent", async () => {
    let calls = 0;
    const decide = (err: unknown): RetryDecision => ({ retry: (err as Error).message !== "validation" });
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error("validation");
        },
        { policy, decide, sleep: async () => undefined },
      ),
      /validation/,
    );
    assert.equal(calls, 1);
  });

  it("honours the server's wait but never beyond the cap", async () => {
    const waits: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 3) throw new Error("busy");
      },
      {
        policy,
        decide: () => ({ retry: true, afterMs: calls === 1 ? 700 : 60_000 }),
        sleep: async (ms) => void waits.push(ms),
      },
    );
    assert.deepEqual(waits, [700, 1000]);
  });
});
