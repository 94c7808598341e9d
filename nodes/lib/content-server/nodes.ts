import { ContentServerError } from "./errors";
import {
  asArray,
  asRecord,
  readPaging,
  toCsNode,
  toNumber,
  toStringValue,
  v2ListResults,
  v2Properties,
  v2Results,
} from "./envelopes";
import { bodyField, type Transport } from "./http";
import type { ChildrenQuery, CsNode, Page } from "./types";

export const FOLDER_TYPE = 0;
export const DOCUMENT_TYPE = 144;
/** CS refuses longer names (docs/api-evidence.md, "Nodes"). */
export const MAX_NAME_LENGTH = 248;
/** `where_name` is a contains filter, so several pages may need reading before the exact name shows up. */
const NAME_LOOKUP_PAGE_SIZE = 100;

export interface NodeUpdate {
  name?: string;
  description?: string;
  parentId?: number;
}

/** Nodes: get, browse, find by name, create folders (and whole paths), copy, move, rename, delete. */
export class NodesApi {
  /** Folder creations in flight from this client, so concurrent callers of ensureFolderPath share one. */
  private readonly creating = new Map<string, Promise<CsNode>>();

  constructor(private readonly transport: Transport) {}

  /** The node; ContentServerError with code NOT_FOUND when it does not exist (400 or 404, see options). */
  async getNode(id: number): Promise<CsNode> {
    const response = await this.transport.json({
      operation: "getNode",
      method: "GET",
      path: `api/v2/nodes/${positiveId(id, "getNode")}`,
      query: { fields: "properties" },
    });
    return toCsNode(v2Properties(response.data, "getNode"));
  }

  /** The node, or undefined when it does not exist. */
  async findNode(id: number): Promise<CsNode | undefined> {
    try {
      return await this.getNode(id);
    } catch (err) {
      if (err instanceof ContentServerError && err.isNotFound) return undefined;
      throw err;
    }
  }

  /** One page of a container's children (v2 `nodes/{id}/nodes`). */
  async listChildren(parentId: number, query: ChildrenQuery = {}): Promise<Page<CsNode>> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 100;
    const response = await this.transport.json({
      operation: "listChildren",
      method: "GET",
      path: `api/v2/nodes/${positiveId(parentId, "listChildren")}/nodes`,
      query: {
        where_name: query.whereName,
        where_type: query.whereType,
        sort: query.sort,
        page,
        limit,
        fields: "properties",
      },
    });
    const items = v2ListResults(response.data).map((result) => toCsNode(asRecord(asRecord(result.data).properties)));
    return { items, paging: readPaging(response.data, items.length, { page, limit }) };
  }

  /** All children matching the query, page by page. */
  async *iterateChildren(parentId: number, query: ChildrenQuery = {}): AsyncGenerator<CsNode> {
    const limit = query.limit ?? 100;
    for (let page = query.page ?? 1; ; page++) {
      const result = await this.listChildren(parentId, { ...query, page, limit });
      yield* result.items;
      if (result.items.length < limit || page >= result.paging.pageTotal) return;
    }
  }

  /** The child with exactly this name (CS's `where_name` only narrows the list), or undefined. */
  async findChildByName(parentId: number, name: string, options: { type?: number } = {}): Promise<CsNode | undefined> {
    const wanted = name.trim();
    let caseInsensitive: CsNode | undefined;
    for await (const child of this.iterateChildren(parentId, {
      whereName: wanted,
      whereType: options.type,
      limit: NAME_LOOKUP_PAGE_SIZE,
    })) {
      if (child.name === wanted) return child;
      if (!caseInsensitive && child.name.toLowerCase() === wanted.toLowerCase()) caseInsensitive = child;
    }
    // CS compares names case-insensitively when it checks for duplicates, so this is the item a create would hit.
    return caseInsensitive;
  }

  /** Creates a folder; DUPLICATE error when the name is taken. Not repeated after an ambiguous failure. */
  async createFolder(parentId: number, name: string, options: { description?: string } = {}): Promise<CsNode> {
    const response = await this.transport.json({
      operation: "createFolder",
      method: "POST",
      path: "api/v2/nodes",
      form: bodyField({
        type: FOLDER_TYPE,
        parent_id: positiveId(parentId, "createFolder"),
        name: validName(name, "createFolder"),
        description: options.description,
      }),
    });
    return this.createdNode(response.data, "createFolder");
  }

  /**
   * The folder at `path` below `rootId`, creating missing folders. Safe when several flows (or several Node-RED
   * instances) create the same path at once: a duplicate-name answer, or a create whose answer was lost, means
   * "someone else made it" and the folder is looked up again.
   */
  async ensureFolderPath(rootId: number, path: string | string[]): Promise<CsNode> {
    const segments = (Array.isArray(path) ? path : path.split("/")).map((s) => s.trim()).filter((s) => s !== "");
    let current = await this.getNode(rootId);
    for (const segment of segments) {
      current = await this.ensureChildFolder(current, validName(segment, "ensureFolderPath"));
    }
    return current;
  }

  async copyNode(id: number, targetParentId: number, options: { name?: string } = {}): Promise<CsNode> {
    const response = await this.transport.json({
      operation: "copyNode",
      method: "POST",
      path: "api/v2/nodes",
      form: bodyField({
        original_id: positiveId(id, "copyNode"),
        parent_id: positiveId(targetParentId, "copyNode"),
        name: options.name === undefined ? undefined : validName(options.name, "copyNode"),
      }),
    });
    return this.createdNode(response.data, "copyNode");
  }

  async moveNode(id: number, targetParentId: number): Promise<CsNode> {
    return this.updateNode(id, { parentId: targetParentId }, "moveNode");
  }

  async renameNode(id: number, name: string): Promise<CsNode> {
    return this.updateNode(id, { name }, "renameNode");
  }

  /** Rename / describe / move (PUT `nodes/{id}` with `body`). */
  async updateNode(id: number, update: NodeUpdate, operation = "updateNode"): Promise<CsNode> {
    const response = await this.transport.json({
      operation,
      method: "PUT",
      path: `api/v2/nodes/${positiveId(id, operation)}`,
      form: bodyField({
        name: update.name === undefined ? undefined : validName(update.name, operation),
        description: update.description,
        parent_id: update.parentId,
      }),
    });
    const properties = asRecord(asRecord(v2Results(response.data).data).properties);
    return toNumber(properties.id) !== undefined ? toCsNode(properties) : this.getNode(id);
  }

  /** Deletes the node (moves it to the recycle bin where CS has one). Not repeated after an ambiguous failure. */
  async deleteNode(id: number): Promise<void> {
    await this.transport.json({
      operation: "deleteNode",
      method: "DELETE",
      path: `api/v2/nodes/${positiveId(id, "deleteNode")}`,
    });
  }

  /** Which of `names` already exist in the container (name + id of each taken one). */
  async validateNames(parentId: number, names: string[]): Promise<Array<{ name: string; id: number }>> {
    const response = await this.transport.json({
      operation: "validateNames",
      method: "POST",
      path: "api/v1/validation/nodes/names",
      form: bodyField({ parent_id: positiveId(parentId, "validateNames"), names }),
      idempotent: true,
    });
    return asArray(asRecord(response.data).results)
      .map(asRecord)
      .map((item) => ({ name: toStringValue(item.name) ?? "", id: toNumber(item.id) ?? 0 }))
      .filter((item) => item.id > 0);
  }

  /** A create answer: v2 `results.data.properties`, or only an id (v1 / copies) — then the node is read. */
  async createdNode(body: unknown, operation: string): Promise<CsNode> {
    const properties = asRecord(asRecord(v2Results(body).data).properties);
    if (toNumber(properties.id) !== undefined && toStringValue(properties.name) !== undefined) {
      return toCsNode(properties);
    }
    const id = toNumber(properties.id) ?? toNumber(v2Results(body).id) ?? toNumber(asRecord(body).id);
    if (id === undefined) {
      throw new ContentServerError({ operation, code: "BAD_RESPONSE", message: `${operation}: no id in the answer` });
    }
    return this.getNode(id);
  }

  private ensureChildFolder(parent: CsNode, name: string): Promise<CsNode> {
    const key = `${parent.id}/${name.toLowerCase()}`;
    const pending = this.creating.get(key);
    if (pending) return pending;
    const run = this.lookUpOrCreate(parent, name).finally(() => this.creating.delete(key));
    this.creating.set(key, run);
    return run;
  }

  private async lookUpOrCreate(parent: CsNode, name: string): Promise<CsNode> {
    const existing = await this.findChildByName(parent.id, name);
    if (existing) return requireContainer(existing, name);
    try {
      return await this.createFolder(parent.id, name);
    } catch (err) {
      const maybeCreatedElsewhere =
        err instanceof ContentServerError &&
        (err.isDuplicate || err.mayHaveBeenProcessed || (err.status ?? 0) >= 500 || err.status === 400);
      if (!maybeCreatedElsewhere) throw err;
      const again = await this.findChildByName(parent.id, name);
      if (again) return requireContainer(again, name);
      throw err;
    }
  }
}

function requireContainer(node: CsNode, name: string): CsNode {
  if (!node.container) {
    throw new ContentServerError({
      operation: "ensureFolderPath",
      code: "INVALID_REQUEST",
      message: `ensureFolderPath: "${name}" exists in ${node.parentId} but is not a container (node ${node.id})`,
    });
  }
  return node;
}

export function positiveId(id: number, operation: string): number {
  if (!Number.isInteger(id) || id <= 0) {
    throw new ContentServerError({
      operation,
      code: "INVALID_REQUEST",
      message: `${operation}: node id must be a positive integer, got ${String(id)}`,
    });
  }
  return id;
}

/** Refuses names CS would refuse anyway, before a round trip. */
/**
 * Invisible format characters (Unicode category Cf): bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069)
 * that make `invoice\u202Efdp.exe_.pdf` display as a PDF, zero-width spaces and joiners, the byte-order mark.
 * Nobody types them into a name on purpose, so every name sent to CS loses them.
 */
export function withoutFormatCharacters(name: string): string {
  // No format character is printable ASCII: most names need no Unicode property scan.
  return /^[ -~]*$/.test(name) ? name : name.replace(/\p{Cf}/gu, "");
}

export function validName(name: string, operation: string): string {
  const trimmed = typeof name === "string" ? withoutFormatCharacters(name).trim() : "";
  if (trimmed === "") {
    throw new ContentServerError({ operation, code: "INVALID_REQUEST", message: `${operation}: name is empty` });
  }
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw new ContentServerError({
      operation,
      code: "INVALID_REQUEST",
      message: `${operation}: name is longer than ${MAX_NAME_LENGTH} characters`,
    });
  }
  return trimmed;
}
