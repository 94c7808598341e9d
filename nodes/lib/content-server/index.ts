import { CategoriesApi } from "./categories";
import { DocumentsApi } from "./documents";
import { asRecord, toNumber, toStringValue } from "./envelopes";
import { Transport } from "./http";
import { NodesApi } from "./nodes";
import { RecordsApi } from "./records";
import { SearchApi } from "./search";
import { VolumesApi } from "./volumes";
import type { ConnectionCheck, ContentServerClientOptions, CurrentUser, ServerInfo } from "./types";
import { DEFAULT_DRAFT_FORM_PATH, WorkflowsApi } from "./workflows";
import { WorkspacesApi } from "./workspaces";

/** Enterprise Workspace, node id 2000 by CS convention; only a context for category forms, configurable. */
const ENTERPRISE_WORKSPACE_ID = 2000;

/**
 * The typed Content Server REST client. One instance per connection (the cs-config node owns it); all nodes that
 * use the connection share its login, its concurrency limit and its retry policy. Operations are grouped by API
 * area: `nodes`, `documents`, `categories`, `search`, `workspaces`, `records`, `workflows`.
 */
export class ContentServerClient {
  readonly nodes: NodesApi;
  readonly documents: DocumentsApi;
  readonly categories: CategoriesApi;
  readonly search: SearchApi;
  readonly volumes: VolumesApi;
  readonly workspaces: WorkspacesApi;
  readonly records: RecordsApi;
  readonly workflows: WorkflowsApi;
  private readonly transport: Transport;
  private closed = false;

  constructor(options: ContentServerClientOptions) {
    this.transport = new Transport(options);
    this.nodes = new NodesApi(this.transport);
    this.search = new SearchApi(this.transport);
    this.documents = new DocumentsApi(this.transport, this.nodes);
    this.volumes = new VolumesApi(this.transport, this.nodes, this.search);
    this.categories = new CategoriesApi(
      this.transport,
      this.nodes,
      this.volumes,
      options.definitionContextNodeId ?? ENTERPRISE_WORKSPACE_ID,
    );
    this.workspaces = new WorkspacesApi(this.transport, this.nodes);
    this.records = new RecordsApi(this.transport, this.volumes);
    this.workflows = new WorkflowsApi(this.transport, options.draftFormPath?.trim() || DEFAULT_DRAFT_FORM_PATH);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** Logins performed so far (one per expiry, however many requests met it). */
  get loginCount(): number {
    return this.transport.session.loginCount;
  }

  /** Requests in flight and waiting for a slot on this connection. */
  get load(): { running: number; queued: number } {
    return { running: this.transport.limiter.running, queued: this.transport.limiter.queued };
  }

  /** Logs in now (otherwise the first request does). */
  async login(): Promise<void> {
    await this.transport.session.current();
  }

  /** `GET api/v1/serverinfo`: version, session settings. */
  async getServerInfo(): Promise<ServerInfo> {
    const response = await this.transport.json({
      operation: "getServerInfo",
      method: "GET",
      path: "api/v1/serverinfo",
    });
    const raw = asRecord(response.data);
    return { version: toStringValue(asRecord(raw.server).version), raw };
  }

  /** `GET api/v1/auth`: the user the connection acts as. */
  async getCurrentUser(): Promise<CurrentUser> {
    const response = await this.transport.json({ operation: "getCurrentUser", method: "GET", path: "api/v1/auth" });
    const data = asRecord(asRecord(response.data).data);
    return { id: toNumber(data.id) ?? 0, name: toStringValue(data.name) ?? "", raw: data };
  }

  /** `GET api/v1/ping`: true when CS answers. */
  async ping(): Promise<boolean> {
    await this.transport.json({ operation: "ping", method: "GET", path: "api/v1/ping" });
    return true;
  }

  /** Logs in and reports server version and user name (the editor's "test connection"). */
  async testConnection(): Promise<ConnectionCheck> {
    const user = await this.getCurrentUser();
    let serverVersion: string | undefined;
    try {
      serverVersion = (await this.getServerInfo()).version;
    } catch {
      // serverinfo is informative only; the login is what the check proves
    }
    return { serverVersion, userName: user.name, userId: user.id };
  }

  /** Logs out (CS ticket mode) and releases sockets; the client is not usable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close();
  }
}

export { ContentServerError, isContentServerError } from "./errors";
export { DEFAULT_OTDS_TICKET_USE } from "./session";
export type { ContentServerErrorCode } from "./errors";
export { mimeTypeFor } from "./documents";
export { flattenCategoryValues, nestCategoryValues } from "./categories";
export type { CategoryRef, ResolvedCategoryValues } from "./categories";
export { DOCUMENT_TYPE, FOLDER_TYPE } from "./nodes";
export { BUSINESS_WORKSPACE_TYPE } from "./workspaces";
export * from "./types";
