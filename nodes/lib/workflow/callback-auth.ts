import crypto from "node:crypto";
import { readAtMost } from "../transport/limits";

export type CallbackAuthMode = "secret" | "hmac";

export interface CallbackAuthOptions {
  mode: CallbackAuthMode;
  secret: string;
  /** Accepted distance of the signed timestamp from now (both directions). */
  windowMs?: number;
  now?: () => number;
}

/** Headers of a callback beside the signature (or secret) header. */
export const CALLBACK_TIMESTAMP_HEADER = "x-callback-timestamp";
export const CALLBACK_NONCE_HEADER = "x-callback-nonce";
export const CALLBACK_WINDOW_MS = 5 * 60 * 1000;

export interface CallbackCredentials {
  /** The signature (hmac) or the secret itself (secret). */
  signature?: string;
  /** Seconds since the epoch. */
  timestamp?: string;
  nonce?: string;
}

export type CallbackVerdict =
  { ok: true; nonce?: string } | { ok: false; reason: "unauthorized" | "stale" | "unsigned" };

const SHA256_BYTES = 32;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP = /^\d{1,12}$/;

/**
 * Checks a workflow callback. `hmac`: the signature header carries HMAC-SHA256(secret, "<timestamp>.<nonce>.<raw
 * body>"), hex or base64, optionally prefixed `sha256=`; timestamp (seconds) and nonce are required, the timestamp
 * must lie within the window, so a captured request cannot be replayed later (the caller refuses a nonce seen
 * before). `secret`: the header carries the shared secret itself; timestamp and nonce are checked when sent.
 * Comparisons run in constant time (`crypto.timingSafeEqual` on equal-length digests). An empty secret never
 * authenticates.
 */
export function verifyCallback(
  options: CallbackAuthOptions,
  given: CallbackCredentials,
  rawBody: Buffer,
): CallbackVerdict {
  const signature = given.signature?.trim();
  if (!options.secret || !signature) return { ok: false, reason: "unauthorized" };
  const { timestamp, nonce } = given;
  const stamped = timestamp !== undefined || nonce !== undefined || options.mode === "hmac";
  if (stamped && (!timestamp || !TIMESTAMP.test(timestamp) || !nonce || !NONCE.test(nonce))) {
    return { ok: false, reason: "unsigned" };
  }
  if (options.mode === "secret") {
    // Digests of both sides: equal length whatever was sent, so the comparison itself leaks no length either.
    const same = crypto.timingSafeEqual(sha256(Buffer.from(signature, "utf8")), sha256(Buffer.from(options.secret)));
    if (!same) return { ok: false, reason: "unauthorized" };
  } else {
    const expected = crypto.createHmac("sha256", options.secret).update(signedPayload(timestamp!, nonce!, rawBody));
    const provided = decodeSignature(signature.replace(/^sha256=/i, ""));
    if (!provided || provided.length !== SHA256_BYTES || !crypto.timingSafeEqual(provided, expected.digest())) {
      return { ok: false, reason: "unauthorized" };
    }
  }
  if (stamped) {
    const skewMs = Math.abs((options.now ?? Date.now)() - Number(timestamp) * 1000);
    if (skewMs > (options.windowMs ?? CALLBACK_WINDOW_MS)) return { ok: false, reason: "stale" };
  }
  return { ok: true, nonce };
}

/** What the HMAC covers: timestamp, nonce and the raw body. */
export function signedPayload(timestamp: string, nonce: string, rawBody: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.${nonce}.`, "utf8"), Buffer.from(rawBody)]);
}

/** The signature a caller sends (hex or base64), for documentation and tests. */
export function signCallback(
  secret: string,
  call: { timestamp: string; nonce: string; body: Buffer | string },
  encoding: "hex" | "base64" = "hex",
): string {
  return crypto
    .createHmac("sha256", secret)
    .update(signedPayload(call.timestamp, call.nonce, call.body))
    .digest(encoding);
}

/** The headers of a signed callback made now: signature, timestamp and a fresh nonce. */
export function signedCallbackHeaders(
  secret: string,
  body: Buffer | string,
  options: { header?: string; nowMs?: number; nonce?: string } = {},
): Record<string, string> {
  const timestamp = String(Math.floor((options.nowMs ?? Date.now()) / 1000));
  const nonce = options.nonce ?? crypto.randomBytes(16).toString("hex");
  return {
    [options.header ?? "x-signature"]: `sha256=${signCallback(secret, { timestamp, nonce, body })}`,
    [CALLBACK_TIMESTAMP_HEADER]: timestamp,
    [CALLBACK_NONCE_HEADER]: nonce,
  };
}

function decodeSignature(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return undefined;
}

function sha256(data: Buffer): Buffer {
  return crypto.createHash("sha256").update(data).digest();
}

export interface CallbackTaskIds {
  processId: number;
  subprocessId: number;
  taskId: number;
}

/**
 * The task ids of a callback body (JSON or form-encoded): `processId`/`process_id`/`workflow_id`,
 * `subprocessId`/`subprocess_id` (default: the process id), `taskId`/`task_id`. Undefined when incomplete.
 */
export function parseCallbackIds(rawBody: Buffer, contentType: string | undefined): CallbackTaskIds | undefined {
  const text = rawBody.toString("utf8").trim();
  let fields: Record<string, unknown> = {};
  if (/json/i.test(contentType ?? "") || text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  const id = (...names: string[]) => {
    for (const name of names) {
      const value = Number(fields[name]);
      if (fields[name] !== undefined && fields[name] !== "" && Number.isInteger(value) && value >= 0) return value;
    }
    return undefined;
  };
  const processId = id("processId", "process_id", "workflow_id");
  const taskId = id("taskId", "task_id", "workflow_subworkflow_task_id");
  if (!processId || taskId === undefined) return undefined;
  return {
    processId,
    subprocessId: id("subprocessId", "subprocess_id", "workflow_subworkflow_id") ?? processId,
    taskId,
  };
}

/** Reads a request body up to `maxBytes` (undefined when larger); the raw bytes are what an HMAC covers. */
export async function readRawBody(
  req: AsyncIterable<unknown> & { readableEnded?: boolean; body?: unknown },
  maxBytes: number,
): Promise<Buffer | undefined> {
  // A body parser in front of the route (httpNodeMiddleware) may have consumed the stream already.
  if (req.readableEnded)
    return Buffer.isBuffer(req.body)
      ? req.body
      : typeof req.body === "string"
        ? Buffer.from(req.body)
        : Buffer.alloc(0);
  return readAtMost(req, maxBytes);
}
