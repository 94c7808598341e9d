import type { ImportedResource, PublishResult, PublishWorkflow } from "../exstream";

/** The Content Server identity of the published content (msg.cs or the first workflow attachment). */
export interface CsIdentity {
  nodeId?: string | number;
  version?: string | number;
  name?: string;
}

export interface MessageAttachment {
  id?: string | number;
  nodeId?: string | number;
  version?: string | number;
  versionNumber?: string | number;
  name?: string;
  /** Local copy of the content, when the trigger downloaded it. */
  path?: string;
  filename?: string;
}

/** What a message offers to publish: its content and where that content comes from. */
export interface PublishInput {
  payload?: unknown;
  filename?: string;
  cs?: CsIdentity & Record<string, unknown>;
  workflow?: { attachments?: MessageAttachment[] } & Record<string, unknown>;
}

/** The configured resource (a blank id or name: none). */
export interface ResourceNames {
  resourceId?: unknown;
  resourceName?: unknown;
}

/**
 * What was published, as the node reports it (`msg.exstream`): the resource (for a package its communication, else
 * its first resource) in the version the domain now holds.
 */
export interface PublishReport extends Omit<PublishResult, "publishedAt"> {
  /** resource: one design resource; package: a DAS export package imported. */
  mode: "resource" | "package";
  /** ISO 8601 date the approved version was reached (for the deployment record). */
  publishedAt: string;
  workflow: PublishWorkflow;
  domain: string;
  source: CsIdentity;
  /** package mode: every resource of the package as the domain now holds it. */
  resources?: ImportedResource[];
  /** package mode: resources the domain holds in a newer version, left as they are. */
  ignored?: ImportedResource[];
}

/** A message that cannot be published, named by its catalogue key under `errors.`. */
export type PublishProblem = "noContent" | "noResource" | "noType";
