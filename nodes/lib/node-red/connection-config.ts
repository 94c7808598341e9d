import type { Node, NodeAPI } from "node-red";
import { DEFAULT_TRANSFER_LIMITS, MIB, type ProxySettings, type TransferLimits } from "../transport";
import { RefusedRequest } from "./admin";
import { expandEnvPlaceholders } from "./env";

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

/** What a "test connection" request may use of a deployed config node: its values as stored, and their expansion. */
export interface DeployedConnection<P, C> {
  properties: Partial<P>;
  credentials: Partial<C>;
  expand: Expand;
}

/** The fields of a connection config node, as "test connection" treats them. */
export interface ConnectionFields<P, C> {
  /** The config node's type, e.g. "cs-config". */
  owner: string;
  propertyNames: Array<keyof P>;
  credentialNames: Array<keyof C>;
  secretNames: Array<keyof C>;
  /** The fields that decide where the credentials are sent (URLs, tenant, TLS). */
  destinationNames: Array<keyof P>;
}

export interface DialogConnection<P, C> extends ConnectionFields<P, C> {
  /** The request body: the dialog's current (unsaved) values. */
  body: Record<string, unknown>;
  /** The deployed node the dialog edits, when there is one (of the same type). */
  deployed?: DeployedConnection<P, C>;
}

/**
 * The client options a "test connection" request is answered with: the deployed node's own when the request names
 * only its id, else the dialog's values (see dialogConnection) turned into options by `build`.
 */
export function testConnectionOptions<P extends { tls?: string; proxy?: string }, C extends object, O, T>(
  RED: NodeAPI,
  fields: ConnectionFields<P, C>,
  body: Record<string, unknown>,
  build: (props: Partial<P>, credentials: C, links: { tls?: T; proxy?: ProxySettings }) => O,
): O {
  const deployed = deployedConnection<P, C, Node & { clientOptions(): O }>(RED, fields.owner, body.id);
  if (body.baseUrl === undefined && deployed) return deployed.node.clientOptions();
  const { props, credentials } = dialogConnection<P, C>({ ...fields, body, deployed: deployed?.connection });
  // The TLS and proxy nodes are deployed: their own values are expanded as deployed.
  const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED);
  return build(props, credentials, {
    tls: tlsOptionsOf<T>(RED, props.tls, fields.owner),
    proxy: proxySettingsOf(RED, props.proxy, fields.owner, expand),
  });
}

/**
 * The deployed config node `id` of `type` (none for an unknown id or a node of another type), as a test may use it:
 * its properties as deployed, before Node-RED expanded `${NAME}` in them (what the edit dialog shows).
 */
export function deployedConnection<P, C, N extends Node>(
  RED: NodeAPI,
  type: string,
  id: unknown,
): { node: N; connection: DeployedConnection<P, C> } | undefined {
  const node = typeof id === "string" && id ? (RED.nodes.getNode(id) as N | null) : null;
  if (!node || node.type !== type) return undefined;
  let properties: Partial<P> = {};
  RED.nodes.eachNode((config) => {
    if (config.id === node.id) properties = config as unknown as Partial<P>;
  });
  const credentials = (RED.nodes.getCredentials(node.id) ?? {}) as Partial<C>;
  const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED, node);
  return { node, connection: { properties, credentials, expand } };
}

const asText = (value: unknown): string => (value === undefined || value === null ? "" : String(value).trim());

/**
 * The values to test a dialog's connection with, expanded, so that stored secrets cannot be lured elsewhere:
 * - a value the dialog left as deployed is the deployed value, expanded in the deployed node's context;
 * - a value the dialog changed is taken literally: `${NAME}` in it is refused, never expanded (it would read any
 *   environment variable, the credential secret included, and send it wherever the dialog points);
 * - a secret the dialog shows as the placeholder (or does not send) is the stored one, allowed only while every
 *   destination field still holds the deployed node's value. A dialog pointing elsewhere brings its own secrets.
 * Throws RefusedRequest naming the field.
 */
export function dialogConnection<P extends object, C extends object>(
  request: DialogConnection<P, C>,
): { props: Partial<P>; credentials: C } {
  const { owner, body, deployed } = request;
  const take = (name: string, given: unknown, stored: unknown): string | undefined => {
    if (deployed && asText(given) === asText(stored)) return deployed.expand(stored as string | undefined);
    if (given === undefined || given === null) return undefined;
    const value = String(given);
    if (value.includes("${")) {
      throw new RefusedRequest(
        `${owner}: test connection does not expand \${…} in a value the dialog changed (${name}): deploy, then test`,
      );
    }
    return value;
  };
  const props: Partial<P> = {};
  for (const name of request.propertyNames) {
    const value = take(String(name), body[name as string], deployed?.properties[name]);
    if (value !== undefined) (props as Record<string, unknown>)[name as string] = value;
  }
  const credentials = {} as C;
  const storedSecrets: string[] = [];
  for (const name of request.credentialNames) {
    const given = body[name as string];
    const stored = deployed?.credentials[name] as string | undefined;
    const isSecret = request.secretNames.includes(name);
    const useStored = given === undefined || (isSecret && given === STORED_PASSWORD_PLACEHOLDER);
    // Retyping a stored `${NAME}` reads the stored secret as well (retyping the secret itself reveals nothing).
    const retypedPlaceholder =
      deployed !== undefined && asText(given) === asText(stored) && asText(stored).includes("${");
    const fromDeployment = useStored || retypedPlaceholder;
    if (isSecret && fromDeployment && stored) storedSecrets.push(String(name));
    (credentials as Record<string, string | undefined>)[name as string] = useStored
      ? deployed?.expand(stored)
      : take(String(name), given, stored);
  }
  if (storedSecrets.length && deployed) {
    const moved = request.destinationNames.find(
      (name) => asText(props[name]) !== asText(deployed.expand(deployed.properties[name] as string | undefined)),
    );
    if (moved) {
      throw new RefusedRequest(
        `${owner}: the dialog changed ${String(moved)}: enter ${storedSecrets.join(" and ")} again to test that ` +
          "connection (stored secrets are sent only to the deployed node's own servers)",
      );
    }
  }
  return { props, credentials };
}

/** Work of the nodes using a config node that must finish before its connection closes (keepOpenWhile). */
const pendingWork = new WeakMap<Node, Set<Promise<unknown>>>();

/**
 * Keeps the connection of config node `owner` open until `work` (a user node's last round, finishing in its close
 * handler) has settled. Node-RED stops all flows at once — the config nodes' flow last, but without waiting for the
 * others — so a poller's last requests would otherwise meet a closed connection.
 */
export function keepOpenWhile(owner: Node, work: Promise<unknown>): void {
  const pending = pendingWork.get(owner) ?? new Set<Promise<unknown>>();
  pendingWork.set(owner, pending);
  const settled: Promise<unknown> = work.then(
    () => pending.delete(settled),
    () => pending.delete(settled),
  );
  pending.add(settled);
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
    Promise.allSettled(pendingWork.get(owner) ?? [])
      .then(() => closing?.close())
      .then(
        () => done(),
        () => done(),
      );
  });
  return () => (client ??= create());
}

/** The numeric fields every connection config node declares, with their defaults (a number or `${ENV}`). */
export function connectionLimitProperties(defaults: Record<ConnectionLimitName, number>) {
  const entry = (name: ConnectionLimitName, helpType: string) => ({
    value: String(defaults[name]),
    validate: "numberOrEnv",
    helpType,
  });
  return {
    timeoutMs: entry("timeoutMs", "ms"),
    deadlineMs: entry("deadlineMs", "ms"),
    minBytesPerSecond: entry("minBytesPerSecond", "bytes/s"),
    maxResponseMiB: entry("maxResponseMiB", "MiB"),
    maxConcurrent: entry("maxConcurrent", "number"),
    retryAttempts: entry("retryAttempts", "number"),
    retryBaseDelayMs: entry("retryBaseDelayMs", "ms"),
    retryMaxDelayMs: entry("retryMaxDelayMs", "ms"),
  };
}

type ConnectionLimitName =
  | "timeoutMs"
  | "deadlineMs"
  | "minBytesPerSecond"
  | "maxResponseMiB"
  | "maxConcurrent"
  | "retryAttempts"
  | "retryBaseDelayMs"
  | "retryMaxDelayMs";
