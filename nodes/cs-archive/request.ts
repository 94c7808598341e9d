import path from "node:path";
import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { ContentServerClient } from "../lib/content-server";
import {
  ArchiveError,
  cleanNodeName,
  knownDigestOf,
  relatedName,
  renderNameTemplate,
  type ArchiveRequest,
  type ArchiveTarget,
  type NameRules,
  type RelatedItem,
} from "../lib/archive";
import type { DocumentContent } from "../lib/content-server";
import { requireAllowedFile } from "../lib/archive/allowed-roots";
import { resolveTypedValue } from "../lib/node-red/inputs";
import type { CsArchiveProperties, RelatedRendition } from "./types";

type Msg = NodeMessage & Record<string, unknown>;

/** Reads one message into an archive request: content, target, name, categories, related renditions. */
export class RequestBuilder {
  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    private readonly config: CsArchiveProperties,
    private readonly nameRules: NameRules,
    /** Folders files may be read from (checked before any request). */
    private readonly allowedRoots: () => readonly string[],
  ) {}

  async build(msg: Msg, client: ContentServerClient): Promise<ArchiveRequest> {
    const document = record(msg.document);
    const content = contentOf(msg, document);
    const sourceName =
      stringOr(document.fileName) ?? ("path" in content ? path.basename(content.path) : stringOr(msg.name));
    const template = (this.config.nameTemplate ?? "").trim();
    const rawName = template ? renderNameTemplate(template, msg) : sourceName;
    const name = this.clean(rawName ?? "", "name");
    const primary = {
      name,
      content: { ...content, fileName: name, mimeType: stringOr(document.mimeType) },
      knownDigest: "path" in content && document.path === content.path ? knownDigestOf(document) : undefined,
    };
    const related = this.relatedOf(document, name);
    await this.requireAllowedFiles([
      ["msg.filename", primary.content],
      ...related.map((item, index) => [`document.related[${index}]`, item.content] as const),
    ]);
    const recordFolderTemplate = (this.config.recordFolderTemplate ?? "").trim();
    return {
      target: await this.target(msg),
      primary,
      ...(await this.categoriesOf(msg, client)),
      related,
      relatedPlacement: this.config.related === "recordFolder" ? "recordFolder" : "beside",
      recordFolderName:
        related.length && this.config.related === "recordFolder"
          ? this.clean(
              recordFolderTemplate ? renderNameTemplate(recordFolderTemplate, msg) : withoutExtension(name),
              "record folder",
            )
          : undefined,
    };
  }

  /** The configured value (`{{…}}` placeholders filled for text), or the msg/flow/global/env value. */
  async value(msg: Msg, value: string | undefined, type: string | undefined): Promise<unknown> {
    const resolved = await resolveTypedValue(this.RED, this.node, msg, { value, type });
    return typeof resolved === "string" && (type ?? "str") === "str" ? renderNameTemplate(resolved, msg) : resolved;
  }

  async id(msg: Msg, value: string | undefined, type: string | undefined, what: string): Promise<number> {
    const resolved = await this.value(msg, value, type);
    const id = typeof resolved === "number" ? resolved : Number(String(resolved ?? "").trim());
    if (!Number.isInteger(id) || id <= 0) {
      throw new ArchiveError(`${what}: "${String(resolved ?? "")}" is not a node id`, true, "INVALID_ID");
    }
    return id;
  }

  private async target(msg: Msg): Promise<ArchiveTarget> {
    const c = this.config;
    const subFolder = c.subFolder ? renderNameTemplate(c.subFolder, msg) : undefined;
    switch (c.targetType) {
      case "path":
        return {
          kind: "path",
          rootId: await this.id(msg, c.rootId, c.rootIdType ?? "num", "root folder"),
          path: String((await this.value(msg, c.folderPath, c.folderPathType)) ?? ""),
        };
      case "workspaceBo": {
        const boId = await this.value(msg, c.boId, c.boIdType ?? "msg");
        if (boId === undefined || boId === null || boId === "") {
          throw new ArchiveError("no business object id for the workspace", true, "NO_BUSINESS_OBJECT");
        }
        return {
          kind: "workspaceByBusinessObject",
          businessObject: { extSystemId: c.extSystemId ?? "", boType: c.boType ?? "", boId: String(boId) },
          subFolder,
        };
      }
      case "workspaceName": {
        const name = await this.value(msg, c.workspaceName, c.workspaceNameType ?? "msg");
        if (typeof name !== "string" || !name.trim()) {
          throw new ArchiveError("no workspace name", true, "NO_WORKSPACE_NAME");
        }
        const type = (c.workspaceType ?? "").trim();
        return {
          kind: "workspaceByName",
          workspaceType: /^\d+$/.test(type) ? { id: Number(type) } : { name: type },
          name: name.trim(),
          subFolder,
        };
      }
      default:
        return {
          kind: "folder",
          folderId: await this.id(msg, c.folderId, c.folderIdType ?? "num", "folder"),
          subFolder,
        };
    }
  }

  /** `msg.categories` (from metadata-map), else `msg.metadata` by name resolved against the configured category. */
  async categoriesOf(msg: Msg, client: ContentServerClient): Promise<Pick<ArchiveRequest, "categories" | "metadata">> {
    const metadata = isRecord(msg.metadata) ? msg.metadata : undefined;
    if (isRecord(msg.categories)) return { categories: msg.categories, metadata };
    const category = (this.config.category ?? "").trim();
    if (metadata && category) {
      const resolved = await client.categories.resolveCategoryValues(category, metadata);
      return { categories: resolved.values, metadata };
    }
    return {};
  }

  private relatedOf(document: Record<string, unknown>, primaryName: string): RelatedItem[] {
    if (this.config.related !== "beside" && this.config.related !== "recordFolder") return [];
    const list = Array.isArray(document.related) ? [...(document.related as RelatedRendition[])] : [];
    const log = document.deliveryLog as RelatedRendition | undefined;
    if (this.config.includeDeliveryLog !== false && isRecord(log) && typeof log.path === "string") {
      list.push({ ...log, channel: "delivery-log" });
    }
    return list.map((item, index) => {
      const where = `document.related[${index}]`;
      const hasPath = !!item && typeof item.path === "string" && item.path !== "";
      if (!hasPath && !Buffer.isBuffer(item?.content)) {
        throw new ArchiveError(`${where} has neither path nor content`, true, "NO_CONTENT");
      }
      const fileName =
        stringOr(item.fileName) ?? (hasPath ? path.basename(item.path as string) : `related${index + 1}`);
      const label = (stringOr(item.channel) ?? stringOr(item.queue) ?? `related${index + 1}`)
        .replace(/[^\p{L}\p{N}_-]+/gu, "-")
        .toLowerCase();
      const name = this.clean(
        this.config.related === "beside" ? relatedName(primaryName, label, fileName) : fileName,
        `${where} name`,
      );
      const mimeType = stringOr(item.mimeType);
      const content: DocumentContent = hasPath
        ? { path: absolute(item.path as string), fileName: name, mimeType }
        : { buffer: item.content as Buffer, fileName: name, mimeType };
      return {
        name,
        label,
        content,
        knownDigest: hasPath ? knownDigestOf(item as Record<string, unknown>) : undefined,
      };
    });
  }

  private async requireAllowedFiles(contents: ReadonlyArray<readonly [string, DocumentContent]>): Promise<void> {
    const roots = this.allowedRoots();
    for (const [what, content] of contents) {
      if (!("path" in content)) continue;
      const facts = await requireAllowedFile(content.path, roots, what);
      // Just looked at: the archiver reuses a SHA-256 for these and the upload sends this many bytes.
      if (facts?.isFile) Object.assign(content, { size: facts.size, mtimeMs: facts.mtimeMs });
    }
  }

  private clean(name: string, what: string): string {
    const cleaned = cleanNodeName(name, this.nameRules);
    if (!cleaned) throw new ArchiveError(`${what}: nothing usable is left of "${name}"`, true, "INVALID_NAME");
    return cleaned;
  }
}

function contentOf(msg: Msg, document: Record<string, unknown>): DocumentContent {
  if (typeof msg.filename === "string" && msg.filename.trim()) return { path: absolute(msg.filename.trim()) };
  if (Buffer.isBuffer(msg.payload)) {
    return { buffer: msg.payload, fileName: stringOr(document.fileName) ?? stringOr(msg.name) ?? "document" };
  }
  throw new ArchiveError("no content: set msg.filename (a file path) or msg.payload (a Buffer)", true, "NO_CONTENT");
}

function absolute(filePath: string): string {
  if (!path.isAbsolute(filePath)) {
    throw new ArchiveError(`"${filePath}" is not an absolute path`, true, "RELATIVE_PATH");
  }
  return filePath;
}

function withoutExtension(name: string): string {
  const ext = path.extname(name);
  return ext && ext !== name ? name.slice(0, -ext.length) : name;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}
