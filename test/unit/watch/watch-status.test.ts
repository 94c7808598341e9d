import assert from "node:assert/strict";
import type { WatchCounts } from "../../../nodes/lib/watch";
import { watchStatus } from "../../../nodes/lib/watch/watch-status";

const idle: WatchCounts = { inFlight: 0, backlog: 0, done: 3, dead: 0, manifestsActive: 0 };

describe("watch: status", () => {
  it("shows each phase that stops the watch in red with its own text, whatever the counts", () => {
    const busy = { ...idle, inFlight: 2 };
    assert.deepEqual(watchStatus("root-missing", busy), ["error", "rootMissing"]);
    assert.deepEqual(watchStatus("api-error", busy), ["error", "apiError"]);
    assert.deepEqual(watchStatus("state-error", busy, "ECONNREFUSED"), [
      "error",
      "stateError",
      { code: "ECONNREFUSED" },
    ]);
    assert.deepEqual(watchStatus("ledger-failed", busy), ["error", "ledgerFailed"]);
  });

  it("shows starting in grey", () => {
    assert.deepEqual(watchStatus("starting", idle), ["idle", "starting"]);
  });

  it("is busy while anything is in flight, waiting or being expanded, adding the dead ones", () => {
    for (const counts of [{ inFlight: 1 }, { backlog: 1 }, { manifestsActive: 1 }]) {
      const [look, key] = watchStatus("watching", { ...idle, ...counts });
      assert.deepEqual([look, key], ["working", ["busy"]]);
    }
    const withDead = { ...idle, inFlight: 1, dead: 2 };
    assert.deepEqual(watchStatus("watching", withDead), ["working", ["busy", "dead"], withDead]);
  });

  it("watches in green when idle, in yellow once something is dead", () => {
    assert.deepEqual(watchStatus("watching", idle), ["ok", ["watching"], idle]);
    const withDead = { ...idle, dead: 1 };
    assert.deepEqual(watchStatus("watching", withDead), ["warn", ["watching", "dead"], withDead]);
  });
});
