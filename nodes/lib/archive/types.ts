import type { CategoryRef } from "../content-server/categories";
import type { BusinessObjectRef, CategoryValues, DocumentContent } from "../content-server/types";
import type { NameRules } from "./names";

/** Where a document goes. Sub-folders (`subFolder`, `path`) are created when missing. */
export type ArchiveTarget =
  | { kind: "folder"; folderId: number; subFolder?: string }
  | { kind: "path"; rootId: number; path: string }
  | { kind: "workspaceByBusinessObject"; businessObject: BusinessObjectRef; subFolder?: string }
  | { kind: "workspaceByName"; workspaceType: { id?: number; name?: string }; name: string; subFolder?: string };

/** What to do when the target already holds an item with the document's name (and different content). */
export type ExistsPolicy = "version" | "new" | "skip" | "fail";

export type ArchiveOutcome = "created" | "versioned" | "duplicate";

/** Where related renditions go: beside the primary with derived names, or all into a folder per communication. */
export type RelatedPlacement = "beside" | "recordFolder";

export interface ArchiverOptions {
  existsPolicy: ExistsPolicy;
  /** Category attribute (by name) holding the SHA-256; without it duplicates cannot be recognised by content. */
  checksumAttribute?: { category: CategoryRef; attribute: string };
  /** Download every stored version and compare its SHA-256 with the uploaded bytes. */
  verifyChecksum: boolean;
  /** RM classification (name or id) applied to every stored document. */
  rmClassification?: string | number;
  /** Legal hold (name or id) applied to every stored document. */
  hold?: string | number;
  /** Wait before looking a document up after a create with an unknown outcome. */
  ambiguousSettleMs: number;
  nameRules: NameRules;
}

export interface ArchiveItem {
  /** Final node name (already cleaned). */
  name: string;
  content: DocumentContent;
  /** A SHA-256 taken earlier from the file at `content.path`; reused while its size and modification time match. */
  knownDigest?: KnownDigest;
}

export interface KnownDigest {
  sha256: string;
  size: number;
  mtimeMs: number;
}

export interface RelatedItem extends ArchiveItem {
  /** Channel / queue / position, used to derive the name beside the primary. */
  label: string;
}

export interface ArchiveRequest {
  target: ArchiveTarget;
  primary: ArchiveItem;
  /** Category values by key, flat (`{cat}_{attr}`) or nested per category (`{ "<cat>": {…} }`). */
  categories?: CategoryValues;
  /** The same values by attribute name, used to resolve keys again when CS reports an unknown attribute. */
  metadata?: Record<string, unknown>;
  related?: RelatedItem[];
  relatedPlacement?: RelatedPlacement;
  /** Folder name per communication (placement "recordFolder"). */
  recordFolderName?: string;
}

export interface StoredItem {
  nodeId: number;
  version: number;
  parentId: number;
  name: string;
  outcome: ArchiveOutcome;
  sha256: string;
}

export interface ArchiveResult extends StoredItem {
  related?: StoredItem[];
}
