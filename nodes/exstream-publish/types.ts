import type { Node, NodeDef, NodeMessage } from "node-red";
import type { PublishInput, PublishReport } from "../lib/publish";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

/** exstream-publish properties as the editor stores them (see properties.ts). */
export type ExstreamPublishProperties = PropertiesWith<typeof properties, { server: string; resourceType: string }>;

export type ExstreamPublishDef = NodeDef & ExstreamPublishProperties;

export interface PublishMessage extends NodeMessage, PublishInput {
  exstream?: PublishReport;
  failure?: { reason: string; permanent: boolean };
}

export type ExstreamPublishNode = Node;
