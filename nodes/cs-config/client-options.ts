import type { AuthMode, ContentServerClientOptions, Logger, TlsOptions } from "../lib/content-server";
import type { CsConfigCredentials, CsConfigProperties } from "./types";

/** Defaults of the cs-config fields; the editor's `defaults` repeat these values. */
export const CS_CONFIG_DEFAULTS = {
  authMode: "cs" as AuthMode,
  timeoutMs: 60_000,
  maxConcurrent: 4,
  retryAttempts: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
};

const AUTH_MODES: AuthMode[] = ["cs", "otds", "oauth"];

export type Expand = (value: string | undefined) => string | undefined;

/**
 * cs-config properties + credentials → client options. Every value goes through `expand` first, so `${ENV}`
 * placeholders work in every field including the credentials.
 */
export function buildClientOptions(
  props: Partial<CsConfigProperties>,
  credentials: CsConfigCredentials,
  expand: Expand,
  tls?: TlsOptions,
  logger?: Logger,
): ContentServerClientOptions {
  const text = (value: unknown) => {
    const expanded = expand(value === undefined || value === null ? undefined : String(value));
    return expanded === undefined || expanded.trim() === "" ? undefined : expanded.trim();
  };
  const baseUrl = text(props.baseUrl);
  if (!baseUrl) throw new Error("cs-config: the Content Server URL is missing");
  const authMode = (text(props.authMode) ?? CS_CONFIG_DEFAULTS.authMode) as AuthMode;
  if (!AUTH_MODES.includes(authMode)) throw new Error(`cs-config: unknown authentication mode "${authMode}"`);
  const number = (name: keyof typeof CS_CONFIG_DEFAULTS & keyof CsConfigProperties, min: number) => {
    const raw = text(props[name]);
    if (raw === undefined) return CS_CONFIG_DEFAULTS[name] as number;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`cs-config: ${name} must be a number ≥ ${min}`);
    return value;
  };
  const retryBaseDelayMs = number("retryBaseDelayMs", 0);
  return {
    baseUrl,
    authMode,
    otdsUrl: text(props.otdsUrl),
    credentials: {
      username: text(credentials.username),
      // Secrets are not trimmed: leading/trailing spaces may be part of them.
      password: expand(credentials.password) || undefined,
      domain: text(props.domain),
      clientId: text(credentials.clientId),
      clientSecret: expand(credentials.clientSecret) || undefined,
    },
    timeoutMs: number("timeoutMs", 1),
    maxConcurrent: Math.floor(number("maxConcurrent", 1)),
    retry: {
      maxAttempts: Math.max(1, Math.floor(number("retryAttempts", 1))),
      baseDelayMs: retryBaseDelayMs,
      maxDelayMs: Math.max(retryBaseDelayMs, number("retryMaxDelayMs", 0)),
    },
    tls,
    logger,
  };
}
