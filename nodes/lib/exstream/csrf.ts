/**
 * The CSRF cookie HTTP input channels require beside the bearer token (Exstream help, "Initiating orchestration
 * jobs": an OTDS OAuth2 token and a `csrfToken` cookie). How a client obtains it is not documented: a value the server
 * sets (`Set-Cookie`) is adopted; until one is seen, a random value is sent (what double-submit checks accept). A 403
 * that rejects the token replaces the value (the server's new one, else a fresh random one) for one replay.
 */
import { randomUUID } from "node:crypto";
import type { CsrfOptions } from "./types";

export const DEFAULT_CSRF_COOKIE = "csrfToken";
const TOKEN_REJECTED = /csrf|xsrf/i;

export class CsrfCookie {
  readonly cookieName: string;
  readonly headerName: string | undefined;
  private value: string | undefined;

  constructor(options: CsrfOptions = {}) {
    this.cookieName = options.cookieName?.trim() || DEFAULT_CSRF_COOKIE;
    this.headerName = options.headerName?.trim() || undefined;
  }

  /** The request headers carrying the token; `cookie` is an existing Cookie header to extend. */
  headers(cookie?: string): Record<string, string> {
    this.value ??= randomUUID();
    const pair = `${this.cookieName}=${this.value}`;
    const headers: Record<string, string> = { Cookie: cookie ? `${cookie}; ${pair}` : pair };
    if (this.headerName) headers[this.headerName] = this.value;
    return headers;
  }

  /** Adopts the value of a `Set-Cookie` for our cookie name; true when one was found. */
  capture(setCookie: string | string[] | undefined): boolean {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0 || pair.slice(0, eq).trim() !== this.cookieName) continue;
      const value = pair.slice(eq + 1).trim();
      if (value === "") continue;
      this.value = value;
      return true;
    }
    return false;
  }

  /**
   * After a 403: whether the server rejected the token (it set a new one, or its message names it). A rejected token
   * is replaced, so one replay carries a new value.
   */
  rejected(setCookie: string | string[] | undefined, body: string): boolean {
    if (this.capture(setCookie)) return true;
    if (!TOKEN_REJECTED.test(body) && !body.includes(this.cookieName)) return false;
    this.value = randomUUID();
    return true;
  }

  secrets(): string[] {
    return this.value ? [this.value] : [];
  }
}
