import type { Node, NodeDef } from "node-red";
import type { AuthMode, ContentServerClient, ContentServerClientOptions, OtdsTicketUse } from "../lib/content-server";

/** cs-config properties as the editor stores them (all strings until parsed; `${ENV}` allowed everywhere). */
export interface CsConfigProperties {
  baseUrl: string;
  authMode: AuthMode | string;
  otdsUrl?: string;
  /** Modes otds / oauth: "exchange" (default) or "direct". */
  otdsTicketUse?: OtdsTicketUse | string;
  domain?: string;
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
  draftFormPath?: string;
  maxConcurrent?: string | number;
  retryAttempts?: string | number;
  retryBaseDelayMs?: string | number;
  retryMaxDelayMs?: string | number;
}

export type CsConfigDef = NodeDef & CsConfigProperties;

export interface CsConfigCredentials {
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface CsConfigNode extends Node<CsConfigCredentials> {
  /** The connection shared by every node that uses this config (created on first use, closed with the node). */
  getClient(): ContentServerClient;
  /** The options the client is built from (values expanded, credentials included: never log this). */
  clientOptions(): ContentServerClientOptions;
}

/** Body of POST cs-config/test-connection: a deployed node's id, and/or the dialog's current (unsaved) values. */
export interface TestConnectionRequest extends Partial<CsConfigProperties>, CsConfigCredentials {
  id?: string;
}
