import type { ClientAuthMethod, ExstreamClientOptions, GrantType, TlsOptions } from "../lib/exstream";
import type { ExstreamConfigCredentials, ExstreamConfigProperties } from "./types";

/** Defaults of the exstream-config fields; the editor's `defaults` repeat these values. */
export const EXSTREAM_CONFIG_DEFAULTS = {
  grantType: "client_credentials" as GrantType,
  clientAuth: "body" as ClientAuthMethod,
  tokenPath: "/otdsws/otdstenant/{tenant}/oauth2/token",
  timeoutMs: 60_000,
  maxConcurrent: 4,
  retryAttempts: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
};

const GRANT_TYPES: GrantType[] = ["client_credentials", "password"];
const CLIENT_AUTH: ClientAuthMethod[] = ["body", "basic"];

export type Expand = (value: string | undefined) => string | undefined;

/**
 * exstream-config properties + credentials → client options. Every value goes through `expand` first, so `${ENV}`
 * placeholders work in every field including the credentials.
 */
export function buildClientOptions(
  props: Partial<ExstreamConfigProperties>,
  credentials: ExstreamConfigCredentials,
  expand: Expand,
  tls?: TlsOptions,
): ExstreamClientOptions {
  const text = (value: unknown) => {
    const expanded = expand(value === undefined || value === null ? undefined : String(value));
    return expanded === undefined || expanded.trim() === "" ? undefined : expanded.trim();
  };
  const baseUrl = text(props.baseUrl);
  if (!baseUrl) throw new Error("exstream-config: the Exstream URL is missing");
  const domain = text(props.domain);
  if (!domain) throw new Error("exstream-config: the domain is missing");
  const tokenUrl = text(props.tokenUrl);
  const tenant = text(props.tenant);
  if (!tokenUrl && !tenant) throw new Error("exstream-config: set a token URL or a tenant");
  const grantType = (text(props.grantType) ?? EXSTREAM_CONFIG_DEFAULTS.grantType) as GrantType;
  if (!GRANT_TYPES.includes(grantType)) throw new Error(`exstream-config: unknown grant type "${grantType}"`);
  const clientAuth = (text(props.clientAuth) ?? EXSTREAM_CONFIG_DEFAULTS.clientAuth) as ClientAuthMethod;
  if (!CLIENT_AUTH.includes(clientAuth))
    throw new Error(`exstream-config: unknown client authentication "${clientAuth}"`);
  const number = (name: keyof typeof EXSTREAM_CONFIG_DEFAULTS & keyof ExstreamConfigProperties, min: number) => {
    const raw = text(props[name]);
    if (raw === undefined) return EXSTREAM_CONFIG_DEFAULTS[name] as number;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`exstream-config: ${name} must be a number ≥ ${min}`);
    return value;
  };
  const retryBaseDelayMs = number("retryBaseDelayMs", 0);
  return {
    baseUrl,
    domain,
    auth: {
      tokenUrl,
      tenant,
      otdsUrl: text(props.otdsUrl),
      tokenPathTemplate: text(props.tokenPath) ?? EXSTREAM_CONFIG_DEFAULTS.tokenPath,
      grantType,
      clientAuth,
      scope: text(props.scope),
      clientId: text(credentials.clientId) ?? "",
      // Secrets are not trimmed: leading/trailing spaces may be part of them.
      clientSecret: expand(credentials.clientSecret) || undefined,
      username: text(credentials.username),
      password: expand(credentials.password) || undefined,
    },
    timeoutMs: number("timeoutMs", 1),
    maxConcurrent: Math.floor(number("maxConcurrent", 1)),
    retry: {
      maxAttempts: Math.max(1, Math.floor(number("retryAttempts", 1))),
      baseDelayMs: retryBaseDelayMs,
      maxDelayMs: Math.max(retryBaseDelayMs, number("retryMaxDelayMs", 0)),
    },
    tls,
  };
}
