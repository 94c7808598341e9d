import type { AxiosInstance, AxiosResponse } from "axios";
import { SingleFlight } from "../reliability/single-flight";
import { ContentServerError, extractCsMessage, type SecretRedactor } from "./errors";
import type { AuthMode, CsCredentials, OtdsTicketUse } from "./types";

/** The credential header(s) to send and the login they came from. */
export interface AuthState {
  readonly headers: Record<string, string>;
  /** Increases with every login: a 401 for an older generation is already answered by a newer login. */
  readonly generation: number;
}

export interface SessionOptions {
  /** Axios instance WITHOUT the request pipeline (no auth, no limiter): logins must not wait behind requests. */
  http: AxiosInstance;
  baseUrl: string;
  otdsUrl: string;
  mode: AuthMode;
  credentials: CsCredentials;
  /** Modes "otds" and "oauth": exchange the OTDS credential for an OTCSTicket, or send it on every call. */
  otdsTicketUse?: OtdsTicketUse;
  redactor: SecretRedactor;
}

/** pyxecm exchanges OTDS tickets and tokens at `GET api/v1/auth` (docs/api-evidence.md, gap 12). */
export const DEFAULT_OTDS_TICKET_USE: OtdsTicketUse = "exchange";

/** An OTDS ticket or bearer token as the header that carries it, and when it stops being usable. */
interface OtdsCredential {
  headers: Record<string, string>;
  expiresAt: number;
}

/** OAuth tokens are renewed this long before they say they expire, so a request never leaves with a dying token. */
const TOKEN_EXPIRY_MARGIN_MS = 30_000;

/**
 * Owns the login: obtains the credential for the configured auth mode (with OTDS, by default, an OTCSTicket in
 * exchange for the OTDS ticket or token), shares one login among all callers (single flight), renews it once for any
 * number of requests that met a 401, and follows the ticket CS hands back in the `OTCSTicket` response header.
 */
export class Session {
  private state: AuthState | undefined;
  private generation = 0;
  private expiresAt = Number.POSITIVE_INFINITY;
  /** The OTDS ticket or token kept for the next exchange (exchange mode only). */
  private otdsCredential: OtdsCredential | undefined;
  private readonly flight = new SingleFlight<AuthState>();
  /** Completed logins (for status displays and tests). */
  loginCount = 0;

  constructor(private readonly options: SessionOptions) {
    const { credentials, redactor } = options;
    redactor.add(credentials.password);
    redactor.add(credentials.clientSecret);
  }

  get mode(): AuthMode {
    return this.options.mode;
  }

  /** True when the OTDS ticket or bearer token itself goes with every call (otdsTicketUse "direct"). */
  get sendsOtdsCredentialDirectly(): boolean {
    return this.options.mode !== "cs" && (this.options.otdsTicketUse ?? DEFAULT_OTDS_TICKET_USE) === "direct";
  }

  /**
   * The message for a call that met 401 although it carried a fresh OTDS ticket or token directly: some installations
   * accept only their own OTCSTicket. Undefined when the session does not send OTDS credentials directly.
   */
  directUseRefusal(operation: string): string | undefined {
    if (!this.sendsOtdsCredentialDirectly) return undefined;
    return (
      `${operation}: Content Server refused the ${this.otdsCredentialName} sent directly (HTTP 401), also right after a new ` +
      `login. If this installation accepts only its own OTCSTicket, set the cs-config option "OTDS ticket" ` +
      `(otdsTicketUse) to "exchange"`
    );
  }

  /** The current credential, logging in first when there is none (or an OAuth token is about to expire). */
  async current(): Promise<AuthState> {
    if (this.state && Date.now() < this.expiresAt) return this.state;
    const stale = this.state?.generation ?? this.generation;
    return this.renew(stale);
  }

  /**
   * Called after a 401 on a request sent with `staleGeneration`: if a newer login already happened, that one is
   * used; otherwise one login runs and every caller waiting meanwhile shares it.
   */
  renew(staleGeneration: number): Promise<AuthState> {
    if (this.state && this.state.generation > staleGeneration && Date.now() < this.expiresAt) {
      return Promise.resolve(this.state);
    }
    return this.flight.run(() => this.login());
  }

  /** Takes over a fresh ticket from a response to a request that used the current login. */
  rotate(generation: number, ticket: string | undefined): void {
    if (!ticket || !this.state?.headers.OTCSTicket || this.state.generation !== generation) return;
    if (this.state.headers.OTCSTicket === ticket) return;
    this.options.redactor.addRotatedTicket(ticket);
    this.state = { headers: { OTCSTicket: ticket }, generation };
  }

  /** Ends the CS session (an OTCSTicket, logged in or exchanged); forgets the credentials in every mode. */
  async logout(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    this.otdsCredential = undefined;
    if (!state?.headers.OTCSTicket) return;
    try {
      await this.options.http.request({
        method: "DELETE",
        url: "api/v1/auth",
        baseURL: withSlash(this.options.baseUrl),
        headers: state.headers,
        validateStatus: () => true,
      });
    } catch {
      // best effort: the ticket expires on its own
    }
  }

  private async login(): Promise<AuthState> {
    // Not retried here: the request that needed the login retries as a whole (no nested retry loops).
    const headers = await this.obtainCredential();
    this.loginCount++;
    this.state = { headers, generation: ++this.generation };
    return this.state;
  }

  private async obtainCredential(): Promise<Record<string, string>> {
    switch (this.options.mode) {
      case "cs":
        return this.loginContentServer();
      case "otds":
      case "oauth": {
        if (!this.sendsOtdsCredentialDirectly) return this.exchangeForOtcsTicket();
        const credential = await this.loginAtOtds();
        this.expiresAt = credential.expiresAt;
        return credential.headers;
      }
      default:
        throw new ContentServerError({
          operation: "login",
          code: "INVALID_REQUEST",
          message: `login: unknown auth mode "${String(this.options.mode)}"`,
        });
    }
  }

  private async loginContentServer(): Promise<Record<string, string>> {
    const { username, password, domain } = this.requireUserPassword();
    const form = new URLSearchParams({ username, password });
    if (domain) form.set("domain", domain);
    const response = await this.post(this.authUrl, form);
    const ticket = readString(response.data, "ticket") ?? headerValue(response, "otcsticket");
    if (!ticket) throw this.badLogin(response, "no ticket in the login answer");
    this.options.redactor.addLoginSecret(ticket);
    return { OTCSTicket: ticket };
  }

  private loginAtOtds(): Promise<OtdsCredential> {
    return this.options.mode === "otds" ? this.loginOtds() : this.loginOAuth();
  }

  /**
   * pyxecm's OTDS login to Content Server: `GET api/v1/auth` with the OTDS ticket or bearer token answers the CS
   * ticket in its `OTCSTicket` header. The OTDS credential is kept for the next exchange; when CS refuses it there,
   * it has expired too, and a fresh one is obtained once.
   */
  private async exchangeForOtcsTicket(): Promise<Record<string, string>> {
    let credential = this.otdsCredential;
    const reused = credential !== undefined && Date.now() < credential.expiresAt;
    if (!credential || !reused) credential = this.otdsCredential = await this.loginAtOtds();
    let ticket = await this.requestOtcsTicket(credential.headers);
    if (ticket === undefined && reused) {
      credential = this.otdsCredential = await this.loginAtOtds();
      ticket = await this.requestOtcsTicket(credential.headers);
    }
    if (ticket === undefined) {
      this.otdsCredential = undefined;
      throw new ContentServerError({
        operation: "login",
        code: "AUTH",
        status: 401,
        method: "GET",
        path: loginPath(this.authUrl),
        message: `login: Content Server refused to exchange the ${this.otdsCredentialName} for an OTCSTicket (HTTP 401)`,
      });
    }
    this.expiresAt = Number.POSITIVE_INFINITY;
    return { OTCSTicket: ticket };
  }

  /** The OTCSTicket for an OTDS credential, or undefined when CS answers 401. */
  private async requestOtcsTicket(headers: Record<string, string>): Promise<string | undefined> {
    const response = await this.request("GET", this.authUrl, { headers });
    if (response.status === 401) return undefined;
    if (response.status < 200 || response.status >= 300) throw this.failedLogin(response, "GET", this.authUrl);
    const ticket = headerValue(response, "otcsticket");
    if (!ticket) throw this.badLogin(response, "no OTCSTicket header in the answer to the ticket exchange");
    this.options.redactor.addLoginSecret(ticket);
    return ticket;
  }

  private get otdsCredentialName(): string {
    return this.options.mode === "otds" ? "OTDS ticket" : "OAuth2 bearer token";
  }

  private get authUrl(): string {
    return withSlash(this.options.baseUrl) + "api/v1/auth";
  }

  private async loginOtds(): Promise<OtdsCredential> {
    const { username, password } = this.requireUserPassword();
    // OTDS (not CS) takes JSON here (docs/api-evidence.md, "OTDS login").
    const response = await this.post(
      withSlash(this.options.otdsUrl) + "otdsws/rest/authentication/credentials",
      JSON.stringify({ userName: username, password }),
      "application/json",
    );
    const ticket = readString(response.data, "ticket");
    if (!ticket) throw this.badLogin(response, "no ticket in the OTDS answer");
    this.options.redactor.addLoginSecret(ticket);
    // An OTDS ticket names no lifetime: it is used until Content Server refuses it.
    return { headers: { OTDSTicket: ticket }, expiresAt: Number.POSITIVE_INFINITY };
  }

  private async loginOAuth(): Promise<OtdsCredential> {
    const { clientId, clientSecret, scope } = this.options.credentials;
    if (!clientId || !clientSecret) {
      throw new ContentServerError({
        operation: "login",
        code: "AUTH",
        message: "login: client id and client secret are required for OAuth2 client credentials",
      });
    }
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
    });
    if (scope) form.set("scope", scope);
    const response = await this.post(withSlash(this.options.otdsUrl) + "otdsws/oauth2/token", form);
    const token = readString(response.data, "access_token");
    if (!token) throw this.badLogin(response, "no access_token in the OTDS answer");
    this.options.redactor.addLoginSecret(token);
    const expiresInS = Number((response.data as Record<string, unknown>).expires_in);
    const expiresAt =
      Number.isFinite(expiresInS) && expiresInS > 0
        ? Date.now() + Math.max(expiresInS * 1000 - TOKEN_EXPIRY_MARGIN_MS, expiresInS * 500)
        : Number.POSITIVE_INFINITY;
    return { headers: { Authorization: `Bearer ${token}` }, expiresAt };
  }

  private requireUserPassword(): { username: string; password: string; domain?: string } {
    const { username, password, domain } = this.options.credentials;
    if (!username || !password) {
      throw new ContentServerError({
        operation: "login",
        code: "AUTH",
        message: "login: user name and password are required",
      });
    }
    return { username, password, domain };
  }

  private async post(url: string, data: URLSearchParams | string, contentType?: string): Promise<AxiosResponse> {
    const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
    const response = await this.request("POST", url, { data, headers });
    const parsed = parseJson(response.data);
    if (response.status >= 200 && response.status < 300 && parsed !== undefined) return { ...response, data: parsed };
    throw this.failedLogin(response, "POST", url);
  }

  /** One login request; every status comes back (the caller decides), network failures become errors. */
  private async request(
    method: "GET" | "POST",
    url: string,
    init: { data?: URLSearchParams | string; headers: Record<string, string> },
  ): Promise<AxiosResponse> {
    try {
      return await this.options.http.request({
        method,
        url,
        data: init.data,
        headers: { Accept: "application/json", ...init.headers },
        responseType: "text",
        transformResponse: [(raw: unknown) => raw],
        validateStatus: () => true,
      });
    } catch (err) {
      throw networkError(err, "login", method, loginPath(url), this.options.redactor);
    }
  }

  private failedLogin(response: AxiosResponse, method: string, url: string): ContentServerError {
    const ok = response.status >= 200 && response.status < 300;
    const csMessage = this.options.redactor.redact(
      extractCsMessage(parseJson(response.data) ?? response.data, String(response.headers["content-type"] ?? "")),
    );
    return new ContentServerError({
      operation: "login",
      code: ok ? "BAD_RESPONSE" : statusToLoginCode(response.status),
      status: response.status,
      csMessage,
      method,
      path: loginPath(url),
      retryAfterMs: retryAfterMs(response),
    });
  }

  private badLogin(response: AxiosResponse, why: string): ContentServerError {
    return new ContentServerError({
      operation: "login",
      code: "AUTH",
      status: response.status,
      message: `login: ${why}`,
    });
  }
}

function statusToLoginCode(status: number): "AUTH" | "HTTP" {
  return status === 400 || status === 401 || status === 403 ? "AUTH" : "HTTP";
}

function loginPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}

export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function parseJson(raw: unknown): unknown {
  if (typeof raw !== "string") return raw === "" ? undefined : raw;
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function readString(data: unknown, key: string): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function headerValue(response: Pick<AxiosResponse, "headers">, name: string): string | undefined {
  const value = (response.headers as Record<string, unknown>)[name];
  if (Array.isArray(value)) return value[0] === undefined ? undefined : String(value[0]);
  return value === undefined || value === null || value === "" ? undefined : String(value);
}

export function retryAfterMs(response: Pick<AxiosResponse, "headers">): number | undefined {
  const header = headerValue(response, "retry-after");
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Network codes that mean the connection never carried the request (safe to repeat any call). */
export const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ERR_SOCKET_CONNECTION_TIMEOUT"]);

/** Turns an axios/socket failure into a ContentServerError without the axios config (which holds the credentials). */
export function networkError(
  err: unknown,
  operation: string,
  method: string,
  path: string,
  redactor: SecretRedactor,
): ContentServerError {
  if (err instanceof ContentServerError) return err;
  const source = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code =
    typeof source.code === "string" && source.code !== "ERR_BAD_RESPONSE" && source.code !== "ERR_NETWORK"
      ? source.code
      : typeof source.cause?.code === "string"
        ? source.cause.code
        : typeof source.code === "string"
          ? source.code
          : "ERR_NETWORK";
  const isTimeout = TIMEOUT_CODES.has(code) || /timeout/i.test(String(source.message ?? ""));
  const reason = redactor.redact(String(source.message ?? code));
  return new ContentServerError({
    operation,
    code: code === "ERR_RESPONSE_TOO_LARGE" ? "TOO_LARGE" : isTimeout ? "TIMEOUT" : "NETWORK",
    networkCode: isTimeout && code === "ERR_NETWORK" ? "ETIMEDOUT" : code,
    method,
    path,
    mayHaveBeenProcessed: !NOT_SENT_CODES.has(code),
    message: `${operation}: ${reason}`,
  });
}
