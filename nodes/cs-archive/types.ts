import type { Node, NodeDef } from "node-red";
import type { ExistsPolicy } from "../lib/archive";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

export type TargetType = "folder" | "path" | "workspaceBo" | "workspaceName";
export type RelatedMode = "none" | "beside" | "recordFolder";
export type Operation = "archive" | "updateMetadata";

/** cs-archive properties as the editor stores them (see properties.ts); `<prop>Type` is the TypedInput type. */
export type CsArchiveProperties = PropertiesWith<
  typeof properties,
  {
    server: string;
    operation?: Operation;
    targetType: TargetType;
    existsPolicy?: ExistsPolicy;
    related?: RelatedMode;
    maxNameLength?: string | number;
    ambiguousSettleMs?: string | number;
  }
>;

export type CsArchiveDef = NodeDef & CsArchiveProperties;

export type CsArchiveNode = Node;

/** `msg.document.related[]` entries this node understands (files on disk). */
export interface RelatedRendition {
  path?: string;
  /** The bytes, for renditions kept in memory (e.g. on-demand output). */
  content?: Buffer;
  fileName?: string;
  mimeType?: string;
  channel?: string;
  queue?: string;
}
