import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileFacts } from "../files/file-thread";
import { PRIVATE_FILE_MODE } from "../reliability/private-files";
import { ContentServerError } from "./errors";
import { asArray, asRecord, toNumber, toStringValue, v2ListResults, v2Results, type Json } from "./envelopes";
import type { MultipartPart, Transport } from "./http";
import { DOCUMENT_TYPE, positiveId, validName, type NodesApi } from "./nodes";
import { flattenCategoryValues } from "./categories";
import type {
  CsNode,
  DocumentContent,
  DocumentVersion,
  DownloadedContent,
  UploadRequest,
  VersionRequest,
} from "./types";

/** CS truncates longer version descriptions (docs/api-evidence.md, "Documents and versions"). */
const MAX_VERSION_DESCRIPTION = 255;

/** Documents: upload (streamed from a path or from a Buffer), versions, download. */
export class DocumentsApi {
  constructor(
    private readonly transport: Transport,
    private readonly nodes: NodesApi,
  ) {}

  /**
   * Uploads a new document (multipart `body` JSON + `file`), categories and classifications in the same call.
   * Never repeated after the request may have reached CS: a lost answer surfaces as an error with
   * `mayHaveBeenProcessed`, and the caller looks the document up (parent + name / checksum) before trying again.
   */
  async uploadDocument(request: UploadRequest): Promise<CsNode> {
    const operation = "uploadDocument";
    const name = validName(request.name, operation);
    const body: Json = {
      type: DOCUMENT_TYPE,
      parent_id: positiveId(request.parentId, operation),
      name,
      description: request.description,
      external_create_date: request.externalCreateDate,
      external_modify_date: request.externalModifyDate,
    };
    const roles: Json = {};
    // v2 takes category values flat (docs/api-evidence.md, "Documents and versions").
    if (request.categories && Object.keys(request.categories).length > 0) {
      roles.categories = flattenCategoryValues(request.categories);
    }
    if (request.classificationIds?.length) roles.classifications = { create_id: [], id: request.classificationIds };
    if (Object.keys(roles).length > 0) body.roles = roles;
    const file = await filePart(request.content, operation, name);
    const response = await this.transport.json({
      operation,
      method: "POST",
      path: "api/v2/nodes",
      multipart: async () => [{ name: "body", value: JSON.stringify(body) }, file],
    });
    return this.nodes.createdNode(response.data, operation);
  }

  /** Adds a version (multipart: plain fields + `file`). Same no-blind-repeat rule as uploads. */
  async addVersion(nodeId: number, request: VersionRequest): Promise<DocumentVersion> {
    const operation = "addVersion";
    const id = positiveId(nodeId, operation);
    const file = await filePart(request.content, operation);
    const fields: Array<[string, string | undefined]> = [
      ["description", request.description?.slice(0, MAX_VERSION_DESCRIPTION)],
      ["add_major_version", request.addMajorVersion === undefined ? undefined : String(request.addMajorVersion)],
      ["external_create_date", request.externalCreateDate],
      ["external_modify_date", request.externalModifyDate],
    ];
    const response = await this.transport.json({
      operation,
      method: "POST",
      path: `api/v2/nodes/${id}/versions`,
      multipart: async () => [
        ...fields
          .filter((field): field is [string, string] => field[1] !== undefined)
          .map(([name, value]) => ({ name, value })),
        file,
      ],
    });
    const data = asRecord(v2Results(response.data).data);
    const versions = asArray(data.versions).map(asRecord);
    const version = versions.length ? versions[versions.length - 1] : undefined;
    if (version && toNumber(version.version_number) !== undefined) return toVersion(version, id);
    const v1Number = toNumber(asRecord(response.data).version_number);
    if (v1Number !== undefined) return toVersion(asRecord(response.data), id);
    return this.getLatestVersion(id);
  }

  async listVersions(nodeId: number): Promise<DocumentVersion[]> {
    const id = positiveId(nodeId, "listVersions");
    const response = await this.transport.json({
      operation: "listVersions",
      method: "GET",
      path: `api/v2/nodes/${id}/versions`,
    });
    return v2ListResults(response.data)
      .map((result) => asRecord(asRecord(result.data).versions))
      .filter((version) => toNumber(version.version_number) !== undefined)
      .map((version) => toVersion(version, id));
  }

  /** The latest version (v1 `versions/latest`; v2 has none). */
  async getLatestVersion(nodeId: number): Promise<DocumentVersion> {
    const id = positiveId(nodeId, "getLatestVersion");
    const response = await this.transport.json({
      operation: "getLatestVersion",
      method: "GET",
      path: `api/v1/nodes/${id}/versions/latest`,
    });
    return toVersion(asRecord(asRecord(response.data).data), id);
  }

  /**
   * Opens the content of the latest (or the given) version as a stream (v1 `content`, as PYX does). The caller must
   * consume or destroy the stream: it holds one of the connection's request slots until then.
   */
  async downloadContent(nodeId: number, options: { version?: number } = {}): Promise<DownloadedContent> {
    const response = await this.transport.stream(this.contentRequest(nodeId, options.version));
    return { stream: response.stream, contentType: response.contentType, contentLength: response.contentLength };
  }

  /**
   * Streams the content into `filePath`. The file appears only when complete (written beside it, then renamed);
   * an interrupted transfer is repeated from the start with the retry policy.
   */
  async downloadToFile(
    nodeId: number,
    filePath: string,
    options: { version?: number } = {},
  ): Promise<{ bytes: number; contentType?: string }> {
    const request = this.contentRequest(nodeId, options.version);
    // Unique per call: two readers of one workflow task (two flows in one runtime) may fetch the same file at once.
    const partial = `${filePath}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
    return this.transport.retrying(request.operation, "GET", true, async () => {
      const response = await this.transport.streamOnce(request);
      let bytes = 0;
      response.stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      try {
        await pipeline(response.stream, fs.createWriteStream(partial, { mode: PRIVATE_FILE_MODE }));
        assertComplete(bytes, response.contentLength, request.operation);
        await fs.promises.rename(partial, filePath);
      } catch (err) {
        await fs.promises.rm(partial, { force: true });
        throw transferError(err, request.operation);
      }
      return { bytes, contentType: response.contentType };
    });
  }

  /** Streams the content into `target` (one attempt: a half-written stream cannot be taken back). */
  async downloadToStream(
    nodeId: number,
    target: Writable,
    options: { version?: number; end?: boolean } = {},
  ): Promise<{ bytes: number; contentType?: string }> {
    const request = this.contentRequest(nodeId, options.version);
    const response = await this.transport.stream(request);
    let bytes = 0;
    response.stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
    try {
      await pipeline(response.stream, target, { end: options.end ?? true });
    } catch (err) {
      throw transferError(err, request.operation);
    }
    assertComplete(bytes, response.contentLength, request.operation);
    return { bytes, contentType: response.contentType };
  }

  private contentRequest(nodeId: number, version: number | undefined) {
    const id = positiveId(nodeId, "downloadContent");
    return {
      operation: "downloadContent",
      method: "GET" as const,
      path: version === undefined ? `api/v1/nodes/${id}/content` : `api/v1/nodes/${id}/versions/${version}/content`,
      accept: "application/octet-stream, */*",
    };
  }
}

function toVersion(raw: Json, nodeId: number): DocumentVersion {
  return {
    versionNumber: toNumber(raw.version_number) ?? 0,
    nodeId: toNumber(raw.id) ?? nodeId,
    fileName: toStringValue(raw.file_name) ?? toStringValue(raw.name),
    fileSize: toNumber(raw.file_size),
    mimeType: toStringValue(raw.mime_type),
    description: toStringValue(raw.description),
    createDate: toStringValue(raw.create_date),
    versionNumberName: toStringValue(raw.version_number_name),
    raw,
  };
}

/**
 * The file part of an upload, checked before anything is sent: a file path must name a readable file (its content
 * is read when the request goes out, in its concurrency slot, so waiting uploads hold no file content).
 */
async function filePart(content: DocumentContent, operation: string, fallbackName?: string): Promise<MultipartPart> {
  if ("buffer" in content) {
    if (!Buffer.isBuffer(content.buffer)) {
      throw new ContentServerError({
        operation,
        code: "INVALID_REQUEST",
        message: `${operation}: content is not a Buffer`,
      });
    }
    const type = content.mimeType ?? mimeTypeFor(content.fileName);
    return { name: "file", value: { type, buffer: content.buffer }, fileName: content.fileName };
  }
  const fileName = content.fileName ?? fallbackName ?? path.basename(content.path);
  const type = content.mimeType ?? mimeTypeFor(fileName);
  const size = content.size ?? (await fileSize(content.path, operation));
  return { name: "file", value: { type, path: content.path, size }, fileName };
}

async function fileSize(filePath: string, operation: string): Promise<number> {
  try {
    const facts = await fileFacts(filePath);
    if (!facts.isFile) throw new Error("not a file");
    return facts.size;
  } catch {
    throw new ContentServerError({
      operation,
      code: "INVALID_REQUEST",
      message: `${operation}: cannot read file ${filePath}`,
    });
  }
}

function assertComplete(bytes: number, expected: number | undefined, operation: string): void {
  if (expected !== undefined && bytes !== expected) {
    throw new ContentServerError({
      operation,
      code: "NETWORK",
      networkCode: "ERR_INCOMPLETE",
      mayHaveBeenProcessed: true,
      message: `${operation}: received ${bytes} of ${expected} bytes`,
    });
  }
}

function transferError(err: unknown, operation: string): ContentServerError {
  if (err instanceof ContentServerError) return err;
  const code = (err as { code?: unknown }).code;
  return new ContentServerError({
    operation,
    code: "NETWORK",
    networkCode: typeof code === "string" ? code : "ECONNRESET",
    mayHaveBeenProcessed: true,
    message: `${operation}: transfer interrupted (${(err as Error).message})`,
  });
}

const MIME_TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".xml": "application/xml",
  ".json": "application/json",
  ".html": "text/html",
  ".htm": "text/html",
  ".afp": "application/afp",
  ".ps": "application/postscript",
  ".pcl": "application/vnd.hp-pcl",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".svg": "image/svg+xml",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".zip": "application/zip",
  ".eml": "message/rfc822",
  ".msg": "application/vnd.ms-outlook",
};

/** MIME type from the file name's extension; `application/octet-stream` when unknown. */
export function mimeTypeFor(fileName: string): string {
  return MIME_TYPES[path.extname(fileName).toLowerCase()] ?? "application/octet-stream";
}
