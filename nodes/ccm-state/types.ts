import type { Node, NodeDef } from "node-red";
import type { StateStore } from "../lib/state";

/** ccm-state properties as the editor stores them (`${ENV}` allowed everywhere). */
export interface StateConfigProperties {
  /** file | postgresql */
  kind: string;
  /** postgresql://host:port/database */
  url?: string;
  /** verify | no-verify | off */
  tls?: string;
  /** PEM file of the CA of the server certificate (blank: the system's CAs). */
  caFile?: string;
  poolSize?: string | number;
  schema?: string;
}

export interface StateConfigCredentials {
  user?: string;
  password?: string;
}

export type StateConfigDef = NodeDef & StateConfigProperties;

export interface StateConfigNode extends Node<StateConfigCredentials> {
  /** A store for one user node; closing it closes only what that user opened. */
  openStore(): StateStore;
}
