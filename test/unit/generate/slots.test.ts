import assert from "node:assert/strict";
import { generationSlotsOf } from "../../../nodes/lib/generate/slots";

describe("generate: connection slots", () => {
  it("runs as many generations at once as the connection's concurrent requests, else the client's default", () => {
    assert.equal(generationSlotsOf({ clientOptions: () => ({ maxConcurrent: 2 }) }), 2);
    assert.equal(generationSlotsOf({ clientOptions: () => ({}) }), 4);
    const unusable = {
      clientOptions: (): { maxConcurrent?: number } => {
        throw new Error("baseUrl missing");
      },
    };
    assert.equal(generationSlotsOf(unusable), 4);
  });
});
