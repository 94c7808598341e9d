import type { Node, NodeDef, NodeMessage } from "node-red";
import type { ImportedResource, PublishOutcome } from "../lib/exstream";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

/** exstream-publish properties as the editor stores them (see properties.ts). */
export type ExstreamPublishProperties = PropertiesWith<typeof properties, { server: string; resourceType: string }>;

export type ExstreamPublishDef = NodeDef & ExstreamPublishProperties;

/** The Content Server identity of the published content (msg.cs or the first workflow attachment). */
export interface CsIdentity {
  nodeId?: string | number;
  version?: string | number;
  name?: string;
}

export interface WorkflowAttachment {
  id?: string | number;
  nodeId?: string | number;
  version?: string | number;
  versionNumber?: string | number;
  name?: string;
  /** Local copy of the content, when the trigger downloaded it. */
  path?: string;
  filename?: string;
}

export interface PublishMsgExstream {
  /** resource: one design resource; package: a DAS export package imported. */
  mode: "resource" | "package";
  /** The resource published, or the package's communication (else its first resource). */
  resourceId: string;
  version: number;
  state: string;
  resourceName: string;
  resourceType: string;
  outcome: PublishOutcome;
  sha256: string;
  /** ISO 8601 date the approved version was reached (for the deployment record). */
  publishedAt: string;
  workflow: "standard" | "simple";
  domain: string;
  source: CsIdentity;
  /** package mode: every resource of the package as the domain now holds it. */
  resources?: ImportedResource[];
  /** package mode: resources the domain holds in a newer version, left as they are. */
  ignored?: ImportedResource[];
}

export interface PublishMessage extends NodeMessage {
  payload?: unknown;
  filename?: string;
  cs?: CsIdentity & Record<string, unknown>;
  workflow?: { attachments?: WorkflowAttachment[] } & Record<string, unknown>;
  exstream?: PublishMsgExstream;
  failure?: { reason: string; permanent: boolean };
}

export type ExstreamPublishNode = Node;
