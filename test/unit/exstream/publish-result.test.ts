import assert from "node:assert/strict";
import { result } from "../../../nodes/lib/exstream/publish";
import type { ResourceVersion } from "../../../nodes/lib/exstream";

describe("exstream publish result", () => {
  const v: ResourceVersion = { id: "r1", version: 3, name: "Disclaimer", type: "exstrparagraph", state: "APPROVED" };

  it("dates an unchanged resource by its last change, read as epoch ms (real servers) or ISO date-time (the spec)", () => {
    const iso = "2026-03-01T10:15:00.000Z";
    assert.equal(result(v, "unchanged", "abc", Date.parse(iso)).publishedAt, Date.parse(iso));
    assert.equal(result(v, "unchanged", "abc", iso).publishedAt, Date.parse(iso));
  });

  it("dates a change (or an unreadable last change) now", () => {
    const before = Date.now();
    assert.ok(result(v, "versioned", "abc", "2020-01-01T00:00:00Z").publishedAt >= before);
    assert.ok(result(v, "unchanged", "abc", "not a date").publishedAt >= before);
  });
});
