import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Counters } from "./context";

export type AuthMode = "otcs" | "otds" | "bearer";

export interface Session {
  sessionId: string;
  userId: number;
  mode: AuthMode;
}

interface TicketClaims {
  /** session id */
  s: string;
  /** user id */
  u: number;
  /** login time (ms) */
  l: number;
  /** issue time (ms) */
  i: number;
  /** kind */
  k: AuthMode;
  /** expiry (ms), bearer tokens only */
  e?: number;
  n: string;
}

const OTDS_PREFIX = "*OTDSSSO*";
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/**
 * Issues and checks tickets. Tickets are signed claims (user, session, login time), so they survive a restart when
 * the store (and its secret) is persisted; inactivity is tracked per session, as CS's `expire_after_last_request` does.
 */
export class Sessions {
  private readonly lastRequestMs = new Map<string, number>();
  private readonly revoked = new Set<string>();
  /** Per kind: tickets issued before this time are expired. */
  private readonly notBeforeMs: Record<AuthMode, number> = { otcs: 0, otds: 0, bearer: 0 };
  private expiredSinceLastLogin = false;

  constructor(
    private readonly secret: () => string,
    public inactivityMs: number,
    public bearerLifetimeMs: number,
    private readonly counters: Counters,
  ) {}

  /** Starts a session and returns its first ticket (OTCSTicket, OTDS ticket or bearer token, by mode). */
  login(userId: number, mode: AuthMode): string {
    const sessionId = randomBytes(9).toString("base64url");
    const now = this.issueTime(mode);
    if (this.expiredSinceLastLogin) this.counters.loginsAfterExpiry++;
    this.expiredSinceLastLogin = false;
    this.lastRequestMs.set(sessionId, now);
    return this.issue({ s: sessionId, u: userId, l: now, i: now, k: mode, n: "" }, mode);
  }

  /** A fresh CS ticket for the same session (what CS hands back in the OTCSTicket response header). */
  rotate(session: Session): string {
    const now = this.issueTime("otcs");
    return this.issue({ s: session.sessionId, u: session.userId, l: now, i: now, k: "otcs", n: "" }, "otcs");
  }

  verify(token: string, mode: AuthMode): Session | undefined {
    const claims = this.decode(token, mode);
    if (!claims) return undefined;
    const now = Date.now();
    if (this.revoked.has(claims.s) || claims.i < this.notBeforeMs[mode]) return undefined;
    if (claims.e !== undefined && now > claims.e) return undefined;
    const last = this.lastRequestMs.get(claims.s) ?? claims.i;
    if (this.inactivityMs > 0 && now - last > this.inactivityMs) {
      this.lastRequestMs.delete(claims.s);
      this.revoked.add(claims.s);
      return undefined;
    }
    this.lastRequestMs.set(claims.s, now);
    return { sessionId: claims.s, userId: claims.u, mode };
  }

  logout(session: Session): void {
    this.revoked.add(session.sessionId);
    this.lastRequestMs.delete(session.sessionId);
  }

  /** A ticket issued in the same millisecond as an expiry, but after it, must stay valid. */
  private issueTime(mode: AuthMode): number {
    return Math.max(Date.now(), this.notBeforeMs[mode]);
  }

  /** Every ticket issued so far (of one kind, or of every kind) becomes invalid: the next call answers 401. */
  expireAll(kind?: AuthMode): void {
    for (const mode of kind ? [kind] : (Object.keys(this.notBeforeMs) as AuthMode[])) {
      this.notBeforeMs[mode] = Date.now() + 1;
    }
    if (!kind) this.lastRequestMs.clear();
    this.counters.ticketExpiries++;
    this.expiredSinceLastLogin = true;
  }

  private issue(claims: TicketClaims, mode: AuthMode): string {
    claims.n = randomBytes(6).toString("base64url");
    if (mode === "bearer") {
      claims.e = claims.i + this.bearerLifetimeMs;
      const payload = Buffer.from(JSON.stringify({ ...claims, sub: String(claims.u) })).toString("base64url");
      return `${JWT_HEADER}.${payload}.${this.sign(`${JWT_HEADER}.${payload}`)}`;
    }
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const ticket = `${payload}.${this.sign(payload)}`;
    return mode === "otds" ? OTDS_PREFIX + ticket : ticket;
  }

  private decode(token: string, mode: AuthMode): TicketClaims | undefined {
    let signed: string;
    let payload: string;
    let signature: string;
    if (mode === "bearer") {
      const parts = token.split(".");
      if (parts.length !== 3) return undefined;
      signed = `${parts[0]}.${parts[1]}`;
      payload = parts[1];
      signature = parts[2];
    } else {
      const raw = mode === "otds" ? (token.startsWith(OTDS_PREFIX) ? token.slice(OTDS_PREFIX.length) : "") : token;
      const dot = raw.lastIndexOf(".");
      if (dot <= 0) return undefined;
      signed = payload = raw.slice(0, dot);
      signature = raw.slice(dot + 1);
    }
    const expected = Buffer.from(this.sign(signed));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TicketClaims;
      return claims.k === mode ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(text: string): string {
    return createHmac("sha256", this.secret()).update(text).digest("base64url");
  }
}
