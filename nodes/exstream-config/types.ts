import type { Node, NodeDef } from "node-red";
import type { ExstreamClient, ExstreamClientOptions } from "../lib/exstream";

/** exstream-config properties as the editor stores them (strings until parsed; `${ENV}` allowed everywhere). */
export interface ExstreamConfigProperties {
  /** Ingress in front of /orchestration and /design, e.g. https://exstream.example.com */
  baseUrl: string;
  domain: string;
  /** Full OTDS token URL; when blank it is derived from `otdsUrl` (or the base URL) + `tokenPath` + `tenant`. */
  tokenUrl?: string;
  tenant?: string;
  otdsUrl?: string;
  /** Path template with `{tenant}`; default `/otdsws/otdstenant/{tenant}/oauth2/token`. */
  tokenPath?: string;
  grantType: "client_credentials" | "password" | string;
  /** How the client id/secret are sent: "body" (form fields) or "basic" (HTTP Basic). */
  clientAuth?: "body" | "basic" | string;
  scope?: string;
  /** id of a core `tls-config` node, or "" */
  tls?: string;
  /** id of a core `http proxy` node, or "" (then HTTP_PROXY / HTTPS_PROXY / NO_PROXY decide) */
  proxy?: string;
  timeoutMs?: string | number;
  /** Overall deadline of a JSON exchange (ms; 0 = none). */
  deadlineMs?: string | number;
  /** Slowest accepted content transfer (bytes/s; 0 = none). */
  minBytesPerSecond?: string | number;
  /** Largest JSON answer (MiB). */
  maxResponseMiB?: string | number;
  maxConcurrent?: string | number;
  retryAttempts?: string | number;
  retryBaseDelayMs?: string | number;
  retryMaxDelayMs?: string | number;
  /** Batch input route below /orchestration/api/v1 with {domain} and {channel}. */
  batchInputPath?: string;
  runtimeFilterStyle?: "auto" | "semicolon" | "object" | string;
  /** CSRF cookie of the HTTP input channels, and an optional header carrying the same value. */
  csrfCookieName?: string;
  csrfHeaderName?: string;
}

export type ExstreamConfigDef = NodeDef & ExstreamConfigProperties;

export interface ExstreamConfigCredentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

export interface ExstreamConfigNode extends Node<ExstreamConfigCredentials> {
  /** The client shared by every node that uses this config (created on first use, closed with the node). */
  getClient(): ExstreamClient;
  /** The options the client is built from (values expanded, credentials included: never log this). */
  clientOptions(): ExstreamClientOptions;
}

/** Body of POST exstream-config/test-connection: a deployed node's id, and/or the dialog's current (unsaved) values. */
export interface TestConnectionRequest extends Partial<ExstreamConfigProperties>, ExstreamConfigCredentials {
  id?: string;
}
