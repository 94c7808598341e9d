import type { Agent as HttpsAgent } from "node:https";
import type { Readable } from "node:stream";
import type { RetryPolicy } from "../reliability/retry";
import type { ProxySettings, TransferLimits } from "../transport";

/** How the client proves who it is (docs/api-evidence.md, "Authentication"). */
export type AuthMode = "cs" | "otds" | "oauth";

/**
 * What the client does with an OTDS ticket or OAuth bearer token (modes "otds" and "oauth"): `exchange` it once at
 * `GET api/v1/auth` for an `OTCSTicket` and send that (as pyxecm does), or send it `direct`ly on every call.
 */
export type OtdsTicketUse = "exchange" | "direct";

export interface CsCredentials {
  /** CS user / OTDS user (modes "cs" and "otds"). */
  username?: string;
  password?: string;
  /** CS login domain (mode "cs", optional). */
  domain?: string;
  /** OAuth2 client credentials (mode "oauth"). */
  clientId?: string;
  clientSecret?: string;
  /** OAuth2 scope (mode "oauth", optional). */
  scope?: string;
}

/** TLS options for an https Content Server, in the shape Node-RED's `tls-config.addTLSOptions` fills. */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  /** Certificate verification stays on unless this is explicitly false. */
  rejectUnauthorized?: boolean;
}

export interface Logger {
  debug?(message: string): void;
  warn?(message: string): void;
}

/**
 * `timeoutMs` (silence), `deadlineMs` (whole JSON exchange), `minBytesPerSecond` (content streams and uploads),
 * `maxResponseBytes` (JSON answers): see {@link TransferLimits}; unset ones take the defaults.
 */
export interface ContentServerClientOptions extends Partial<TransferLimits> {
  /** The full base URL including CS's base path, e.g. `https://host/otcs/cs.exe` or `http://127.0.0.1:8181/cs/cs`. */
  baseUrl: string;
  authMode?: AuthMode;
  credentials: CsCredentials;
  /** OTDS base URL (modes "otds" and "oauth"); default: the origin of `baseUrl`. */
  otdsUrl?: string;
  /** Modes "otds" and "oauth": exchange the OTDS credential for an OTCSTicket (default) or send it directly. */
  otdsTicketUse?: OtdsTicketUse;
  /** Requests in flight at once on this connection; further requests wait in line. */
  maxConcurrent?: number;
  /** Bound of that waiting line. */
  maxQueued?: number;
  retry?: Partial<RetryPolicy>;
  /** HTTP statuses CS answers for a missing node (400 per SPEC, 404 on some installations). */
  missingNodeStatuses?: number[];
  tls?: TlsOptions;
  /** A ready agent wins over `tls` and the proxy. */
  httpsAgent?: HttpsAgent;
  /** The connection's own proxy; without one, `HTTP(S)_PROXY` / `NO_PROXY` decide. */
  proxy?: ProxySettings;
  logger?: Logger;
  /** Container used when a category definition form needs a context node (Enterprise Workspace by convention). */
  definitionContextNodeId?: number;
  /**
   * Route of a draft process's form: pyxecm's `api/v1/forms/draftprocesses/update` (default; no specification
   * documents it) or the OpenAPI description's `api/v1/forms/draftprocesses`.
   */
  draftFormPath?: string;
}

/** A node (folder, document, workspace, …) as the nodes use it; `properties` keeps everything CS sent. */
export interface CsNode {
  id: number;
  parentId: number;
  name: string;
  type: number;
  typeName?: string;
  description?: string;
  container: boolean;
  size?: number;
  mimeType?: string;
  createDate?: string;
  modifyDate?: string;
  properties: Record<string, unknown>;
}

export interface Paging {
  page: number;
  limit: number;
  pageTotal: number;
  totalCount: number;
}

export interface Page<T> {
  items: T[];
  paging: Paging;
}

export type SortOrder = "name" | "asc_name" | "desc_name" | string;

export interface ChildrenQuery {
  /** `where_name`: CS treats it as a contains filter, not an exact match. */
  whereName?: string;
  /** Subtypes (-1 containers, -3 non-containers, 0 folder, 144 document, …). */
  whereType?: number | number[];
  sort?: SortOrder;
  page?: number;
  limit?: number;
}

/** Document content: a file path (streamed, never read into memory) or a Buffer. */
export type DocumentContent =
  | {
      path: string;
      fileName?: string;
      mimeType?: string;
      /** The file's size when the caller has just read or checked the file (spares a look before the upload). */
      size?: number;
      /** With `size`: its modification time then (spares a look before reusing a SHA-256 taken earlier). */
      mtimeMs?: number;
    }
  | { buffer: Buffer; fileName: string; mimeType?: string };

/** Flat category values keyed `{catId}_{attrId}` (or `{catId}_{setId}_{row}_{attrId}`). */
export type CategoryValues = Record<string, unknown>;

export interface UploadRequest {
  parentId: number;
  name: string;
  content: DocumentContent;
  description?: string;
  /** Flat `{cat}_{attr}` keys; keys of several categories may be mixed. */
  categories?: CategoryValues;
  /** Non-RM classification ids applied at creation. */
  classificationIds?: number[];
  externalCreateDate?: string;
  externalModifyDate?: string;
}

export interface VersionRequest {
  content: DocumentContent;
  description?: string;
  addMajorVersion?: boolean;
  externalCreateDate?: string;
  externalModifyDate?: string;
}

export interface DocumentVersion {
  versionNumber: number;
  nodeId?: number;
  fileName?: string;
  fileSize?: number;
  mimeType?: string;
  description?: string;
  createDate?: string;
  versionNumberName?: string;
  raw: Record<string, unknown>;
}

export interface DownloadedContent {
  stream: Readable;
  contentType?: string;
  contentLength?: number;
}

export interface NodeCategory {
  categoryId: number;
  name?: string;
  values: CategoryValues;
  /** Attribute metadata keyed like `values`, when requested. */
  metadata?: Record<string, Record<string, unknown>>;
}

export interface CategoryAttribute {
  /** Value key for plain attributes (`{cat}_{attr}`); for attributes inside a set, the row-1 key. */
  key: string;
  attributeId: number;
  name: string;
  /** JSON-schema like type from the form (`string`, `integer`, `number`, `boolean`, `array`, `object`) */
  type: string;
  /** Date/user/etc. as far as the form tells (`date`, `otcs_user_picker`, …). */
  format?: string;
  required: boolean;
  readOnly: boolean;
  multiValue: boolean;
  maxLength?: number;
  validValues?: unknown[];
  /** For attributes inside a set: the set's id and name; value keys are `{cat}_{set}_{row}_{attr}`. */
  setId?: number;
  setName?: string;
}

export interface CategoryDefinition {
  id: number;
  name: string;
  attributes: CategoryAttribute[];
}

export interface SearchRequest {
  /** LQL (`OTName: "x" and OTSubType: 144`). */
  where: string;
  lookfor?: "allwords" | "anywords" | "exactphrase" | "complexquery";
  within?: "all" | "content" | "metadata";
  sort?: string;
  page?: number;
  limit?: number;
  /** Search slice id (`slice`). */
  slice?: number;
}

export interface SearchHit extends CsNode {
  /**
   * `data.regions` when the server sends an object (pyxecm's example); the OpenAPI description types it as a string
   * of unspecified content, which is not read.
   */
  regions?: Record<string, unknown>;
}

export interface WorkspaceType {
  id: number;
  name: string;
  templates: Array<{ id: number; name: string }>;
  raw: Record<string, unknown>;
}

export interface BusinessObjectRef {
  extSystemId: string;
  boType: string;
  boId: string;
}

export interface CreateWorkspaceRequest {
  templateId: number;
  typeId: number;
  name?: string;
  description?: string;
  parentId?: number;
  /** Nested per category as CS expects for workspaces: `{ "<cat>": { "<cat>_<attr>": value } }`; flat keys are nested for you. */
  categories?: CategoryValues;
  businessObject?: BusinessObjectRef;
}

export interface RmClassificationInfo {
  classifications: Array<Record<string, unknown>>;
  rmMetadataToken?: string;
  raw: Record<string, unknown>;
}

export interface RecordDetails {
  rsi?: string;
  fileStatus?: string;
  essential?: string;
  storage?: string;
  official?: boolean;
  recordDate?: string;
  statusDate?: string;
  [extra: string]: unknown;
}

export interface Hold {
  id: number;
  name: string;
  type?: string;
  comment?: string;
  active?: boolean;
  raw: Record<string, unknown>;
}

export interface CreateHoldRequest {
  name: string;
  type?: string;
  comment?: string;
  /** "YYYY-MM-DDTHH:mm:ss" */
  dateApplied?: string;
  dateToRemove?: string;
  alternateId?: string;
  parentId?: number;
}

export interface WorkflowFormField {
  key: string;
  title: string;
  type?: string;
}

export interface WorkflowForm {
  processId: number;
  subprocessId?: number;
  taskId?: number;
  title?: string;
  instructions?: string;
  attachmentFolderId?: number;
  actions: Array<{ key: string; label?: string }>;
  customActions: Array<{ key: string; label?: string }>;
  fields: WorkflowFormField[];
  values: Record<string, unknown>;
  raw: Record<string, unknown>;
}

export interface StartWorkflowRequest {
  mapId: number;
  docIds?: number[];
  title?: string;
  /** YYYY-MM-DD */
  dueDate?: string;
  /** Form values by `WorkflowForm_*` key or by the field's title (name). */
  attributes?: Record<string, unknown>;
  comment?: string;
}

export interface StartedWorkflow {
  processId: number;
  draftProcessId: number;
  attachmentFolderId?: number;
  message?: string;
}

export interface TaskRef {
  processId: number;
  subprocessId?: number;
  taskId: number;
}

export interface CompleteTaskRequest {
  /** Standard action (`SendOn`, `Delegate`, `Review`); exclusive with `customAction`. */
  action?: string;
  /** Disposition such as `Approve` / `Reject`; exclusive with `action`. */
  customAction?: string;
  comment?: string;
  /** Form values by `WorkflowForm_*` key or by field title; sent as a `formUpdate` first. */
  values?: Record<string, unknown>;
  /** User id for Delegate/Review. */
  assignee?: number;
}

export interface WorkflowStep {
  processId: number;
  subprocessId: number;
  taskId: number;
  taskName?: string;
  dueDate?: string;
  status?: string;
  assignees: Array<{ userId?: number; loginName?: string }>;
}

/** A workflow map's definition as far as an editor needs it: its steps (tasks) and its workflow attributes. */
export interface WorkflowMapDefinition {
  mapId: number;
  /** SPEC `processes_WorkflowDefinitionTask`: no dispositions (they show only in a task's form). */
  steps: Array<{ id: number; name: string }>;
  /** Workflow attributes; `key` is `<wfAttrCat>_<attrId>`. */
  attributes: Array<{ key: string; name: string; type?: string; required?: boolean }>;
  raw: Record<string, unknown>;
}

export interface WorkflowStatus {
  processId: number;
  name?: string;
  /** `wf_details.date_initiated` as CS gives it (server time, e.g. "2024-10-03T15:21:23"). */
  dateInitiated?: string;
  status?: string;
  attachmentFolderId?: number;
  current: WorkflowStep[];
  completed: Array<Record<string, unknown>>;
  raw: Record<string, unknown>;
}

export interface WorkflowAssignment {
  processId: number;
  subprocessId: number;
  taskId: number;
  name: string;
  dueDate?: string;
  status?: unknown;
  locationId?: number;
  instructions?: string;
  raw: Record<string, unknown>;
}

export interface ServerInfo {
  version?: string;
  raw: Record<string, unknown>;
}

export interface CurrentUser {
  id: number;
  name: string;
  raw: Record<string, unknown>;
}

export interface ConnectionCheck {
  serverVersion?: string;
  userName: string;
  userId: number;
}
