import assert from "node:assert/strict";
import { matchesFilter, runtimeFilterParams, toEpochMs } from "../../../nodes/lib/exstream";
import { artifactPath } from "../../../nodes/lib/exstream/artifacts";
import { CsrfCookie } from "../../../nodes/lib/exstream/csrf";
import { withEpochDates } from "../../../nodes/lib/exstream/dates";

describe("Exstream runtime wire forms", () => {
  it("reads a date given as epoch ms, numeric text or ISO date-time (any offset) into epoch ms", () => {
    const ms = Date.UTC(2025, 6, 11, 10, 23, 0, 998);
    assert.equal(toEpochMs(ms), ms);
    assert.equal(toEpochMs(String(ms)), ms);
    assert.equal(toEpochMs("2025-07-11T10:23:00.998Z"), ms);
    assert.equal(toEpochMs("2025-07-11T12:23:00.998+02:00"), ms);
    for (const nothing of [null, undefined, "", "soon", Number.NaN, {}]) assert.equal(toEpochMs(nothing), undefined);
  });

  it("turns the date fields of a job into epoch ms and leaves the rest alone", () => {
    const job = withEpochDates({ id: "j", startDate: "2025-07-11T10:23:00Z", endDate: null, msg: "2025-07-11" });
    assert.deepEqual(job, { id: "j", startDate: Date.UTC(2025, 6, 11, 10, 23), endDate: null, msg: "2025-07-11" });
  });

  it("writes a filter as filter=k:v;… with escapes, or as filter.k=v1,v2", () => {
    const filter = { statuses: ["complete", "error"], externalId: "a:b;c", skipped: undefined };
    assert.deepEqual(runtimeFilterParams(filter, "semicolon"), {
      filter: "statuses:complete,error;externalId:a/colon/b/semi/c",
    });
    assert.deepEqual(runtimeFilterParams(filter, "object"), {
      "filter.statuses": "complete,error",
      "filter.externalId": "a:b;c",
    });
    assert.deepEqual(runtimeFilterParams({}, "semicolon"), {});
  });

  it("keeps an item only when every key of the filter it carries matches (date bounds are the server's)", () => {
    const step = { id: "s", flowInstanceId: "fi-1", stepType: "communication", status: "complete" };
    assert.equal(matchesFilter(step, { flowInstanceId: "fi-1", stepTypes: ["communication"] }), true);
    assert.equal(matchesFilter(step, { flowInstanceId: "fi-2" }), false);
    assert.equal(matchesFilter(step, { statuses: ["error", "COMPLETE"] }), true, "case-insensitive, any of");
    assert.equal(matchesFilter(step, { endDateStart: "2099-01-01" }), true);
    assert.equal(matchesFilter(step, { jobId: "j-1" }), true, "a field the item does not carry is not judged");
  });

  it("keeps the folders of an artifact name as path segments, each encoded", () => {
    assert.equal(artifactPath("Queue_1_Print/Statement 1.pdf"), "Queue_1_Print/Statement%201.pdf");
    assert.equal(artifactPath("Queue\\a#b.pdf"), "Queue/a%23b.pdf");
  });

  it("adopts the CSRF cookie the server sets, replaces a refused one, and sends it under the configured names", () => {
    const csrf = new CsrfCookie({ cookieName: "XSRF-TOKEN", headerName: "X-XSRF-TOKEN" });
    assert.equal(csrf.capture(["JSESSIONID=1; Path=/", "XSRF-TOKEN=abc; Path=/; HttpOnly"]), true);
    assert.deepEqual(csrf.headers("a=1"), { Cookie: "a=1; XSRF-TOKEN=abc", "X-XSRF-TOKEN": "abc" });
    assert.equal(csrf.rejected(undefined, '{"message":"Access is denied"}'), false);
    assert.equal(csrf.rejected(undefined, '{"message":"Invalid CSRF token"}'), true);
    assert.notEqual(csrf.headers()["X-XSRF-TOKEN"], "abc");
    assert.deepEqual(csrf.secrets(), [csrf.headers()["X-XSRF-TOKEN"]]);
  });
});
