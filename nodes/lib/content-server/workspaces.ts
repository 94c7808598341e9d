import { nestCategoryValues } from "./categories";
import { ContentServerError } from "./errors";
import {
  asArray,
  asRecord,
  readPaging,
  toCsNode,
  toNumber,
  toStringValue,
  v2ListResults,
  v2Results,
} from "./envelopes";
import { bodyField, type QueryParams, type Transport } from "./http";
import { DOCUMENT_TYPE, positiveId, type NodesApi } from "./nodes";
import type { BusinessObjectRef, CreateWorkspaceRequest, CsNode, Page, WorkspaceType } from "./types";

export const BUSINESS_WORKSPACE_TYPE = 848;
const WORKSPACE_PAGE_SIZE = 100;

/** Extended ECM business workspaces: types, lookup by business object or by type + name, creation, documents. */
export class WorkspacesApi {
  constructor(
    private readonly transport: Transport,
    private readonly nodes: NodesApi,
  ) {}

  async listWorkspaceTypes(filter: { extSystemId?: string; boType?: string } = {}): Promise<WorkspaceType[]> {
    const response = await this.transport.json({
      operation: "listWorkspaceTypes",
      method: "GET",
      path: "api/v2/businessworkspacetypes",
      query: {
        expand_templates: "true",
        expand_wksp_info: "true",
        ext_system_id: filter.extSystemId,
        bo_type: filter.boType,
      },
    });
    return v2ListResults(response.data).map((result) => {
      const properties = asRecord(asRecord(result.data).properties);
      return {
        id: toNumber(properties.wksp_type_id) ?? 0,
        name: toStringValue(properties.wksp_type_name) ?? "",
        templates: asArray(properties.templates)
          .map(asRecord)
          .map((t) => ({ id: toNumber(t.id) ?? 0, name: toStringValue(t.name) ?? "" })),
        raw: properties,
      };
    });
  }

  /**
   * The workspace linked to a business object, or undefined (an empty list or a not-found answer: the evidence shows
   * only the found case).
   */
  async findWorkspaceByBusinessObject(ref: BusinessObjectRef): Promise<CsNode | undefined> {
    const segments = [ref.extSystemId, ref.boType, ref.boId].map(encodeURIComponent);
    try {
      const response = await this.transport.json({
        operation: "findWorkspaceByBusinessObject",
        method: "GET",
        path: `api/v2/externalsystems/${segments[0]}/botypes/${segments[1]}/boids/${segments[2]}`,
      });
      const [first] = v2ListResults(response.data);
      return first && toCsNode(asRecord(asRecord(first.data).properties));
    } catch (err) {
      if (err instanceof ContentServerError && err.isNotFound) return undefined;
      throw err;
    }
  }

  /** The workspace of a type (id or name) with exactly this name, or undefined. */
  async findWorkspaceByName(type: { id?: number; name?: string }, name: string): Promise<CsNode | undefined> {
    if (type.id === undefined && !type.name) {
      throw new ContentServerError({
        operation: "findWorkspaceByName",
        code: "INVALID_REQUEST",
        message: "findWorkspaceByName: workspace type id or name is required",
      });
    }
    const page = await this.listWorkspaces(
      {
        where_workspace_type_id: type.id,
        where_workspace_type_name: type.id === undefined ? type.name : undefined,
        where_name: name,
      },
      "findWorkspaceByName",
    );
    return (
      page.items.find((item) => item.name === name) ??
      page.items.find((i) => i.name.toLowerCase() === name.toLowerCase())
    );
  }

  /** One page of workspaces matching `where_*` filters (`expanded_view=true`: all, not only recently used). */
  async listWorkspaces(filters: QueryParams, operation = "listWorkspaces", page = 1): Promise<Page<CsNode>> {
    const response = await this.transport.json({
      operation,
      method: "GET",
      path: "api/v2/businessworkspaces",
      query: { ...filters, expanded_view: "true", page, limit: WORKSPACE_PAGE_SIZE },
    });
    const items = v2ListResults(response.data).map((result) => toCsNode(asRecord(asRecord(result.data).properties)));
    return { items, paging: readPaging(response.data, items.length, { page, limit: WORKSPACE_PAGE_SIZE }) };
  }

  async getWorkspace(id: number): Promise<CsNode> {
    const response = await this.transport.json({
      operation: "getWorkspace",
      method: "GET",
      path: `api/v2/businessworkspaces/${positiveId(id, "getWorkspace")}`,
    });
    const properties = asRecord(asRecord(v2Results(response.data).data).properties);
    return toNumber(properties.id) !== undefined ? toCsNode(properties) : this.nodes.getNode(id);
  }

  /**
   * Creates a workspace from a template (`body` JSON; categories nested per category). Not repeated after an
   * ambiguous failure: look it up by business object or name first.
   */
  async createWorkspace(request: CreateWorkspaceRequest): Promise<CsNode> {
    const operation = "createWorkspace";
    const body: Record<string, unknown> = {
      template_id: positiveId(request.templateId, operation),
      wksp_type_id: positiveId(request.typeId, operation),
      type: BUSINESS_WORKSPACE_TYPE,
      name: request.name,
      description: request.description,
      parent_id: request.parentId,
    };
    if (request.categories && Object.keys(request.categories).length) {
      body.roles = { categories: nestCategoryValues(request.categories) };
    }
    if (request.businessObject) {
      body.ext_system_id = request.businessObject.extSystemId;
      body.bo_type = request.businessObject.boType;
      body.bo_id = request.businessObject.boId;
    }
    const response = await this.transport.json({
      operation,
      method: "POST",
      path: "api/v2/businessworkspaces",
      form: bodyField(body),
    });
    const id = toNumber(v2Results(response.data).id) ?? toNumber(asRecord(response.data).id);
    if (id === undefined) {
      throw new ContentServerError({ operation, code: "BAD_RESPONSE", message: `${operation}: no id in the answer` });
    }
    return this.nodes.getNode(id);
  }

  /** Documents in a workspace; with `recursive`, also those in its sub-folders (breadth first). */
  async listWorkspaceDocuments(workspaceId: number, options: { recursive?: boolean } = {}): Promise<CsNode[]> {
    const documents: CsNode[] = [];
    const queue = [positiveId(workspaceId, "listWorkspaceDocuments")];
    while (queue.length) {
      const containerId = queue.shift() as number;
      for await (const child of this.nodes.iterateChildren(containerId)) {
        if (child.type === DOCUMENT_TYPE) documents.push(child);
        else if (options.recursive && child.container) queue.push(child.id);
      }
    }
    return documents;
  }
}
