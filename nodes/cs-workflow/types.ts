import type { Node, NodeDef } from "node-red";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

export type WorkflowOperation = "start" | "complete";

/** cs-workflow properties as the editor stores them (see properties.ts); `<prop>Type` is the TypedInput type. */
export type CsWorkflowProperties = PropertiesWith<
  typeof properties,
  {
    server: string;
    operation: WorkflowOperation | string;
  }
>;

export type CsWorkflowDef = NodeDef & CsWorkflowProperties;

export type CsWorkflowNode = Node;
