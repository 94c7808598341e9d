import assert from "node:assert/strict";
import {
  DEFAULT_OUTPUT_WATCH_OPTIONS,
  OutputWatchOptionsError,
  parseOutputWatchOptions,
} from "../../../nodes/lib/watch";

describe("output watch options: missing-file grace and full rescan", () => {
  it("default to two minutes of grace and a full rescan every 15 minutes", () => {
    const options = parseOutputWatchOptions({ root: "/out" });
    assert.equal(options.missingFileGraceMs, 120_000);
    assert.equal(options.fullRescanIntervalMs, 900_000);
    assert.equal(DEFAULT_OUTPUT_WATCH_OPTIONS.missingFileGraceMs, 120_000);
  });

  it("take the editor's values, 0 grace included (dead-letter a missing file at once)", () => {
    const options = parseOutputWatchOptions({ root: "/out", missingFileGraceMs: "0", fullRescanIntervalMs: "60000" });
    assert.equal(options.missingFileGraceMs, 0);
    assert.equal(options.fullRescanIntervalMs, 60_000);
  });

  it("refuse values out of range, naming each", () => {
    assert.throws(
      () => parseOutputWatchOptions({ root: "/out", missingFileGraceMs: "-1", fullRescanIntervalMs: "soon" }),
      (err: unknown) =>
        err instanceof OutputWatchOptionsError &&
        err.problems.some((p) => p.startsWith("missingFileGraceMs must be an integer")) &&
        err.problems.some((p) => p.startsWith("fullRescanIntervalMs must be an integer")),
    );
  });
});
