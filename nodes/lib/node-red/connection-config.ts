import type { Node, NodeAPI } from "node-red";
import { DEFAULT_TRANSFER_LIMITS, MIB, type ProxySettings, type TransferLimits } from "../transport";

/** What the editor shows in a password field that holds a stored (never sent) value. */
export const STORED_PASSWORD_PLACEHOLDER = "__PWRD__";

export type Expand = (value: string | undefined) => string | undefined;

interface TlsConfigNode {
  addTLSOptions(options: Record<string, unknown>): Record<string, unknown>;
}

/** The TLS options of a deployed core `tls-config` node (CA, client certificate, verification), or undefined. */
export function tlsOptionsOf<T>(RED: NodeAPI, tlsNodeId: string | undefined, owner: string): T | undefined {
  if (!tlsNodeId) return undefined;
  const tlsNode = RED.nodes.getNode(tlsNodeId) as unknown as TlsConfigNode | null;
  if (!tlsNode || typeof tlsNode.addTLSOptions !== "function") {
    throw new Error(`${owner}: TLS configuration ${tlsNodeId} is not deployed`);
  }
  return tlsNode.addTLSOptions({}) as T;
}

interface HttpProxyNode {
  url?: string;
  noproxy?: string[];
  credentials?: { username?: string; password?: string };
}

/**
 * The proxy of a deployed core `http proxy` node (URL, no-proxy hosts, user name and password from its credentials),
 * or undefined: then the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) decides, as for core's HTTP request.
 */
export function proxySettingsOf(
  RED: NodeAPI,
  proxyNodeId: string | undefined,
  owner: string,
  expand: Expand,
): ProxySettings | undefined {
  if (!proxyNodeId) return undefined;
  const proxyNode = RED.nodes.getNode(proxyNodeId) as unknown as HttpProxyNode | null;
  if (!proxyNode) throw new Error(`${owner}: proxy configuration ${proxyNodeId} is not deployed`);
  const url = expand(proxyNode.url)?.trim();
  if (!url) throw new Error(`${owner}: proxy configuration ${proxyNodeId} has no URL`);
  return {
    url,
    noProxy: (proxyNode.noproxy ?? []).map((host) => String(host).trim()).filter(Boolean),
    username: expand(proxyNode.credentials?.username) || undefined,
    password: expand(proxyNode.credentials?.password) || undefined,
  };
}

/**
 * Reads a connection config node's fields: every value is expanded (`${ENV}`) first; blanks count as unset;
 * numbers are checked against a minimum. Errors name the owner and the field.
 */
export function connectionFieldReader(owner: string, expand: Expand) {
  const text = (value: unknown): string | undefined => {
    const expanded = expand(value === undefined || value === null ? undefined : String(value));
    return expanded === undefined || expanded.trim() === "" ? undefined : expanded.trim();
  };
  // Secrets are not trimmed: leading/trailing spaces may be part of them.
  const secret = (value: string | undefined): string | undefined => expand(value) || undefined;
  const number = (name: string, raw: unknown, fallback: number, min: number): number => {
    const given = text(raw);
    if (given === undefined) return fallback;
    const value = Number(given);
    if (!Number.isFinite(value) || value < min) throw new Error(`${owner}: ${name} must be a number ≥ ${min}`);
    return value;
  };
  return { text, secret, number };
}

/** The retry fields every connection config node has. */
export interface RetryFields {
  retryAttempts?: string | number;
  retryBaseDelayMs?: string | number;
  retryMaxDelayMs?: string | number;
}

export function readRetryPolicy(
  fields: ReturnType<typeof connectionFieldReader>,
  props: RetryFields,
  defaults: { retryAttempts: number; retryBaseDelayMs: number; retryMaxDelayMs: number },
): { maxAttempts: number; baseDelayMs: number; maxDelayMs: number } {
  const baseDelayMs = fields.number("retryBaseDelayMs", props.retryBaseDelayMs, defaults.retryBaseDelayMs, 0);
  return {
    maxAttempts: Math.max(
      1,
      Math.floor(fields.number("retryAttempts", props.retryAttempts, defaults.retryAttempts, 1)),
    ),
    baseDelayMs,
    maxDelayMs: Math.max(
      baseDelayMs,
      fields.number("retryMaxDelayMs", props.retryMaxDelayMs, defaults.retryMaxDelayMs, 0),
    ),
  };
}

/** The transfer limit fields every connection config node has (the size cap in MiB). */
export interface TransferLimitFields {
  timeoutMs?: string | number;
  deadlineMs?: string | number;
  minBytesPerSecond?: string | number;
  maxResponseMiB?: string | number;
}

/** Editor defaults of the transfer limit fields. */
export const TRANSFER_LIMIT_DEFAULTS = {
  timeoutMs: DEFAULT_TRANSFER_LIMITS.timeoutMs,
  deadlineMs: DEFAULT_TRANSFER_LIMITS.deadlineMs,
  minBytesPerSecond: DEFAULT_TRANSFER_LIMITS.minBytesPerSecond,
  maxResponseMiB: DEFAULT_TRANSFER_LIMITS.maxResponseBytes / MIB,
};

export function readTransferLimits(
  fields: ReturnType<typeof connectionFieldReader>,
  props: TransferLimitFields,
): TransferLimits {
  const d = TRANSFER_LIMIT_DEFAULTS;
  return {
    timeoutMs: fields.number("timeoutMs", props.timeoutMs, d.timeoutMs, 1),
    deadlineMs: fields.number("deadlineMs", props.deadlineMs, d.deadlineMs, 0),
    minBytesPerSecond: fields.number("minBytesPerSecond", props.minBytesPerSecond, d.minBytesPerSecond, 0),
    maxResponseBytes: Math.floor(fields.number("maxResponseMiB", props.maxResponseMiB, d.maxResponseMiB, 1) * MIB),
  };
}

/**
 * The values a "test connection" request carries from an edit dialog, merged with what is stored: fields the dialog
 * sent win; a secret the dialog shows only as the placeholder (or did not send) is taken from the stored credentials.
 */
export function dialogValues<P extends object, C extends { [K in keyof C]?: string }>(
  body: Record<string, unknown>,
  propertyNames: Array<keyof P>,
  credentialNames: Array<keyof C>,
  secretNames: Array<keyof C>,
  stored: Partial<C>,
): { props: Partial<P>; credentials: C } {
  const props: Partial<P> = {};
  for (const name of propertyNames) {
    const value = body[name as string];
    if (value !== undefined && value !== null) (props as Record<string, unknown>)[name as string] = value;
  }
  const credentials = {} as C;
  for (const name of credentialNames) {
    const given = body[name as string] as string | undefined;
    const useStored = given === undefined || (secretNames.includes(name) && given === STORED_PASSWORD_PLACEHOLDER);
    (credentials as Record<string, string | undefined>)[name as string] = useStored
      ? (stored[name] as string | undefined)
      : given;
  }
  return { props, credentials };
}

/**
 * The connection a config node owns: created on first use, shared by every node that uses the config node, closed
 * (and forgotten) when the config node closes.
 */
export function sharedClient<C extends { close(): unknown }>(owner: Node, create: () => C): () => C {
  let client: C | undefined;
  owner.on("close", (done: () => void) => {
    const closing = client;
    client = undefined;
    Promise.resolve(closing?.close()).then(
      () => done(),
      () => done(),
    );
  });
  return () => (client ??= create());
}
