import assert from "node:assert/strict";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { ExstreamError, ManifestError } from "../../../nodes/lib/exstream";
import { failureOf, statusTextOf } from "../../../nodes/lib/failure";
import { MappingError } from "../../../nodes/lib/mapping";
import { QueueFullError } from "../../../nodes/lib/reliability/limiter";

describe("failures: every error says itself whether retrying can help", () => {
  it("Content Server: validation answers and known permanent 500s are permanent; timeouts, 429 and 503 are not", () => {
    const cs = (init: Partial<ConstructorParameters<typeof ContentServerError>[0]>) =>
      new ContentServerError({ operation: "upload", code: "HTTP", ...init });
    assert.equal(failureOf(cs({ status: 400, csMessage: "Invalid date" })).permanent, true);
    assert.equal(
      failureOf(cs({ status: 500, csMessage: "An item with the name 'x' already exists." })).permanent,
      true,
    );
    assert.equal(failureOf(cs({ status: 500, csMessage: "Internal error" })).permanent, false);
    assert.equal(failureOf(cs({ status: 429 })).permanent, false);
    assert.equal(failureOf(cs({ status: 503 })).permanent, false);
    assert.equal(failureOf(cs({ code: "TIMEOUT" })).permanent, false);
  });

  it("Exstream: 4xx except 408/425/429 and a batch job ended in error are permanent; network codes are not", () => {
    assert.equal(new ExstreamError({ operation: "generate", status: 400 }).permanent, true);
    assert.equal(new ExstreamError({ operation: "generate", status: 429 }).permanent, false);
    assert.equal(new ExstreamError({ operation: "generate", status: 502 }).permanent, false);
    assert.equal(new ExstreamError({ operation: "generate", code: "ECONNRESET" }).permanent, false);
    assert.equal(new ExstreamError({ operation: "batch job" }).permanent, true);
    assert.equal(new ExstreamError({ operation: "generate", code: "EMAYBEPROCESSED" }).permanent, true);
  });

  it("mapping problems, malformed manifests and bad input (TypeError) are permanent; a full queue and plain errors are not", () => {
    assert.equal(failureOf(new MappingError([{ attribute: "a", problem: "b" }])).permanent, true);
    assert.equal(failureOf(new ManifestError("x", "malformed")).permanent, true);
    assert.equal(failureOf(new ManifestError("x", "truncated")).permanent, false);
    assert.equal(failureOf(new TypeError("no payload")).permanent, true);
    assert.equal(failureOf(new QueueFullError("full")).permanent, false);
    assert.deepEqual(failureOf(new Error("socket hang up")), { reason: "socket hang up", permanent: false });
    assert.deepEqual(failureOf("text"), { reason: "text", permanent: false });
  });

  it("a status text names the operation and the HTTP status or network code", () => {
    assert.equal(
      statusTextOf(new ContentServerError({ operation: "upload", code: "HTTP", status: 400 })),
      "upload: HTTP 400",
    );
    assert.equal(
      statusTextOf(new ContentServerError({ operation: "login", code: "NETWORK", networkCode: "ECONNREFUSED" })),
      "login: ECONNREFUSED",
    );
    assert.equal(statusTextOf(new ExstreamError({ operation: "generate", status: 503 })), "generate: HTTP 503");
    assert.equal(statusTextOf(new MappingError([{ attribute: "a", problem: "b" }])), "1 mapping problem");
    assert.equal(statusTextOf(new Error("plain")), undefined);
  });

  it("a Content Server message that already names the HTTP status does not get it twice", () => {
    const named = new ContentServerError({
      operation: "upload",
      code: "HTTP",
      status: 400,
      csMessage: "Simulated failure (HTTP 400).",
    });
    assert.equal(named.message, "upload: Simulated failure (HTTP 400).");
    const plain = new ContentServerError({ operation: "upload", code: "HTTP", status: 400, csMessage: "Invalid date" });
    assert.equal(plain.message, "upload: Invalid date (HTTP 400)");
  });
});
