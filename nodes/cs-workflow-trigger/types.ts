import type { Node, NodeDef } from "node-red";

export type TriggerMode = "poll" | "callback";

/** cs-workflow-trigger properties as the editor stores them (strings until parsed; `${ENV}` allowed). */
export interface CsWorkflowTriggerProperties {
  server: string;
  /** Durable state configuration (ccm-state); blank = the journal file in the user dir. */
  state?: string;
  mode: TriggerMode | string;
  /** Workflow maps by id or name, comma- or line-separated; empty = all maps. */
  maps?: string;
  /** Step names, comma- or line-separated; empty = all steps. */
  steps?: string;
  /** Folder holding the maps: names are looked up there instead of through search. */
  mapFolderId?: string;
  /** A task whose map the filter cannot identify: held with a warning (default) or emitted. */
  unidentifiedMaps?: "hold" | "emit" | string;
  pollIntervalMs?: string | number;
  /** A task still assigned this long after it was emitted is emitted again. */
  reemitAfterMs?: string | number;
  maxInFlight?: string | number;
  /** 0 = unlimited. */
  maxEmissions?: string | number;
  downloadContent?: boolean;
  /** Default: `<userDir>/cs-workflow-trigger/attachments`. */
  downloadDir?: string;
  callbackPath?: string;
  callbackAuth?: "secret" | "hmac" | string;
  callbackHeader?: string;
}

export type CsWorkflowTriggerDef = NodeDef & CsWorkflowTriggerProperties;

export interface CsWorkflowTriggerCredentials {
  callbackSecret?: string;
}

export type CsWorkflowTriggerNode = Node<CsWorkflowTriggerCredentials>;
