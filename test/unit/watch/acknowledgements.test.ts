import assert from "node:assert/strict";
import { acknowledgedId, recordAcknowledgement, type Acknowledgement } from "../../../nodes/lib/watch/acknowledgements";

/** A watcher that records what it is told. */
function recorder() {
  const told: unknown[][] = [];
  return {
    told,
    acknowledge: async (id: string, outcome?: unknown) => (
      told.push(["acknowledge", id, outcome]),
      "acknowledged" as const
    ),
    fail: async (id: string, reason: string, permanent: boolean) => (
      told.push(["fail", id, reason, permanent]),
      "acknowledged" as const
    ),
  };
}

async function record(ack: Acknowledgement) {
  const watcher = recorder();
  await recordAcknowledgement(watcher, "c-1", ack);
  return watcher.told;
}

describe("watch: acknowledgements", () => {
  it("names the communication by msg.document.id only when that is a non-empty text", () => {
    assert.equal(acknowledgedId({ document: { id: "c-1" } }), "c-1");
    assert.equal(acknowledgedId({ document: { id: 7 } }), "");
    assert.equal(acknowledgedId({ document: {} }), "");
    assert.equal(acknowledgedId({}), "");
  });

  it("records a success with cs-archive's answer, or true when there is none", async () => {
    assert.deepEqual(await record({ cs: { nodeId: 42 } }), [["acknowledge", "c-1", { nodeId: 42 }]]);
    assert.deepEqual(await record({}), [["acknowledge", "c-1", true]]);
  });

  it("records a failure as permanent only when msg.failure says exactly that", async () => {
    const error = { message: "HTTP 400" };
    assert.deepEqual(await record({ error, failure: { reason: "bad", permanent: true } }), [
      ["fail", "c-1", "bad", true],
    ]);
    assert.deepEqual(await record({ error, failure: { reason: "bad", permanent: "true" } }), [
      ["fail", "c-1", "bad", false],
    ]);
  });

  it("gives a failure the reason of msg.failure, else the error's message, else 'failed downstream'", async () => {
    assert.deepEqual(await record({ error: { message: "HTTP 503" }, failure: { reason: "" } }), [
      ["fail", "c-1", "HTTP 503", false],
    ]);
    assert.deepEqual(await record({ error: { message: "HTTP 503" }, failure: { reason: 5 } }), [
      ["fail", "c-1", "HTTP 503", false],
    ]);
    assert.deepEqual(await record({ error: {} }), [["fail", "c-1", "failed downstream", false]]);
  });
});
