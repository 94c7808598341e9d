import assert from "node:assert/strict";
import {
  CALLBACK_NONCE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  CALLBACK_WINDOW_MS,
  parseCallbackIds,
  signCallback,
  signedCallbackHeaders,
  verifyCallback,
} from "../../../nodes/lib/workflow/callback-auth";
import { splitList } from "../../../nodes/lib/workflow/maps";

const SECRET = "a-shared-secret-of-some-length";
const NOW_MS = Date.UTC(2026, 11, 2, 14, 0, 0);
const body = Buffer.from('{"processId":1001,"taskId":10}');

function headersOf(raw: Buffer, nowMs = NOW_MS, secret = SECRET) {
  const h = signedCallbackHeaders(secret, raw, { nowMs });
  return { signature: h["x-signature"], timestamp: h[CALLBACK_TIMESTAMP_HEADER], nonce: h[CALLBACK_NONCE_HEADER] };
}

describe("workflow callback authentication", () => {
  const hmac = { mode: "hmac" as const, secret: SECRET, now: () => NOW_MS };

  it("accepts a fresh HMAC-signed callback and hands back its nonce for the replay check", () => {
    const given = headersOf(body);
    assert.deepEqual(verifyCallback(hmac, given, body), { ok: true, nonce: given.nonce });
  });

  it("accepts the signature in base64 and without the sha256= prefix", () => {
    const { timestamp, nonce } = headersOf(body);
    const signature = signCallback(SECRET, { timestamp, nonce, body }, "base64");
    assert.equal(verifyCallback(hmac, { signature, timestamp, nonce }, body).ok, true);
  });

  it("refuses a body changed after signing, a wrong secret and an empty configured secret", () => {
    const given = headersOf(body);
    assert.deepEqual(verifyCallback(hmac, given, Buffer.from('{"processId":1002,"taskId":10}')), {
      ok: false,
      reason: "unauthorized",
    });
    assert.equal(verifyCallback(hmac, headersOf(body, NOW_MS, "another-secret"), body).ok, false);
    assert.equal(verifyCallback({ ...hmac, secret: "" }, given, body).ok, false);
  });

  it("refuses an HMAC callback without timestamp or nonce as unsigned", () => {
    const { signature } = headersOf(body);
    assert.deepEqual(verifyCallback(hmac, { signature }, body), { ok: false, reason: "unsigned" });
  });

  it("refuses a timestamp outside the window in both directions as stale", () => {
    for (const skew of [CALLBACK_WINDOW_MS + 1000, -(CALLBACK_WINDOW_MS + 1000)]) {
      const given = headersOf(body, NOW_MS + skew);
      assert.deepEqual(verifyCallback(hmac, given, body), { ok: false, reason: "stale" }, `skew ${skew} ms`);
    }
  });

  it("secret mode compares the header with the secret itself, and checks timestamp and nonce when they are sent", () => {
    const secretMode = { mode: "secret" as const, secret: SECRET, now: () => NOW_MS };
    assert.equal(verifyCallback(secretMode, { signature: SECRET }, body).ok, true);
    assert.equal(verifyCallback(secretMode, { signature: `${SECRET}x` }, body).ok, false);
    const stale = { signature: SECRET, timestamp: String(NOW_MS / 1000 - 3600), nonce: "n".repeat(16) };
    assert.deepEqual(verifyCallback(secretMode, stale, body), { ok: false, reason: "stale" });
  });
});

describe("workflow callback task ids", () => {
  it("reads JSON and form bodies under each documented field name; the subprocess defaults to the process", () => {
    assert.deepEqual(parseCallbackIds(body, "application/json"), { processId: 1001, subprocessId: 1001, taskId: 10 });
    assert.deepEqual(
      parseCallbackIds(
        Buffer.from("workflow_id=7&workflow_subworkflow_id=8&workflow_subworkflow_task_id=0"),
        undefined,
      ),
      { processId: 7, subprocessId: 8, taskId: 0 },
    );
  });

  it("answers undefined for a body without a process or task id, or one that is not JSON after all", () => {
    assert.equal(parseCallbackIds(Buffer.from('{"processId":1}'), "application/json"), undefined);
    assert.equal(parseCallbackIds(Buffer.from("{not json"), "application/json"), undefined);
    assert.equal(parseCallbackIds(Buffer.from("taskId=1"), "application/x-www-form-urlencoded"), undefined);
  });
});

describe("configured lists of maps and steps", () => {
  it("split at commas, semicolons and new lines, without blanks", () => {
    assert.deepEqual(splitList("Letter Generation, 2502;\n Approval \n\n"), ["Letter Generation", "2502", "Approval"]);
    assert.deepEqual(splitList(undefined), []);
  });
});
