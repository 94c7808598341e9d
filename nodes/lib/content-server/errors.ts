/** What went wrong, in words a flow can branch on (`msg.error.code`). */
export type ContentServerErrorCode =
  /** CS answered with an error status (see `status` and `csMessage`). */
  | "HTTP"
  /** The node (or the item a sub-resource belongs to) does not exist or is not accessible. */
  | "NOT_FOUND"
  /** An item with that name already exists in the container. */
  | "DUPLICATE"
  /** Stale metadata token (409). */
  | "CONFLICT"
  /** Login failed or the session could not be renewed. */
  | "AUTH"
  /** No answer: connection refused/reset, DNS, TLS. */
  | "NETWORK"
  /** No complete answer in time: idle timeout, overall deadline, or content slower than the minimum rate. */
  | "TIMEOUT"
  /** The answer is larger than the configured cap (`maxResponseBytes`). */
  | "TOO_LARGE"
  /** CS answered 2xx with something that is not the expected JSON (e.g. during a restart). */
  | "BAD_RESPONSE"
  /** The caller asked for something the client refuses before sending. */
  | "INVALID_REQUEST"
  /** Too many requests waiting for this connection. */
  | "QUEUE_FULL"
  /** The client was closed (its config node stopped). */
  | "CLOSED";

export interface ContentServerErrorInit {
  operation: string;
  code: ContentServerErrorCode;
  status?: number;
  csMessage?: string;
  method?: string;
  path?: string;
  networkCode?: string;
  retryAfterMs?: number;
  /**
   * True when the request may have reached CS and been carried out although no answer arrived (timeout or reset
   * after sending). Non-idempotent calls are then not repeated: the caller looks the item up (parent + name,
   * checksum) before trying again.
   */
  mayHaveBeenProcessed?: boolean;
  /** Message override (already free of secrets). */
  message?: string;
}

/**
 * The one error the Content Server client throws. It carries the HTTP status, CS's own `error` text and the
 * operation — never the request configuration, headers, ticket, password, token or client secret.
 */
export class ContentServerError extends Error {
  override name = "ContentServerError";
  readonly code: ContentServerErrorCode;
  readonly operation: string;
  readonly status?: number;
  readonly csMessage?: string;
  readonly method?: string;
  readonly path?: string;
  readonly networkCode?: string;
  readonly retryAfterMs?: number;
  readonly mayHaveBeenProcessed: boolean;

  constructor(init: ContentServerErrorInit) {
    super(init.message ?? describe(init));
    this.code = init.code;
    this.operation = init.operation;
    if (init.status !== undefined) this.status = init.status;
    if (init.csMessage !== undefined) this.csMessage = init.csMessage;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
    if (init.networkCode !== undefined) this.networkCode = init.networkCode;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    this.mayHaveBeenProcessed = init.mayHaveBeenProcessed ?? false;
  }

  /** True when the same request will fail again: 4xx validation answers and Content Server's permanent 500s. */
  get permanent(): boolean {
    return isPermanentCsError(this);
  }

  /** The operation and what came back, short enough for a node status: "upload: HTTP 400", "login: TIMEOUT". */
  get statusText(): string {
    return `${this.operation}: ${this.status !== undefined ? `HTTP ${this.status}` : (this.networkCode ?? this.code)}`;
  }

  get isNotFound(): boolean {
    return this.code === "NOT_FOUND";
  }

  get isDuplicate(): boolean {
    return this.code === "DUPLICATE";
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      operation: this.operation,
      status: this.status,
      csMessage: this.csMessage,
      method: this.method,
      path: this.path,
      networkCode: this.networkCode,
      mayHaveBeenProcessed: this.mayHaveBeenProcessed,
    };
  }
}

function describe(init: ContentServerErrorInit): string {
  const detail = init.csMessage ?? init.networkCode ?? init.code;
  // A server message that already names the status (a proxy's "Bad Gateway (HTTP 502)") is not repeated.
  const named = init.status !== undefined && detail.includes(`HTTP ${init.status}`);
  const status = init.status !== undefined && !named ? ` (HTTP ${init.status})` : "";
  return `${init.operation}: ${detail}${status}`;
}

const PERMANENT_CODES = new Set<ContentServerErrorCode>(["NOT_FOUND", "DUPLICATE", "INVALID_REQUEST"]);

/** Content Server answers that will not change on a retry: 4xx validation and CS's permanent 500s. */
export function isPermanentCsError(err: ContentServerError): boolean {
  if (PERMANENT_CODES.has(err.code)) return true;
  if (err.code !== "HTTP") return false;
  const status = err.status ?? 0;
  if (status === 408 || status === 429) return false;
  if (status >= 400 && status < 500) return true;
  return status === 500 && isPermanentServerMessage(err.csMessage);
}

/**
 * A create whose outcome is unknown: the request may have reached CS (lost answer) or CS answered with a
 * temporary server error. The item must be looked up before it is sent again.
 */
export function isAmbiguousCreateFailure(err: unknown): boolean {
  if (!(err instanceof ContentServerError)) return false;
  if (err.mayHaveBeenProcessed) return true;
  if (err.code === "TIMEOUT" || err.code === "NETWORK" || err.code === "BAD_RESPONSE") return true;
  return err.code === "HTTP" && (err.status ?? 0) >= 500 && !err.permanent;
}

export function isContentServerError(err: unknown): err is ContentServerError {
  return err instanceof ContentServerError;
}

const MAX_MESSAGE_CHARS = 500;
const MISSING_NODE = /could not (get|locate|find) (a )?node|could not be accessed|does not exist|not found/i;
const DUPLICATE_NAME = /already exists/i;

/**
 * 500s CS uses for errors that will not go away by asking again (docs/api-evidence.md, "Conventions read from every answer"): duplicates, missing nodes,
 * missing arguments, invalid categories, workflow lookups.
 */
const PERMANENT_500 = [
  DUPLICATE_NAME,
  /could not (get|locate|find|load)/i,
  /could not be accessed/i,
  /does not exist/i,
  /is not a root subtype|subtype \S+ not registered/i,
  /is not a category/i,
  /non-matching attribute/i,
  /required/i,
  /not allowed/i,
  /invalid/i,
  /no versions/i,
  /loadmap/i,
  /error getting node/i,
];

export function isMissingNodeMessage(message: string | undefined): boolean {
  return message !== undefined && MISSING_NODE.test(message);
}

export function isDuplicateMessage(message: string | undefined): boolean {
  return message !== undefined && DUPLICATE_NAME.test(message);
}

export function isPermanentServerMessage(message: string | undefined): boolean {
  return message !== undefined && PERMANENT_500.some((pattern) => pattern.test(message));
}

/**
 * CS's human message from an error body: `{"error": "..."}` (plus `errorDetail`), or the title/text of an HTML page
 * a proxy or a restarting server sends instead.
 */
export function extractCsMessage(body: unknown, contentType?: string): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return extractCsMessage(body.toString("utf8"), contentType);
  if (typeof body === "object") {
    const record = body as Record<string, unknown>;
    const error = typeof record.error === "string" ? record.error : undefined;
    const detail = typeof record.errorDetail === "string" && record.errorDetail !== "" ? record.errorDetail : undefined;
    if (error) return truncate(detail && detail !== error ? `${error} (${detail})` : error);
    return undefined;
  }
  const text = String(body).trim();
  if (text === "") return undefined;
  if (text.startsWith("{")) {
    try {
      return extractCsMessage(JSON.parse(text) as unknown);
    } catch {
      // not JSON after all: fall through to text handling
    }
  }
  if (/html/i.test(contentType ?? "") || /^<(!doctype|html)/i.test(text)) return truncate(htmlToText(text));
  return truncate(text);
}

function htmlToText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim();
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1]?.trim();
  const pick = title || heading || html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]+>/g, " ");
  return decodeEntities(pick.replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&");
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

const SECRET_SHAPES: Array<[RegExp, string]> = [
  [/\b(otcsticket|otdsticket|llcookie)(\s*[:=]\s*)[^\s;,"']+/gi, "$1$2***"],
  [/\bbearer\s+[\w.~+/-]+=*/gi, "Bearer ***"],
  [/"(ticket|token|access_token|refresh_token|password|client_secret)"(\s*:\s*)"[^"]*"/gi, '"$1"$2"***"'],
  [/\b(password|client_secret|access_token)=[^&\s]+/gi, "$1=***"],
];

/**
 * Tickets and tokens remembered of each kind (each also URL-encoded); older ones have expired. Logins and rotations
 * are kept apart: every answer may rotate the CS ticket, and that must not push out the OTDS ticket or token still
 * used for the next exchange.
 */
const SESSION_SECRETS_KEPT = 128;

/**
 * Replaces every known secret (and anything shaped like a ticket or token) with `***`. Credentials are remembered
 * for good; tickets and tokens only the most recent ones, so a process that runs for months does not grow with them.
 */
export class SecretRedactor {
  private readonly credentials = new Set<string>();
  /** Tickets and tokens a login or an exchange produced. */
  private readonly logins = new Set<string>();
  /** Tickets Content Server handed back in its answers. */
  private readonly rotated = new Set<string>();
  private longestFirst: string[] | undefined;

  /** Remembers a credential; very short values are ignored (they would mangle ordinary words). */
  add(secret: string | undefined): void {
    this.remember(this.credentials, secret);
  }

  /** Remembers a ticket or token a login or exchange produced; the oldest beyond SESSION_SECRETS_KEPT is forgotten. */
  addLoginSecret(secret: string | undefined): void {
    this.remember(this.logins, secret, SESSION_SECRETS_KEPT);
  }

  /** Remembers a ticket an answer rotated to; the oldest beyond SESSION_SECRETS_KEPT is forgotten. */
  addRotatedTicket(secret: string | undefined): void {
    this.remember(this.rotated, secret, SESSION_SECRETS_KEPT);
  }

  redact(text: string): string;
  redact(text: string | undefined): string | undefined;
  redact(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    this.longestFirst ??= [...this.credentials, ...this.logins, ...this.rotated].sort((a, b) => b.length - a.length);
    let out = text;
    for (const secret of this.longestFirst) out = out.split(secret).join("***");
    for (const [pattern, replacement] of SECRET_SHAPES) out = out.replace(pattern, replacement);
    return out;
  }

  private remember(into: Set<string>, secret: string | undefined, kept = Infinity): void {
    if (!secret || secret.length < 4) return;
    // Set order is insertion order: a secret seen again moves to the end, the newest.
    for (const value of new Set([secret, encodeURIComponent(secret)])) {
      into.delete(value);
      into.add(value);
    }
    while (into.size > kept) into.delete(into.values().next().value!);
    this.longestFirst = undefined;
  }
}
