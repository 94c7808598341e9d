import crypto from "node:crypto";

export type CallbackAuthMode = "secret" | "hmac";

export interface CallbackAuthOptions {
  mode: CallbackAuthMode;
  secret: string;
}

const SHA256_BYTES = 32;

/**
 * Checks a workflow callback: `secret` = the header carries the shared secret itself; `hmac` = the header carries
 * HMAC-SHA256(secret, raw body), hex or base64, optionally prefixed `sha256=`. Both compare in constant time
 * (`crypto.timingSafeEqual` on equal-length digests), so the answer time says nothing about the secret.
 * An empty configured secret never authenticates.
 */
export function verifyCallback(
  options: CallbackAuthOptions,
  headerValue: string | undefined,
  rawBody: Buffer,
): boolean {
  if (!options.secret || headerValue === undefined || headerValue === "") return false;
  const given = headerValue.trim();
  if (options.mode === "secret") {
    // Digests of both sides: equal length whatever was sent, so the comparison itself leaks no length either.
    return crypto.timingSafeEqual(sha256(Buffer.from(given, "utf8")), sha256(Buffer.from(options.secret, "utf8")));
  }
  const expected = crypto.createHmac("sha256", options.secret).update(rawBody).digest();
  const provided = decodeSignature(given.replace(/^sha256=/i, ""));
  if (!provided || provided.length !== SHA256_BYTES) return false;
  return crypto.timingSafeEqual(provided, expected);
}

/** The signature a caller sends for `rawBody` (hex), for documentation and tests. */
export function signCallback(secret: string, rawBody: Buffer | string, encoding: "hex" | "base64" = "hex"): string {
  return crypto.createHmac("sha256", secret).update(rawBody).digest(encoding);
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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
