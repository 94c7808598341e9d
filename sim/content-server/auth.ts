import type { IncomingMessage } from "node:http";
import { CsError, AUTH_REQUIRED } from "./errors";
import type { SimUser } from "./model";
import type { RequestContext, Router } from "./router";
import type { SimContext } from "./context";
import type { Session } from "./sessions";
import { timestamp } from "./store";

export interface Authenticated {
  session: Session;
  user: SimUser;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.trim() ? text.trim() : undefined;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name && rest.length) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

/**
 * Resolves the caller from OTCSTicket, OTDSTicket, a bearer token or the LLCookie, in that order; 401 otherwise.
 * With `otdsDirectUse: "refuse"` an OTDS ticket or bearer token is accepted only where it is exchanged (`exchange`).
 */
export function authenticate(sim: SimContext, req: IncomingMessage, exchange = false): Authenticated {
  const { sessions, store } = sim;
  const bearer = /^Bearer\s+(.+)$/i.exec(header(req, "authorization") ?? "")?.[1];
  const attempts: Array<[string | undefined, Session["mode"]]> = [
    [header(req, "otcsticket"), "otcs"],
    [header(req, "otdsticket"), "otds"],
    [bearer, "bearer"],
    [cookie(req, "LLCookie"), "otcs"],
  ];
  for (const [token, mode] of attempts) {
    if (!token) continue;
    const session = sessions.verify(token, mode);
    const user = session && store.findUser(session.userId);
    const refused = mode !== "otcs" && !exchange && sim.options.otdsDirectUse === "refuse";
    if (session && user && !refused) return { session, user };
    throw new CsError(401, AUTH_REQUIRED);
  }
  throw new CsError(401, AUTH_REQUIRED);
}

/** Checks a user name (an OTDS `user@partition` works too) and password. */
export function checkCredentials(sim: SimContext, username: unknown, password: unknown): SimUser | undefined {
  if (typeof username !== "string" || typeof password !== "string") return undefined;
  const user = sim.store.findUserByName(username.replace(/@[^@]*$/, "")) ?? sim.store.findUserByName(username);
  return user && user.password === password ? user : undefined;
}

export function userView(user: SimUser): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    first_name: user.firstName,
    last_name: user.lastName,
    business_email: user.email,
    group_id: user.groupId,
    type: 0,
    type_name: "User",
    deleted: false,
    display_name: `${user.firstName} ${user.lastName}`.trim() || user.name,
    privilege_login: true,
  };
}

function login(ctx: RequestContext) {
  const input = ctx.form.input();
  const { username, password } = input;
  if (!username || !password) throw new CsError(500, "Argument username/password is required");
  const user = checkCredentials(ctx.sim, username, password);
  if (!user) throw new CsError(401, "Invalid username/password specified.");
  ctx.sim.counters.logins.otcs++;
  return { ticket: ctx.sim.sessions.login(user.id, "otcs") };
}

/**
 * GET api/v1/auth: the current user (OpenAPI `GetCurrentUserInfo`). Called with an OTDS ticket or bearer token it is
 * pyxecm's exchange: the answer's `OTCSTicket` header carries the ticket of a new Content Server session.
 */
function currentUser(ctx: RequestContext) {
  if (ctx.session.mode !== "otcs") {
    ctx.sim.counters.exchanges++;
    ctx.res.setHeader("OTCSTicket", ctx.sim.sessions.login(ctx.user.id, "otcs"));
  }
  return { data: userView(ctx.user) };
}

function serverInfo(ctx: RequestContext) {
  const { options } = ctx.sim;
  const host = ctx.req.headers.host ?? `${options.host}:${options.port}`;
  return {
    mobile: { cs_viewer_support: false, offline_use: true },
    server: {
      advanced_versioning: true,
      character_encoding: 1,
      current_date: timestamp(),
      current_locale_suffix: "_en_US",
      domain_access_enabled: false,
      enhanced_advanced_versioning: false,
      language_code: "en",
      languages: [{ language_code: "en", default: true, name: "English" }],
      metadata_languages: [],
      url: `http://${host}${options.basePath}`,
      version: "23.3",
    },
    sessions: {
      enabled: true,
      expire_after_last_login: false,
      expire_after_last_request: true,
      logout_url: "?func=ll.DoLogout",
      session_inactivity: options.ticketInactivityMs,
      session_reaction_time: 180000,
      session_timeout: options.ticketInactivityMs,
    },
    viewer: { content_suite: { enabled: false, supported_mime_types: [] } },
  };
}

export function registerAuthRoutes(router: Router): void {
  router
    .post("api/v1/auth", login, { anonymous: true })
    .get("api/v1/auth", currentUser, { otdsExchange: true })
    .delete("api/v1/auth", (ctx) => {
      ctx.sim.sessions.logout(ctx.session);
      ctx.res.removeHeader("OTCSTicket");
      return {};
    })
    .get("api/v1/serverinfo", serverInfo, { anonymous: true })
    .get("api/v1/ping", () => ({ rest_api: [{ build: 2, href: "api/v1", version: 1 }] }), { anonymous: true });
}
