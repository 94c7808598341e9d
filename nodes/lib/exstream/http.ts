/**
 * The one place where the Exstream client touches HTTP: bearer token + one replay on 401, bounded concurrency,
 * retries of what is transient, and errors turned into {@link ExstreamError} without anything secret in them.
 */
import type { Readable } from "node:stream";
import type { AxiosInstance, AxiosResponse, ResponseType } from "axios";
import { parseRetryAfterMs } from "../reliability/backoff";
import { ConcurrencyLimiter } from "../reliability/limiter";
import {
  DEFAULT_RETRY_POLICY,
  isTransientNetworkCode,
  withRetry,
  type RetryDecision,
  type RetryPolicy,
} from "../reliability/retry";
import {
  createHttpClient,
  transferLimits,
  type HttpClient,
  type ProxySettings,
  type TransferLimits,
} from "../transport";
import type { CsrfCookie } from "./csrf";
import { ExstreamError } from "./errors";
import type { TlsOptions } from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  /** Human name of the call, used in errors ("generate", "list jobs"). */
  operation: string;
  method: HttpMethod;
  url: string;
  params?: Record<string, QueryValue | QueryValue[]>;
  headers?: Record<string, string>;
  /** A value, or a factory called per attempt (streams and FormData cannot be replayed). */
  body?: unknown;
  bodyFactory?: () => unknown | Promise<unknown>;
  responseType?: "json" | "arraybuffer" | "text" | "stream";
  /** May the request be sent again after an ambiguous failure (timeout, reset, 502/504)? Default: all but POST. */
  idempotent?: boolean;
  /** Default true: send `Authorization: Bearer`. */
  auth?: boolean;
  /** Send the CSRF cookie (HTTP input channels). */
  csrf?: boolean;
  timeoutMs?: number;
}

export interface HttpResult<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

/** What the transport needs from the token cache. */
export interface TokenSource {
  getToken(): Promise<string>;
  /** Drops `token` if it is still the cached one (a 401 proved it dead). */
  invalidate(token: string): void;
  /** Values that must never appear in an error (current token, client secret, password). */
  secrets(): string[];
}

/** `timeoutMs`, `deadlineMs`, `minBytesPerSecond`, `maxResponseBytes`: see {@link TransferLimits}. */
export interface TransportOptions extends Partial<TransferLimits> {
  maxConcurrent?: number;
  maxQueued?: number;
  retry?: Partial<RetryPolicy>;
  tls?: TlsOptions;
  /** The connection's own proxy; without one, `HTTP(S)_PROXY` / `NO_PROXY` decide. */
  proxy?: ProxySettings;
}

const DEFAULT_MAX_CONCURRENT = 4;
const DEFAULT_MAX_QUEUED = 1000;
/** How much of an error body is read to find the server's message. */
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;
/** Statuses where the server did not process a non-idempotent request, so sending it again is safe. */
const SAFE_TO_RESEND_STATUSES = new Set([429, 503]);
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);
/** Network failures that happen before a request reaches the server. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ENOTFOUND"]);

export class Transport {
  readonly limiter: ConcurrencyLimiter;
  readonly retryPolicy: RetryPolicy;
  private readonly client: HttpClient;
  private readonly http: AxiosInstance;
  private tokens: TokenSource | undefined;
  private csrf: CsrfCookie | undefined;
  private readonly staticSecrets: string[] = [];

  constructor(options: TransportOptions = {}) {
    this.limiter = new ConcurrencyLimiter(
      options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      options.maxQueued ?? DEFAULT_MAX_QUEUED,
    );
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const tls = options.tls ?? {};
    this.client = createHttpClient({
      limits: transferLimits(options),
      tls: {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        passphrase: tls.passphrase,
        servername: tls.servername,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      },
      proxy: options.proxy,
    });
    this.http = this.client.http;
    if (tls.passphrase) this.staticSecrets.push(tls.passphrase);
    this.staticSecrets.push(...this.client.agents.secrets());
  }

  useTokens(tokens: TokenSource): void {
    this.tokens = tokens;
  }

  useCsrf(csrf: CsrfCookie): void {
    this.csrf = csrf;
  }

  /** Sends a request (with retries and the concurrency limit) and returns the parsed 2xx response. */
  async request<T>(spec: RequestSpec): Promise<HttpResult<T>> {
    return this.run(spec, async (res) => res as HttpResult<T>);
  }

  /**
   * Sends a request whose body is streamed to `consume` while the concurrency slot is held; a transient failure
   * while consuming an idempotent request retries the whole exchange (consume must start from scratch each time).
   */
  async stream<R>(spec: RequestSpec, consume: (body: Readable, res: HttpResult<Readable>) => Promise<R>): Promise<R> {
    return this.run({ ...spec, responseType: "stream" }, (res) => {
      const body = res.data as Readable;
      return consume(body, res as HttpResult<Readable>).catch((err: unknown) => {
        body.destroy();
        throw this.toNetworkError(spec.operation, err);
      });
    });
  }

  /** Sends one request without token, limiter or retries (the token cache uses this, inside its own retry). */
  async sendRaw<T>(spec: RequestSpec): Promise<HttpResult<T>> {
    const res = await this.send(spec, undefined);
    if (res.status >= 400) throw await this.toHttpError(spec, res);
    return this.toResult<T>(res);
  }

  /** Retry wrapper for requests made outside `request` (the token call). */
  retrying<T>(spec: Pick<RequestSpec, "method" | "idempotent">, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, { policy: this.retryPolicy, decide: (err) => this.decide(spec, err) });
  }

  secrets(): string[] {
    return [...this.staticSecrets, ...(this.tokens?.secrets() ?? []), ...(this.csrf?.secrets() ?? [])];
  }

  close(): void {
    this.client.close();
  }

  private run<R>(spec: RequestSpec, handle: (res: HttpResult<unknown>) => Promise<R>): Promise<R> {
    return withRetry(
      async () => {
        // The token is fetched before taking a slot: the token call must never wait behind the calls that need it.
        let token = spec.auth === false ? undefined : await this.token();
        return this.limiter.run(async () => {
          let res = await this.send(spec, token);
          if (res.status === 401 && token !== undefined) {
            await discard(res);
            this.tokens?.invalidate(token);
            token = await this.token();
            res = await this.send(spec, token);
          }
          if (res.status === 403 && spec.csrf && this.csrf) {
            // A request the CSRF check refused was not processed: one replay with the new token is safe.
            const body = await bodyText(res.data);
            res.data = body;
            if (this.csrf.rejected(res.headers["set-cookie"], body)) res = await this.send(spec, token);
          }
          if (res.status >= 400) throw await this.toHttpError(spec, res);
          return handle(this.toResult(res));
        });
      },
      { policy: this.retryPolicy, decide: (err) => this.decide(spec, err) },
    );
  }

  private async token(): Promise<string> {
    if (!this.tokens) throw new ExstreamError({ operation: "token", serverMessage: "no token source configured" });
    return this.tokens.getToken();
  }

  private decide(spec: Pick<RequestSpec, "method" | "idempotent">, err: unknown): RetryDecision {
    if (!(err instanceof ExstreamError)) return { retry: false };
    const idempotent = spec.idempotent ?? spec.method !== "POST";
    if (err.status !== undefined) {
      const retry = idempotent ? RETRYABLE_STATUSES.has(err.status) : SAFE_TO_RESEND_STATUSES.has(err.status);
      return retry ? { retry: true, afterMs: err.retryAfterMs } : { retry: false };
    }
    if (!err.code) return { retry: false };
    const retry = idempotent
      ? isTransientNetworkCode(err.code) || NOT_SENT_CODES.has(err.code)
      : NOT_SENT_CODES.has(err.code);
    return { retry };
  }

  private async send(spec: RequestSpec, token: string | undefined): Promise<AxiosResponse> {
    const headers: Record<string, string> = { ...spec.headers };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (spec.csrf && this.csrf) Object.assign(headers, this.csrf.headers(headers.Cookie));
    const data = spec.bodyFactory ? await spec.bodyFactory() : spec.body;
    const responseType: ResponseType = spec.responseType === "json" || !spec.responseType ? "json" : spec.responseType;
    try {
      const res = await this.http.request({
        method: spec.method,
        url: spec.url,
        params: spec.params,
        paramsSerializer: { serialize: serializeQuery },
        headers,
        data,
        responseType,
        // JSON is parsed by us: a JSON error body must not throw inside axios with the request attached.
        transformResponse: responseType === "json" ? [(raw: unknown) => raw] : undefined,
        timeout: spec.timeoutMs,
        uploadBytes: bodySize(data),
        transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
      });
      this.csrf?.capture(res.headers["set-cookie"]);
      return res;
    } catch (err) {
      // Never rethrow the axios error: its config holds the Authorization header.
      throw this.toNetworkError(spec.operation, err);
    }
  }

  private toResult<T>(res: AxiosResponse): HttpResult<T> {
    let data: unknown = res.data;
    if (res.config.responseType === "json" || res.config.responseType === undefined) {
      data = parseJsonBody(res.data);
    }
    return { status: res.status, headers: flattenHeaders(res.headers), data: data as T };
  }

  private async toHttpError(spec: RequestSpec, res: AxiosResponse): Promise<ExstreamError> {
    const text = await bodyText(res.data);
    const body = parseJsonBody(text);
    const headers = flattenHeaders(res.headers);
    const info = serverErrorInfo(body, text);
    return new ExstreamError(
      {
        operation: spec.operation,
        status: res.status,
        errorCode: info.errorCode,
        serverMessage: info.message ?? res.statusText ?? undefined,
        details: info.details,
        path: info.path,
        retryAfterMs: parseRetryAfterMs(headers["retry-after"]),
      },
      this.secrets(),
    );
  }

  private toNetworkError(operation: string, err: unknown): ExstreamError {
    if (err instanceof ExstreamError) return err;
    const e = err as { code?: string; message?: string };
    const code = e.code === "ECONNABORTED" ? "ETIMEDOUT" : (e.code ?? "ENETWORK");
    return new ExstreamError({ operation, code, details: e.message }, this.secrets());
  }
}

/** Reads what the server said from any of Exstream's error shapes. */
export function serverErrorInfo(
  body: unknown,
  text: string,
): { message?: string; errorCode?: number | string; details?: string; path?: string } {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const first = Array.isArray(b.data) ? (b.data[0] as Record<string, unknown> | undefined) : undefined;
    const message =
      str(b.message) ?? str(first?.errorMessage) ?? str(b.error_description) ?? str(b.error) ?? str(b.details);
    return {
      message,
      errorCode: typeof b.errorCode === "number" || typeof b.errorCode === "string" ? b.errorCode : undefined,
      details: str(b.details),
      path: str(b.path),
    };
  }
  const trimmed = text.trim();
  return { message: trimmed ? trimmed.slice(0, 500) : undefined };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function parseJsonBody(raw: unknown): unknown {
  if (typeof raw !== "string") {
    if (Buffer.isBuffer(raw)) return parseJsonBody(raw.toString("utf8"));
    return raw;
  }
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function bodyText(data: unknown): Promise<string> {
  if (data === undefined || data === null) return "";
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  if (typeof (data as Readable).pipe === "function") {
    const stream = data as Readable;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        chunks.push(buf);
        size += buf.length;
        if (size >= ERROR_BODY_LIMIT_BYTES) break;
      }
    } catch {
      // A broken error body still leaves the status to report.
    } finally {
      stream.destroy();
    }
    return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT_BYTES).toString("utf8");
  }
  return typeof data === "object" ? JSON.stringify(data) : String(data);
}

/** Bytes a request body will send (files in a FormData by their size), for the deadline. */
function bodySize(data: unknown): number {
  if (typeof data === "string") return Buffer.byteLength(data);
  if (Buffer.isBuffer(data)) return data.length;
  if (data instanceof FormData) {
    let size = 0;
    data.forEach((value) => (size += typeof value === "string" ? Buffer.byteLength(value) : value.size));
    return size;
  }
  return 0;
}

async function discard(res: AxiosResponse): Promise<void> {
  if (res.data && typeof (res.data as Readable).destroy === "function") (res.data as Readable).destroy();
}

function flattenHeaders(headers: AxiosResponse["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}

/** Plain `key=value` pairs, repeated for arrays; `filter=a:b;c:d` keeps `:`/`,` readable (they are legal in a query). */
function serializeQuery(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null) continue;
      parts.push(`${encodeQuery(key)}=${encodeQuery(String(v))}`);
    }
  }
  return parts.join("&");
}

function encodeQuery(text: string): string {
  return encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%2C/gi, ",");
}
