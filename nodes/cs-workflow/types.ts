import type { Node, NodeDef } from "node-red";

export type WorkflowOperation = "start" | "complete";

/** cs-workflow properties as the editor stores them; every `<prop>` has a TypedInput `<prop>Type` beside it. */
export interface CsWorkflowProperties {
  server: string;
  operation: WorkflowOperation | string;
  /** start: map id or NAME (blank = `msg.workflow.mapId` / `msg.workflow.mapName`). */
  map?: string;
  mapType?: string;
  /** Folder holding the maps: names are looked up there instead of through search. */
  mapFolderId?: string;
  title?: string;
  titleType?: string;
  comment?: string;
  commentType?: string;
  /** start: attributes by name; complete: values by name to update before sending on. */
  attributes?: string;
  attributesType?: string;
  /** start: node ids of documents to attach (number, list, comma-separated). */
  docIds?: string;
  docIdsType?: string;
  processId?: string;
  processIdType?: string;
  subprocessId?: string;
  subprocessIdType?: string;
  taskId?: string;
  taskIdType?: string;
  /** complete: standard action (SendOn, …); exclusive with customAction. */
  action?: string;
  actionType?: string;
  /** complete: disposition (Approve, Reject, …); exclusive with action. */
  customAction?: string;
  customActionType?: string;
}

export type CsWorkflowDef = NodeDef & CsWorkflowProperties;

export type CsWorkflowNode = Node;
