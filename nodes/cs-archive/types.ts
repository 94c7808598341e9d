import type { Node, NodeDef } from "node-red";
import type { ExistsPolicy } from "../lib/archive";

export type TargetType = "folder" | "path" | "workspaceBo" | "workspaceName";
export type RelatedMode = "none" | "beside" | "recordFolder";
export type Operation = "archive" | "updateMetadata";

/** cs-archive properties as the editor stores them; `<prop>Type` is the TypedInput type of `<prop>`. */
export interface CsArchiveProperties {
  server: string;
  operation?: Operation;
  targetType: TargetType;
  folderId?: string;
  folderIdType?: string;
  rootId?: string;
  rootIdType?: string;
  folderPath?: string;
  folderPathType?: string;
  extSystemId?: string;
  boType?: string;
  boId?: string;
  boIdType?: string;
  workspaceType?: string;
  workspaceName?: string;
  workspaceNameType?: string;
  subFolder?: string;
  nameTemplate?: string;
  existsPolicy?: ExistsPolicy;
  category?: string;
  checksumAttribute?: string;
  verifyChecksum?: boolean;
  /** RM classification name or id (applied to every stored document). */
  rmClassification?: string;
  /** Legal hold name or id. */
  hold?: string;
  related?: RelatedMode;
  /** With related renditions: also store `msg.document.deliveryLog` (default true). */
  includeDeliveryLog?: boolean;
  recordFolderTemplate?: string;
  forbiddenCharacters?: string;
  replacement?: string;
  maxNameLength?: string | number;
  ambiguousSettleMs?: string | number;
  nodeId?: string;
  nodeIdType?: string;
}

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
