import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { AxiosInstance, AxiosResponse } from "axios";
import { readWholeFile } from "../files/file-thread";
import { ConcurrencyLimiter, QueueFullError } from "../reliability/limiter";
import {
  DEFAULT_RETRY_POLICY,
  isTransientNetworkCode,
  withRetry,
  type RetryDecision,
  type RetryPolicy,
} from "../reliability/retry";
import { createHttpClient, transferLimits, type HttpClient } from "../transport";
import {
  ContentServerError,
  extractCsMessage,
  isDuplicateMessage,
  isMissingNodeMessage,
  isPermanentServerMessage,
  SecretRedactor,
} from "./errors";
import {
  headerValue,
  networkError,
  NOT_SENT_CODES,
  parseJson,
  retryAfterMs,
  Session,
  withSlash,
  type AuthState,
} from "./session";
import type { ContentServerClientOptions, Logger } from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type FieldValue = string | number | boolean;
/** Form fields; arrays become repeated keys (`k=a&k=b`), undefined fields are left out. */
export type FormFields = Record<string, FieldValue | FieldValue[] | undefined | null>;
/** Query parameters; `""` sends a valueless flag (`?metadata`). */
export type QueryParams = Record<string, FieldValue | FieldValue[] | undefined | null>;

/** A multipart body: named string fields and at most one file, in order (CS clients send `body` before `file`). */
export interface MultipartPart {
  name: string;
  value: string | FileContent;
  fileName?: string;
}

/** A file part's content: bytes in memory, or a file on disk with the size it had when checked (read when sent). */
export type FileContent = { type: string; buffer: Buffer } | { type: string; path: string; size: number };

export interface CsRequest {
  /** Names the operation in errors and logs (`uploadDocument`). */
  operation: string;
  method: HttpMethod;
  /** Relative to the base URL: `api/v2/nodes/2000`. */
  path: string;
  query?: QueryParams;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: FormFields;
  /** Sent as `multipart/form-data`; called again for every attempt so a replay never reuses a consumed body. */
  multipart?: () => Promise<MultipartPart[]>;
  /**
   * Whether repeating the call after an ambiguous failure (timeout, reset, 5xx) is harmless. Default: GET and PUT
   * yes, POST and DELETE no. Failures that certainly happened before CS saw the request are retried regardless.
   */
  idempotent?: boolean;
  /** Which not-found looking answers mean "this node is missing" (default true). */
  mapNotFound?: boolean;
  /** Accept header (default `application/json`). */
  accept?: string;
}

export interface CsJsonResponse {
  status: number;
  data: unknown;
}

export interface CsStreamResponse {
  status: number;
  stream: Readable;
  contentType?: string;
  contentLength?: number;
}

const DEFAULT_MAX_CONCURRENT = 4;
const DEFAULT_MAX_QUEUED = 1_000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Answers are parsed here (parseJson), not by axios. */
const RAW_RESPONSE = [(data: unknown) => data];
/** Multipart bodies up to this size are encoded in memory (per request in flight); larger ones are streamed. */
const BUFFERED_MULTIPART_MAX_BYTES = 1024 * 1024;

/**
 * Every CS call goes through here: credential header, bounded concurrency, one shared re-login for any number of
 * 401s followed by one replay, ticket rotation, retry of transient failures, and translation of every failure into
 * a ContentServerError that holds no secret.
 */
export class Transport {
  readonly session: Session;
  readonly redactor = new SecretRedactor();
  readonly limiter: ConcurrencyLimiter;
  readonly retryPolicy: RetryPolicy;
  private readonly client: HttpClient;
  private readonly http: AxiosInstance;
  private readonly missingNodeStatuses: Set<number>;
  private readonly logger?: Logger;
  private closed = false;
  readonly baseUrl: string;

  constructor(options: ContentServerClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(options.retry ?? {}) };
    this.limiter = new ConcurrencyLimiter(
      options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      options.maxQueued ?? DEFAULT_MAX_QUEUED,
    );
    this.missingNodeStatuses = new Set(options.missingNodeStatuses ?? [400, 404]);
    this.logger = options.logger;
    this.client = createHttpClient({
      limits: transferLimits(options),
      tls: options.tls,
      httpsAgent: options.httpsAgent,
      proxy: options.proxy,
    });
    this.http = this.client.http;
    for (const secret of this.client.agents.secrets()) this.redactor.add(secret);
    const origin = new URL(this.baseUrl).origin;
    this.session = new Session({
      http: this.http,
      baseUrl: this.baseUrl,
      otdsUrl: normaliseBaseUrl(options.otdsUrl || origin),
      mode: options.authMode ?? "cs",
      credentials: options.credentials,
      otdsTicketUse: options.otdsTicketUse,
      redactor: this.redactor,
    });
  }

  /** A call answered with JSON. */
  async json(request: CsRequest): Promise<CsJsonResponse> {
    return this.retrying(request.operation, request.method, isIdempotent(request), () =>
      this.withAuth(request, "json"),
    ) as Promise<CsJsonResponse>;
  }

  /** A call answered with content; the connection slot is held until the stream ends or is destroyed. */
  async stream(request: CsRequest): Promise<CsStreamResponse> {
    return this.retrying(request.operation, request.method, isIdempotent(request), () =>
      this.withAuth(request, "stream"),
    ) as Promise<CsStreamResponse>;
  }

  /** One attempt (with the 401 re-login) without retries, for callers that retry a larger unit themselves. */
  async streamOnce(request: CsRequest): Promise<CsStreamResponse> {
    return this.withAuth(request, "stream") as Promise<CsStreamResponse>;
  }

  /** Runs `run` with the client's retry policy (used by multi-step operations such as download-to-file). */
  retrying<T>(operation: string, method: string, idempotent: boolean, run: () => Promise<T>): Promise<T> {
    return withRetry(() => run(), {
      policy: this.retryPolicy,
      decide: (err) => decideRetry(err, idempotent),
      onRetry: (err, attempt, delayMs) =>
        this.logger?.debug?.(
          `${operation}: attempt ${attempt + 1} failed (${(err as Error).message}); retrying ${method} in ${delayMs} ms`,
        ),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.session.logout();
    this.client.close();
  }

  private async withAuth(request: CsRequest, expect: "json" | "stream"): Promise<CsJsonResponse | CsStreamResponse> {
    if (this.closed) {
      throw new ContentServerError({
        operation: request.operation,
        code: "CLOSED",
        message: `${request.operation}: the Content Server connection is closed`,
      });
    }
    const auth = await this.session.current();
    let raw = await this.send(request, auth, expect);
    let used = auth;
    if (raw.status === 401) {
      // One login for all requests that met the expired credential, then each replays once.
      used = await this.session.renew(auth.generation);
      raw = await this.send(request, used, expect);
    }
    return this.finish(request, raw, used, expect);
  }

  private send(request: CsRequest, auth: AuthState, expect: "json" | "stream"): Promise<AxiosResponse> {
    return new Promise<AxiosResponse>((resolve, reject) => {
      this.limiter
        .run(async () => {
          let response: AxiosResponse;
          try {
            const body = await encodeBody(request);
            response = await this.http.request({
              method: request.method,
              url: withSlash(this.baseUrl) + request.path + serialiseQuery(request.query),
              headers: {
                Accept: request.accept ?? "application/json",
                ...auth.headers,
                ...(body.contentType ? { "Content-Type": body.contentType } : {}),
              },
              data: body.data,
              uploadBytes: body.uploadBytes,
              responseType: expect === "stream" ? "stream" : "text",
              transformResponse: RAW_RESPONSE,
            });
          } catch (err) {
            reject(networkError(err, request.operation, request.method, request.path, this.redactor));
            return;
          }
          if (expect === "stream" && response.status >= 200 && response.status < 300) {
            resolve(response);
            // Keep the slot until the caller has consumed or dropped the content.
            await finished(response.data as Readable).catch(() => undefined);
            return;
          }
          if (expect === "stream") response.data = await readLimited(response.data as Readable);
          resolve(response);
        })
        .catch((err: unknown) =>
          reject(
            err instanceof QueueFullError
              ? new ContentServerError({
                  operation: request.operation,
                  code: "QUEUE_FULL",
                  method: request.method,
                  path: request.path,
                  message: `${request.operation}: ${err.message}`,
                })
              : err,
          ),
        );
    });
  }

  private finish(
    request: CsRequest,
    response: AxiosResponse,
    auth: AuthState,
    expect: "json" | "stream",
  ): CsJsonResponse | CsStreamResponse {
    const ok = response.status >= 200 && response.status < 300;
    if (ok) this.session.rotate(auth.generation, headerValue(response, "otcsticket"));
    if (ok && expect === "stream") {
      const length = Number(headerValue(response, "content-length"));
      return {
        status: response.status,
        stream: response.data as Readable,
        contentType: headerValue(response, "content-type"),
        contentLength: Number.isFinite(length) ? length : undefined,
      };
    }
    const contentType = headerValue(response, "content-type") ?? "";
    const parsed = parseJson(response.data);
    if (ok) {
      if (parsed === undefined || typeof parsed !== "object" || parsed === null) {
        throw new ContentServerError({
          operation: request.operation,
          code: "BAD_RESPONSE",
          status: response.status,
          method: request.method,
          path: request.path,
          csMessage: this.redactor.redact(extractCsMessage(response.data, contentType)),
          message: `${request.operation}: Content Server answered HTTP ${response.status} without JSON`,
        });
      }
      // `suppress_response_codes` style answers: HTTP 200 carrying the real status.
      const embedded = (parsed as Record<string, unknown>).statusCode;
      if (
        typeof embedded === "number" &&
        embedded >= 400 &&
        typeof (parsed as Record<string, unknown>).error === "string"
      ) {
        throw this.httpError(request, embedded, parsed, contentType, response);
      }
      return { status: response.status, data: parsed };
    }
    throw this.httpError(request, response.status, parsed ?? response.data, contentType, response);
  }

  private httpError(
    request: CsRequest,
    status: number,
    body: unknown,
    contentType: string,
    response: AxiosResponse,
  ): ContentServerError {
    const csMessage = this.redactor.redact(extractCsMessage(body, contentType));
    let code: ContentServerError["code"] = "HTTP";
    if (status === 401) code = "AUTH";
    else if (status === 409) code = "CONFLICT";
    else if ((status === 400 || status === 500) && isDuplicateMessage(csMessage)) code = "DUPLICATE";
    else if (request.mapNotFound !== false && this.isMissingNode(status, csMessage)) code = "NOT_FOUND";
    return new ContentServerError({
      operation: request.operation,
      code,
      status,
      csMessage,
      // A 401 here met a fresh login too (withAuth replays once): with OTDS credentials sent directly, say what helps.
      message: code === "AUTH" ? this.session.directUseRefusal(request.operation) : undefined,
      method: request.method,
      path: request.path,
      retryAfterMs: retryAfterMs(response),
    });
  }

  private isMissingNode(status: number, csMessage: string | undefined): boolean {
    if (status === 404 && this.missingNodeStatuses.has(404) && !/mappings registry/i.test(csMessage ?? "")) return true;
    return (this.missingNodeStatuses.has(status) || status === 500) && isMissingNodeMessage(csMessage);
  }
}

function isIdempotent(request: CsRequest): boolean {
  return request.idempotent ?? (request.method === "GET" || request.method === "PUT");
}

/**
 * Retry classification. Transient: timeouts, resets, 408/429/502/503/504, 500s that are not one of CS's permanent
 * errors, and 2xx answers without JSON (CS restarting). Non-idempotent calls are repeated only when the failure
 * certainly happened before CS processed them (connection never established, 429, 503); otherwise the error is
 * marked `mayHaveBeenProcessed` and the caller decides (look the item up, then try again).
 */
export function decideRetry(err: unknown, idempotent: boolean): RetryDecision {
  if (!(err instanceof ContentServerError)) return { retry: false };
  switch (err.code) {
    case "NETWORK":
    case "TIMEOUT": {
      const networkCode = err.networkCode ?? "";
      if (NOT_SENT_CODES.has(networkCode)) return { retry: true };
      const transient = err.code === "TIMEOUT" || isTransientNetworkCode(networkCode) || networkCode === "ERR_NETWORK";
      return { retry: transient && idempotent };
    }
    case "BAD_RESPONSE":
      return { retry: idempotent };
    case "HTTP": {
      const status = err.status ?? 0;
      if (status === 429 || status === 503) return { retry: true, afterMs: err.retryAfterMs };
      if (status === 408 || status === 502 || status === 504) return { retry: idempotent, afterMs: err.retryAfterMs };
      if (status === 500) return { retry: idempotent && !isPermanentServerMessage(err.csMessage) };
      return { retry: false };
    }
    default:
      return { retry: false };
  }
}

interface EncodedBody {
  data?: URLSearchParams | FormData | Buffer;
  /** Set when the body is not one axios types itself (a pre-encoded multipart Buffer). */
  contentType?: string;
  /** Size of a streamed body, for the deadline. */
  uploadBytes?: number;
}

async function encodeBody(request: CsRequest): Promise<EncodedBody> {
  if (request.multipart) {
    const parts = await request.multipart();
    const small = multipartSize(parts) <= BUFFERED_MULTIPART_MAX_BYTES;
    return (small && (await bufferedMultipart(parts))) || streamedMultipart(parts);
  }
  if (request.form) return { data: encodeForm(request.form) };
  return {};
}

function multipartSize(parts: MultipartPart[]): number {
  return parts.reduce((sum, part) => sum + partSize(part.value), 0);
}

function partSize(value: string | FileContent): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  return "buffer" in value ? value.buffer.length : value.size;
}

/** A large body as a FormData, its file read from disk in chunks while the request is written. */
async function streamedMultipart(parts: MultipartPart[]): Promise<EncodedBody> {
  const form = new FormData();
  let size = 0;
  for (const part of parts) {
    if (typeof part.value === "string") {
      form.append(part.name, part.value);
      size += Buffer.byteLength(part.value);
      continue;
    }
    const { type } = part.value;
    const blob =
      "buffer" in part.value
        ? new Blob([part.value.buffer as Uint8Array<ArrayBuffer>], { type })
        : await fs.openAsBlob(part.value.path, { type });
    form.append(part.name, blob, part.fileName ?? "file");
    size += blob.size;
  }
  return { data: form, uploadBytes: size };
}

/**
 * A small multipart body as one Buffer, sent in one write with a Content-Length; the file thread reads a file on disk
 * straight into it (one request). Streaming a FormData costs a web stream per file and a write per chunk, and a
 * file-backed Blob reads on the main thread, which made many small uploads slower (P2 in BENCHMARKS.md). Same wire
 * format as axios's FormData encoder: names escaped, text CRLF-normalised, file parts typed as a Blob types them.
 * Undefined when a file no longer has the size it was checked with, or for a second file part (the body is then
 * streamed, sized anew).
 */
async function bufferedMultipart(parts: MultipartPart[]): Promise<EncodedBody | undefined> {
  const boundary = `form-data-boundary-${randomBytes(12).toString("hex")}`;
  // The pieces before the file on disk and after it (all of them when there is none).
  const before: Buffer[] = [];
  const after: Buffer[] = [];
  let file: { path: string; size: number } | undefined;
  const add = (piece: Buffer) => (file ? after : before).push(piece);
  for (const part of parts) {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapePartName(part.name)}"`;
    if (typeof part.value === "string") {
      add(Buffer.from(`${head}\r\n\r\n${part.value.replace(/\r?\n|\r\n?/g, "\r\n")}\r\n`));
      continue;
    }
    const type = blobType(part.value.type) || "application/octet-stream";
    add(Buffer.from(`${head}; filename="${escapePartName(part.fileName ?? "file")}"\r\nContent-Type: ${type}\r\n\r\n`));
    if ("buffer" in part.value) add(part.value.buffer);
    else if (file) return undefined;
    else file = part.value;
    add(CRLF);
  }
  add(Buffer.from(`--${boundary}--\r\n`));
  const data = file
    ? await readWholeFile(file.path, file.size, { before: Buffer.concat(before), after: Buffer.concat(after) })
    : Buffer.concat(before);
  return data && { data, contentType: `multipart/form-data; boundary=${boundary}` };
}

const CRLF = Buffer.from("\r\n");

/** The type a Blob would carry (`new Blob([], { type })`): lower case, or empty when not printable ASCII. */
function blobType(type: string): string {
  return /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : "";
}

function escapePartName(name: string): string {
  return name.replace(/[\r\n"]/g, (c) => (c === "\r" ? "%0D" : c === "\n" ? "%0A" : "%22"));
}

export function encodeForm(fields: FormFields): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
  }
  return form;
}

export function serialiseQuery(query: QueryParams | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(
        item === "" ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`,
      );
    }
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** One form field named `body` holding the JSON string (docs/api-evidence.md, "Conventions read from every answer"): a form field, never a JSON request body. */
export function bodyField(value: Record<string, unknown>): FormFields {
  return { body: JSON.stringify(value) };
}

function normaliseBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, "");
  const parsed = new URL(trimmed);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`Content Server URL must be http(s), got ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) {
    throw new TypeError("Content Server URL must not contain user name or password; use the credentials");
  }
  return trimmed;
}

async function readLimited(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(buffer.subarray(0, MAX_ERROR_BODY_BYTES - size));
      size += buffer.length;
      // Enough to find CS's message; the rest is not read (the stream is destroyed on leaving the loop).
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // a broken error body still leaves us the status code
  }
  return Buffer.concat(chunks).toString("utf8");
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
