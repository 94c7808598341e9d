/**
 * OTDS OAuth2 token cache: one token for the whole client, renewed shortly before it expires, and exactly one
 * token request for any number of callers that need a new one at the same moment.
 */
import { SingleFlight } from "../reliability/single-flight";
import { ExstreamError } from "./errors";
import type { TokenSource, Transport } from "./http";
import type { TokenOptions } from "./types";

/**
 * No specification documents the token path (real-world evidence only): the self-hosted CE path is the one OpenText's
 * SDK builds, the cloud path the one of OpenText's Postman collection. Any other path is configurable.
 */
export const DEFAULT_TOKEN_PATH_TEMPLATE = "/otdsws/otdstenant/{tenant}/oauth2/token";
export const CLOUD_TOKEN_PATH_TEMPLATE = "/tenants/{tenant}/oauth2/token";
/** The scope OpenText's SDK asks for on a self-hosted OTDS (`OtdsService.LOCAL_OTDS_SCOPE`). */
export const DEFAULT_SCOPE = "otds:groups";
const DEFAULT_REFRESH_MARGIN_MS = 60_000;
const DEFAULT_LIFETIME_MS = 900_000;

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

interface TokenResponse {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
}

export class OtdsTokenCache implements TokenSource {
  private current: CachedToken | undefined;
  private readonly flight = new SingleFlight<string>();
  private requests = 0;
  readonly tokenUrl: string;

  constructor(
    private readonly options: TokenOptions,
    baseUrl: string,
    private readonly transport: Transport,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenUrl = resolveTokenUrl(options, baseUrl);
    validateGrant(options);
  }

  /** Number of token requests sent so far (observability and tests). */
  get requestCount(): number {
    return this.requests;
  }

  async getToken(): Promise<string> {
    const cached = this.current;
    if (cached && this.now() < cached.refreshAt) return cached.value;
    return this.flight.run(() => this.fetchToken());
  }

  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  /** Forget the token (e.g. credentials changed). */
  clear(): void {
    this.current = undefined;
  }

  secrets(): string[] {
    const out: string[] = [];
    if (this.current) out.push(this.current.value);
    if (this.options.clientSecret) out.push(this.options.clientSecret);
    if (this.options.password) out.push(this.options.password);
    return out;
  }

  private async fetchToken(): Promise<string> {
    const { headers, body } = this.tokenRequest();
    const spec = {
      operation: "token",
      method: "POST" as const,
      url: this.tokenUrl,
      headers,
      body,
      auth: false,
      idempotent: true, // asking for a token twice has no effect beyond a second token
    };
    const res = await this.transport.retrying(spec, () => {
      this.requests++;
      return this.transport.sendRaw<TokenResponse>({ ...spec, responseType: "json" });
    });
    const data = res.data;
    const value = data && typeof data === "object" ? data.access_token : undefined;
    if (typeof value !== "string" || value === "") {
      throw new ExstreamError(
        { operation: "token", status: res.status, serverMessage: "token response has no access_token" },
        this.secrets(),
      );
    }
    const expiresInS = Number(data.expires_in);
    const lifetimeMs =
      Number.isFinite(expiresInS) && expiresInS > 0
        ? expiresInS * 1000
        : (this.options.defaultLifetimeMs ?? DEFAULT_LIFETIME_MS);
    const margin = Math.min(this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS, lifetimeMs / 3);
    const issuedAt = this.now();
    this.current = { value, expiresAt: issuedAt + lifetimeMs, refreshAt: issuedAt + lifetimeMs - margin };
    return value;
  }

  private tokenRequest(): { headers: Record<string, string>; body: string } {
    const o = this.options;
    const form = new URLSearchParams();
    form.set("grant_type", o.grantType);
    if (o.grantType === "password") {
      form.set("username", o.username ?? "");
      form.set("password", o.password ?? "");
    }
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
    };
    if (o.clientAuth === "basic") {
      const id = encodeURIComponent(o.clientId);
      const secret = encodeURIComponent(o.clientSecret ?? "");
      headers.Authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
    } else {
      form.set("client_id", o.clientId);
      if (o.clientSecret) form.set("client_secret", o.clientSecret);
    }
    const scope = o.scope ?? DEFAULT_SCOPE;
    if (scope) form.set("scope", scope);
    return { headers, body: form.toString() };
  }
}

/**
 * Explicit token URL, else OTDS base (or the client's base URL) + the path template with the tenant filled in. A
 * template without `{tenant}` (e.g. OTDS's non-tenant `/otdsws/oauth2/token`) needs no tenant.
 */
export function resolveTokenUrl(options: TokenOptions, baseUrl: string): string {
  if (options.tokenUrl) return options.tokenUrl;
  const template = options.tokenPathTemplate || DEFAULT_TOKEN_PATH_TEMPLATE;
  const needsTenant = template.includes("{tenant}");
  if (needsTenant && !options.tenant) throw new Error("Exstream token: set a token URL or a tenant");
  const root = (options.otdsUrl || baseUrl).replace(/\/+$/, "");
  const pathPart = template.replace(/\{tenant\}/g, encodeURIComponent(options.tenant ?? ""));
  return root + (pathPart.startsWith("/") ? pathPart : `/${pathPart}`);
}

function validateGrant(options: TokenOptions): void {
  if (!options.clientId) throw new Error("Exstream token: client id is required");
  if (options.grantType === "client_credentials" && !options.clientSecret) {
    throw new Error("Exstream token: client credentials grant needs a client secret");
  }
  if (options.grantType === "password" && (!options.username || !options.password)) {
    throw new Error("Exstream token: password grant needs a user name and password");
  }
}
