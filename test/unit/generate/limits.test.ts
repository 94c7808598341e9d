import assert from "node:assert/strict";
import { limiterFor, runBounded } from "../../../nodes/lib/generate/limits";
import { QueueFullError } from "../../../nodes/lib/reliability/limiter";

describe("generate: limits per connection", () => {
  it("gives every node of one connection the same slots, and another connection its own", () => {
    const connection = {};
    const shared = limiterFor(connection, 2);
    assert.equal(limiterFor(connection, 5), shared);
    assert.equal(shared.maxConcurrent, 2);
    assert.notEqual(limiterFor({}, 2), shared);
    assert.equal(limiterFor({}, 0).maxConcurrent, 1);
  });

  it("refuses a generation at once when the slots are busy and the node's waiting line is full", async () => {
    const limiter = limiterFor({}, 1);
    let release!: () => void;
    const running = runBounded(limiter, 1, () => new Promise<string>((resolve) => (release = () => resolve("ran"))));
    const waiting = runBounded(limiter, 1, async () => "waited");
    await assert.rejects(
      runBounded(limiter, 1, async () => "refused"),
      (err: unknown) => err instanceof QueueFullError && /1 generations already waiting \(limit 1\)/.test(err.message),
    );
    release();
    assert.deepEqual(await Promise.all([running, waiting]), ["ran", "waited"]);
  });
});
