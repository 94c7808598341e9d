import {
  DEFAULT_OTDS_TICKET_USE,
  type AuthMode,
  type ContentServerClientOptions,
  type Logger,
  type OtdsTicketUse,
  type TlsOptions,
} from "../lib/content-server";
import {
  connectionFieldReader,
  readRetryPolicy,
  readTransferLimits,
  TRANSFER_LIMIT_DEFAULTS,
  type Expand,
} from "../lib/node-red/connection-config";
import type { ProxySettings } from "../lib/transport";
import type { CsConfigCredentials, CsConfigProperties } from "./types";

/** Defaults of the cs-config fields; the editor's `defaults` repeat these values. */
export const CS_CONFIG_DEFAULTS = {
  authMode: "cs" as AuthMode,
  /** pyxecm's way (docs/api-evidence.md, gap 12); saved flows without the field get it too. */
  otdsTicketUse: DEFAULT_OTDS_TICKET_USE,
  ...TRANSFER_LIMIT_DEFAULTS,
  maxConcurrent: 4,
  retryAttempts: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
};

const AUTH_MODES: AuthMode[] = ["cs", "otds", "oauth"];
const OTDS_TICKET_USES: OtdsTicketUse[] = ["exchange", "direct"];

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
  proxy?: ProxySettings,
): ContentServerClientOptions {
  const fields = connectionFieldReader("cs-config", expand);
  const baseUrl = fields.text(props.baseUrl);
  if (!baseUrl) throw new Error("cs-config: the Content Server URL is missing");
  const authMode = (fields.text(props.authMode) ?? CS_CONFIG_DEFAULTS.authMode) as AuthMode;
  if (!AUTH_MODES.includes(authMode)) throw new Error(`cs-config: unknown authentication mode "${authMode}"`);
  const otdsTicketUse = (fields.text(props.otdsTicketUse) ?? CS_CONFIG_DEFAULTS.otdsTicketUse) as OtdsTicketUse;
  if (!OTDS_TICKET_USES.includes(otdsTicketUse)) {
    throw new Error(`cs-config: OTDS ticket use must be "exchange" or "direct", not "${otdsTicketUse}"`);
  }
  return {
    baseUrl,
    authMode,
    otdsUrl: fields.text(props.otdsUrl),
    otdsTicketUse,
    credentials: {
      username: fields.text(credentials.username),
      password: fields.secret(credentials.password),
      domain: fields.text(props.domain),
      clientId: fields.text(credentials.clientId),
      clientSecret: fields.secret(credentials.clientSecret),
    },
    ...readTransferLimits(fields, props),
    maxConcurrent: Math.floor(fields.number("maxConcurrent", props.maxConcurrent, CS_CONFIG_DEFAULTS.maxConcurrent, 1)),
    retry: readRetryPolicy(fields, props, CS_CONFIG_DEFAULTS),
    draftFormPath: fields.text(props.draftFormPath),
    tls,
    proxy,
    logger,
  };
}
