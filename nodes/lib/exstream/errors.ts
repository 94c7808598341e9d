/**
 * Errors of the Exstream client. They carry what an operator needs (HTTP status, the server's `errorCode` and
 * message, the operation) and nothing else: no axios config, no request headers, no token, no secret.
 */

export interface ExstreamErrorInit {
  /** What the client was doing, e.g. "generate", "token", "list resources". */
  operation: string;
  status?: number;
  errorCode?: number | string;
  serverMessage?: string;
  details?: string;
  /** The server-side path from the error envelope (never a full URL with a query). */
  path?: string;
  /** Network error code (ECONNRESET, ETIMEDOUT, …) when no HTTP answer came back. */
  code?: string;
  /** The Retry-After wait the server asked for, when it did. */
  retryAfterMs?: number;
}

export class ExstreamError extends Error {
  override name = "ExstreamError";
  readonly operation: string;
  readonly status?: number;
  readonly errorCode?: number | string;
  readonly serverMessage?: string;
  readonly details?: string;
  readonly path?: string;
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(init: ExstreamErrorInit, secrets: readonly string[] = []) {
    const clean = (text: string | undefined): string | undefined =>
      text === undefined ? undefined : scrubSecrets(text, secrets);
    const serverMessage = clean(init.serverMessage);
    const details = clean(init.details);
    // Without an HTTP answer the network error's own text (e.g. "self-signed certificate") is the explanation.
    const explanation = serverMessage ?? (init.status === undefined ? details : undefined);
    super(describe(init.operation, init.status, init.code, explanation, init.errorCode));
    this.operation = init.operation;
    if (init.status !== undefined) this.status = init.status;
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
    if (serverMessage !== undefined) this.serverMessage = serverMessage;
    if (details !== undefined) this.details = details;
    if (init.path !== undefined) this.path = clean(init.path.split("?")[0]);
    if (init.code !== undefined) this.code = init.code;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /**
   * True when the same input will fail again: client errors (4xx except 408/425/429), a job the engine ended in
   * error, and a request that may already have been processed (sending it again could deliver a communication
   * twice: an operator decides).
   */
  get permanent(): boolean {
    if (this.code === "EMAYBEPROCESSED") return true;
    if (this.status !== undefined)
      return this.status >= 400 && this.status < 500 && !TRANSIENT_STATUSES.has(this.status);
    // No HTTP status: a network failure or a deadline (transient), or a job that ended in error (permanent).
    if (this.code) return false;
    return this.operation === "batch job";
  }

  /** The operation and what came back, short enough for a node status: "generate: HTTP 400". */
  get statusText(): string {
    return `${this.operation}: ${this.status !== undefined ? `HTTP ${this.status}` : (this.code ?? "failed")}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      operation: this.operation,
      status: this.status,
      errorCode: this.errorCode,
      serverMessage: this.serverMessage,
      details: this.details,
      path: this.path,
      code: this.code,
    };
  }
}

/** A delivery manifest that is empty, truncated (still being written), malformed or unsafe (DOCTYPE subset, entities). */
export class ManifestError extends Error {
  override name = "ManifestError";
  constructor(
    message: string,
    readonly reason: "empty" | "truncated" | "malformed" | "unsafe" | "io",
  ) {
    super(message);
  }

  /** A malformed or unsafe manifest stays so; an empty or truncated one may still be being written. */
  get permanent(): boolean {
    return this.reason === "unsafe" || this.reason === "malformed";
  }
}

const TRANSIENT_STATUSES = new Set([408, 425, 429]);

function describe(
  operation: string,
  status: number | undefined,
  code: string | undefined,
  serverMessage: string | undefined,
  errorCode: number | string | undefined,
): string {
  const what = status !== undefined ? `HTTP ${status}` : (code ?? "failed");
  const said = serverMessage ? `: ${serverMessage}` : "";
  const codePart = errorCode !== undefined ? ` (errorCode ${errorCode})` : "";
  return `Exstream ${operation} ${what}${said}${codePart}`;
}

const MIN_SECRET_LENGTH = 4;
const CREDENTIAL_PATTERNS: RegExp[] = [
  /(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /((?:access|refresh)_token|client_secret|password|authorization)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
];

/** Removes known secret values and anything that looks like a credential from text meant for humans. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join("***");
  }
  out = out.replace(CREDENTIAL_PATTERNS[0], "$1 ***");
  out = out.replace(CREDENTIAL_PATTERNS[1], "$1$2***");
  return out;
}
