import type { Node, NodeDef } from "node-red";
import type { AttributeValueType, DateOrder } from "../lib/mapping";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

/** Where a rule's value comes from (TypedInput types; `key` and `wfattr` are this node's own). */
export type RuleSourceType = "key" | "wfattr" | "msg" | "jsonata" | "str" | "num" | "bool" | "env" | "flow" | "global";

/** One row of the rule table as the editor stores it. */
export interface RuleConfig {
  /** Target: a CS attribute name (category mode) or a free property name, dots for nesting (driver mode). */
  target: string;
  source: string;
  sourceType: RuleSourceType;
  /** "" = the category definition decides (string in driver mode). */
  type?: AttributeValueType | "";
  multi?: boolean;
  /** Splits a text value into several values (multi-valued targets), e.g. ";". */
  separator?: string;
  required?: boolean;
  default?: string;
  maxLength?: string | number;
  /** Comma-separated list of allowed values. */
  validValues?: string;
}

export type MappingMode = "category" | "driver";

/** metadata-map properties as the editor stores them (see properties.ts). */
export type MetadataMapProperties = PropertiesWith<
  typeof properties,
  {
    mode: MappingMode;
    rules: RuleConfig[];
    dateOrder?: DateOrder | "";
  }
>;

export type MetadataMapDef = NodeDef & MetadataMapProperties;

export type MetadataMapNode = Node;
