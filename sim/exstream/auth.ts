import { randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { SimClock } from "./clock";
import { header, readFormOrJson, sendJson, type Principal, type RequestContext, type Router } from "./http";
import { SimHttpError } from "./errors";
import type { ProtocolSettings } from "./options";
import type { TenantDirectory } from "./store";

interface IssuedToken extends Principal {
  expiresAt: number;
}

interface RefreshGrant extends Principal {
  expiresAt: number;
}

export interface TokenCounters {
  tokensIssued: number;
  tokensRefreshed: number;
  unauthorized: number;
}

/** What a client asked the token endpoint for (no secrets): tests check the grant, path and scope sent. */
export interface TokenRequestRecord {
  path: string;
  tenant: string;
  grantType?: string;
  clientId?: string;
  /** The `scope` parameter as sent; undefined when the request had none. */
  scope?: string;
}

/** Token paths with real-world evidence only (no specification documents them). */
export const TOKEN_PATHS = [
  "/otdsws/otdstenant/{tenant}/oauth2/token", // self-hosted OTDS, OpenText's SDK (OtdsUriBuilder)
  "/otdstenant/{tenant}/oauth2/token", // OpenText's SDK in OT2 mode (OtdsUriBuilder without otdsws)
  "/tenants/{tenant}/oauth2/token", // OpenText cloud, OpenText's Postman collection
];
const MAX_TOKEN_LOG = 100;

const REFRESH_TOKEN_LIFETIME_MS = 8 * 60 * 60 * 1000;

/** OTDS as far as Exstream clients see it: OAuth2 token endpoint + bearer validation. */
export class TokenService {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  readonly counters: TokenCounters = { tokensIssued: 0, tokensRefreshed: 0, unauthorized: 0 };
  /** The latest token requests, oldest first (at most 100). */
  readonly requests: TokenRequestRecord[] = [];

  /**
   * @param extraPaths further token path templates (`--token-path`); `{tenant}` marks the tenant, a path without it
   *   serves `defaultTenant`.
   */
  constructor(
    private readonly clock: SimClock,
    private readonly directory: TenantDirectory,
    public tokenLifetimeSeconds: number,
    private readonly extraPaths: string[] = [],
    private readonly defaultTenant = "",
  ) {}

  register(router: Router): void {
    const handler = (ctx: RequestContext) => this.handleTokenRequest(ctx);
    for (const template of [...TOKEN_PATHS, ...this.extraPaths]) {
      router.add("POST", template.replace(/\{tenant\}/g, ":tenant"), handler, { public: true });
    }
    router.add("GET", "/tenants/:tenant/.well-known/openid-configuration", (ctx) => this.openIdConfiguration(ctx), {
      public: true,
    });
  }

  /** Validates `Authorization: Bearer …`; throws 401 when missing, unknown or expired. */
  authenticate(ctx: RequestContext): Principal {
    const auth = header(ctx, "authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    const token = match ? this.tokens.get(match[1]) : undefined;
    if (!token || token.expiresAt <= this.clock.now()) {
      this.counters.unauthorized++;
      if (match && token) this.tokens.delete(match[1]);
      throw new SimHttpError(
        401,
        match
          ? "The access token is invalid or has expired"
          : "Full authentication is required to access this resource",
      );
    }
    return { tenant: token.tenant, subject: token.subject, clientId: token.clientId };
  }

  /** Makes every issued token (not the refresh tokens) expire now, as if their lifetime had passed. */
  expireAll(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  reset(): void {
    this.tokens.clear();
    this.refreshTokens.clear();
    this.requests.length = 0;
    Object.assign(this.counters, { tokensIssued: 0, tokensRefreshed: 0, unauthorized: 0 });
  }

  private async handleTokenRequest(ctx: RequestContext): Promise<void> {
    const tenantName = ctx.params.tenant ?? this.defaultTenant;
    const tenant = this.directory.tenant(tenantName);
    if (!tenant) return oauthError(ctx.res, 404, "invalid_request", `unknown tenant "${tenantName}"`);
    const body = await readFormOrJson(ctx.req);
    const basic = basicCredentials(header(ctx, "authorization"));
    const clientId = basic?.id ?? body.client_id;
    const clientSecret = basic ? basic.secret : body.client_secret;
    this.requests.push({ path: ctx.path, tenant: tenantName, grantType: body.grant_type, clientId, scope: body.scope });
    if (this.requests.length > MAX_TOKEN_LOG) this.requests.shift();

    if (clientId) {
      const client = tenant.clients.get(clientId);
      const confidentialOk = client && client.secret !== undefined && client.secret === clientSecret;
      const publicOk = client && client.secret === undefined && !clientSecret;
      if (!confidentialOk && !publicOk)
        return oauthError(ctx.res, 401, "invalid_client", "client authentication failed");
    }

    const grant = body.grant_type;
    let principal: Principal;
    let withRefresh = false;
    switch (grant) {
      case "client_credentials": {
        if (!clientId || !tenant.clients.get(clientId)?.secret) {
          return oauthError(ctx.res, 401, "invalid_client", "client_credentials requires a confidential client");
        }
        principal = { tenant: tenant.name, subject: `${clientId}@OAuthClients`, clientId };
        break;
      }
      case "password": {
        const user = body.username ?? "";
        if (!user || tenant.users.get(user) !== body.password) {
          return oauthError(ctx.res, 400, "invalid_grant", "invalid username or password");
        }
        principal = { tenant: tenant.name, subject: user, clientId };
        withRefresh = true;
        break;
      }
      case "refresh_token": {
        const grantRecord = this.refreshTokens.get(body.refresh_token ?? "");
        if (!grantRecord || grantRecord.expiresAt <= this.clock.now() || grantRecord.tenant !== tenant.name) {
          return oauthError(ctx.res, 400, "invalid_grant", "refresh token is invalid or expired");
        }
        if (grantRecord.clientId && clientId && grantRecord.clientId !== clientId) {
          return oauthError(ctx.res, 400, "invalid_grant", "refresh token was issued to another client");
        }
        this.refreshTokens.delete(body.refresh_token);
        principal = { tenant: grantRecord.tenant, subject: grantRecord.subject, clientId: grantRecord.clientId };
        withRefresh = true;
        this.counters.tokensRefreshed++;
        break;
      }
      default:
        return oauthError(ctx.res, 400, "unsupported_grant_type", `grant_type "${grant ?? ""}" is not supported`);
    }
    sendJson(ctx.res, 200, this.issue(principal, withRefresh), { "Cache-Control": "no-store" });
  }

  /** The fields of OpenText's `OtdsTokenResponse`: access_token, token_type, expires_in, refresh_token. */
  private issue(principal: Principal, withRefresh: boolean): Record<string, unknown> {
    const accessToken = randomBytes(24).toString("base64url");
    this.tokens.set(accessToken, { ...principal, expiresAt: this.clock.now() + this.tokenLifetimeSeconds * 1000 });
    this.counters.tokensIssued++;
    const response: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: this.tokenLifetimeSeconds,
    };
    if (withRefresh) {
      const refreshToken = randomBytes(24).toString("base64url");
      this.refreshTokens.set(refreshToken, { ...principal, expiresAt: this.clock.now() + REFRESH_TOKEN_LIFETIME_MS });
      response.refresh_token = refreshToken;
    }
    return response;
  }

  private openIdConfiguration(ctx: RequestContext): void {
    const host = header(ctx, "host") ?? "localhost";
    const issuer = `http://${host}/tenants/${encodeURIComponent(ctx.params.tenant)}`;
    if (!this.directory.tenant(ctx.params.tenant)) throw new SimHttpError(404, `unknown tenant "${ctx.params.tenant}"`);
    sendJson(ctx.res, 200, {
      issuer,
      token_endpoint: `${issuer}/oauth2/token`,
      grant_types_supported: ["client_credentials", "password", "refresh_token"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
  }
}

function basicCredentials(auth: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(auth ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

/**
 * The CSRF cookie HTTP input channels require with the bearer token (Exstream help, "Initiating orchestration jobs").
 * The help does not say how a client obtains it: the simulator sets it (`Set-Cookie`) on any orchestration response to
 * a request without a valid one, and a refused request gets a new one with its 403.
 */
export class CsrfGuard {
  private readonly issued = new Set<string>();

  constructor(private readonly settings: ProtocolSettings) {}

  /** Sets a fresh token cookie when the request carries none the simulator issued. */
  offer(ctx: RequestContext): void {
    if (this.settings.csrf === "required" && !this.issued.has(this.sent(ctx) ?? "")) this.setCookie(ctx.res);
  }

  /** 403 naming the cookie when it is required and missing, unknown or expired. */
  require(ctx: RequestContext): void {
    if (this.settings.csrf !== "required") return;
    const name = this.settings.csrfCookie;
    const sent = this.sent(ctx);
    if (sent !== undefined && this.issued.has(sent)) return;
    this.setCookie(ctx.res);
    throw new SimHttpError(
      403,
      sent === undefined
        ? `Missing CSRF token: HTTP input channels require the "${name}" cookie with the bearer token`
        : `Invalid CSRF token: the "${name}" cookie is unknown or expired`,
    );
  }

  /** Every issued token stops being valid (as after a server restart). */
  expireAll(): void {
    this.issued.clear();
  }

  private sent(ctx: RequestContext): string | undefined {
    for (const part of (header(ctx, "cookie") ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === this.settings.csrfCookie) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  private setCookie(res: ServerResponse): void {
    const token = randomUUID();
    this.issued.add(token);
    res.setHeader("Set-Cookie", `${this.settings.csrfCookie}=${token}; Path=/; HttpOnly`);
  }
}
