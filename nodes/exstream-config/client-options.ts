import type {
  ClientAuthMethod,
  ExstreamClientOptions,
  GrantType,
  RuntimeFilterStyle,
  TlsOptions,
} from "../lib/exstream";
import {
  connectionFieldReader,
  readRetryPolicy,
  readTransferLimits,
  TRANSFER_LIMIT_DEFAULTS,
  type Expand,
} from "../lib/node-red/connection-config";
import type { ProxySettings } from "../lib/transport";
import type { ExstreamConfigCredentials, ExstreamConfigProperties } from "./types";

/** Defaults of the exstream-config fields; the editor's `defaults` repeat these values. */
export const EXSTREAM_CONFIG_DEFAULTS = {
  grantType: "client_credentials" as GrantType,
  clientAuth: "body" as ClientAuthMethod,
  tokenPath: "/otdsws/otdstenant/{tenant}/oauth2/token",
  scope: "otds:groups",
  ...TRANSFER_LIMIT_DEFAULTS,
  maxConcurrent: 4,
  retryAttempts: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
  batchInputPath: "/inputs/batch/{domain}/{channel}",
  runtimeFilterStyle: "auto" as RuntimeFilterStyle,
  csrfCookieName: "csrfToken",
};

const GRANT_TYPES: GrantType[] = ["client_credentials", "password"];
/** Scope field value that sends no scope at all (blank means the default). */
const NO_SCOPE = "none";
const CLIENT_AUTH: ClientAuthMethod[] = ["body", "basic"];
const FILTER_STYLES: RuntimeFilterStyle[] = ["auto", "semicolon", "object"];

/**
 * exstream-config properties + credentials → client options. Every value goes through `expand` first, so `${ENV}`
 * placeholders work in every field including the credentials.
 */
export function buildClientOptions(
  props: Partial<ExstreamConfigProperties>,
  credentials: ExstreamConfigCredentials,
  expand: Expand,
  tls?: TlsOptions,
  proxy?: ProxySettings,
): ExstreamClientOptions {
  const fields = connectionFieldReader("exstream-config", expand);
  const baseUrl = fields.text(props.baseUrl);
  if (!baseUrl) throw new Error("exstream-config: the Exstream URL is missing");
  const domain = fields.text(props.domain);
  if (!domain) throw new Error("exstream-config: the domain is missing");
  const tokenUrl = fields.text(props.tokenUrl);
  const tenant = fields.text(props.tenant);
  const tokenPath = fields.text(props.tokenPath) ?? EXSTREAM_CONFIG_DEFAULTS.tokenPath;
  if (!tokenUrl && !tenant && tokenPath.includes("{tenant}"))
    throw new Error("exstream-config: set a token URL or a tenant");
  const scope = fields.text(props.scope) ?? EXSTREAM_CONFIG_DEFAULTS.scope;
  const grantType = (fields.text(props.grantType) ?? EXSTREAM_CONFIG_DEFAULTS.grantType) as GrantType;
  if (!GRANT_TYPES.includes(grantType)) throw new Error(`exstream-config: unknown grant type "${grantType}"`);
  const clientAuth = (fields.text(props.clientAuth) ?? EXSTREAM_CONFIG_DEFAULTS.clientAuth) as ClientAuthMethod;
  if (!CLIENT_AUTH.includes(clientAuth))
    throw new Error(`exstream-config: unknown client authentication "${clientAuth}"`);
  const runtimeFilterStyle = (fields.text(props.runtimeFilterStyle) ??
    EXSTREAM_CONFIG_DEFAULTS.runtimeFilterStyle) as RuntimeFilterStyle;
  if (!FILTER_STYLES.includes(runtimeFilterStyle))
    throw new Error(`exstream-config: unknown runtime filter style "${runtimeFilterStyle}"`);
  return {
    baseUrl,
    domain,
    batchInputPath: fields.text(props.batchInputPath) ?? EXSTREAM_CONFIG_DEFAULTS.batchInputPath,
    runtimeFilterStyle,
    csrf: {
      cookieName: fields.text(props.csrfCookieName) ?? EXSTREAM_CONFIG_DEFAULTS.csrfCookieName,
      headerName: fields.text(props.csrfHeaderName),
    },
    auth: {
      tokenUrl,
      tenant,
      otdsUrl: fields.text(props.otdsUrl),
      tokenPathTemplate: tokenPath,
      grantType,
      clientAuth,
      scope: scope.toLowerCase() === NO_SCOPE ? "" : scope,
      clientId: fields.text(credentials.clientId) ?? "",
      clientSecret: fields.secret(credentials.clientSecret),
      username: fields.text(credentials.username),
      password: fields.secret(credentials.password),
    },
    ...readTransferLimits(fields, props),
    maxConcurrent: Math.floor(
      fields.number("maxConcurrent", props.maxConcurrent, EXSTREAM_CONFIG_DEFAULTS.maxConcurrent, 1),
    ),
    retry: readRetryPolicy(fields, props, EXSTREAM_CONFIG_DEFAULTS),
    tls,
    proxy,
  };
}
