/** Shapes of the Exstream APIs as the client sees them (field names are the product's; runtime dates are read into epoch ms). */
import type { RetryPolicy } from "../reliability/retry";
import type { ProxySettings, TransferLimits } from "../transport";

export type GrantType = "client_credentials" | "password";
/** Where the OAuth client id/secret travel: in the form body, or as HTTP Basic (the cloud's password grant). */
export type ClientAuthMethod = "body" | "basic";

export interface TokenOptions {
  /** Full token URL; wins over `otdsUrl` + `tenant`. */
  tokenUrl?: string;
  /** OTDS base URL; defaults to the client's base URL. */
  otdsUrl?: string;
  tenant?: string;
  /**
   * Path appended to `otdsUrl`; `{tenant}` is replaced. Default `/otdsws/otdstenant/{tenant}/oauth2/token`. No
   * specification documents it (real-world evidence only), so any path works.
   */
  tokenPathTemplate?: string;
  grantType: GrantType;
  clientId: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  /** OAuth scope. Default `otds:groups` (what OpenText's SDK asks for); an empty string sends no scope. */
  scope?: string;
  clientAuth?: ClientAuthMethod;
  /** Fetch a new token this long before the old one expires. Default 60 000 ms (capped to a third of its life). */
  refreshMarginMs?: number;
  /** Used when the token response has no `expires_in`. Default 900 s, OTDS's default. */
  defaultLifetimeMs?: number;
}

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

/**
 * `timeoutMs` (silence; default 60 000 ms), `deadlineMs` (whole JSON exchange), `minBytesPerSecond` (content streams
 * and uploads), `maxResponseBytes` (answers held in memory): see {@link TransferLimits}.
 */
export interface ExstreamClientOptions extends Partial<TransferLimits> {
  /** e.g. `https://exstream.example.com` — the ingress in front of `/orchestration`, `/design` (and often OTDS). */
  baseUrl: string;
  /** The DAS/orchestration domain used when a call does not name one. */
  domain: string;
  auth: TokenOptions;
  orchestrationPath?: string;
  designPath?: string;
  /** Requests in flight at once. Default 4. */
  maxConcurrent?: number;
  /** Requests allowed to wait for a slot. Default 1000. */
  maxQueued?: number;
  retry?: Partial<RetryPolicy>;
  tls?: TlsOptions;
  /** The connection's own proxy; without one, `HTTP(S)_PROXY` / `NO_PROXY` decide. */
  proxy?: ProxySettings;
  /** Runtime filter syntax. Default `auto`. */
  runtimeFilterStyle?: RuntimeFilterStyle;
  /**
   * Batch input route below `{orchestration}/api/v1`, with `{domain}` and `{channel}`. Default
   * `/inputs/batch/{domain}/{channel}` (seen in real deployments; no specification documents it).
   */
  batchInputPath?: string;
  /** The CSRF cookie HTTP input channels require. */
  csrf?: CsrfOptions;
}

export interface CsrfOptions {
  /** Cookie name. Default `csrfToken` (Exstream help, "Initiating orchestration jobs"). */
  cookieName?: string;
  /** Also send the value in this header (double-submit servers); blank = cookie only. */
  headerName?: string;
}

// ————— envelopes —————

export interface PageInfo {
  pageSize?: number;
  pageOffset?: number;
  totalElements?: number;
  totalPages?: number;
  currentPageNumber?: number;
}

export interface Page<T> {
  items: T[];
  page: PageInfo;
  /** How many items the server sent (more than `items` when some did not match the filter). */
  received?: number;
}

export interface PageRequest {
  offset?: number;
  count?: number;
}

// ————— on-demand —————

export type DriverData = Record<string, unknown> | unknown[] | string | Buffer;

export interface GenerateRequest {
  communicationId: string;
  driverDataSource: string;
  driver: DriverData;
  /** Wins over detection (objects → JSON; strings/Buffers starting with `<` → XML, `{`/`[` → JSON). */
  contentType?: string;
  /** envelope (default): all outputs; pdf: `Accept: application/pdf`, raw bytes; empower-document: `{documentId}`. */
  response?: "envelope" | "pdf" | "empower-document";
  empowerUser?: string;
  domain?: string;
  /** Extra headers (e.g. `exstream-variable` style flow variables). Never logged. */
  headers?: Record<string, string>;
  /** Per-request timeout for this call; default the client's. */
  timeoutMs?: number;
}

export interface FulfillRequest {
  communicationId: string;
  driverDataSource: string;
  documents: string[];
  preserveDocuments?: boolean;
  response?: "envelope" | "pdf";
  domain?: string;
}

export interface GeneratedOutput {
  queueName?: string;
  fileName?: string;
  customerNumber?: string;
  mimeType: string;
  content: Buffer;
}

export interface GenerateResult {
  outputs: GeneratedOutput[];
  /** Set by the `empower-document` mode. */
  documentId?: string;
}

// ————— orchestration runtime —————

export type JobStatus =
  "canceled" | "complete" | "deleted" | "started" | "waiting" | "holding" | "error" | "uninitialized";

export interface Job {
  id: string;
  domainId?: string;
  channel?: string;
  mode?: "BATCH" | "ONDEMAND";
  status: JobStatus | string;
  flowModelType?: string;
  msg?: string | null;
  externalId?: string | null;
  triggeredBy?: string | null;
  startDate?: number | null;
  endDate?: number | null;
  expirationDate?: number | null;
  [extra: string]: unknown;
}

export interface FlowInstance {
  id: string;
  jobId: string;
  flowModelId?: string;
  flowModelSnapshotId?: string;
  domainId?: string;
  status: string;
  startDate?: number | null;
  endDate?: number | null;
  expirationDate?: number | null;
  msg?: string | null;
  externalId?: string | null;
  flowModelType?: string;
  flowModelName?: string | null;
  inputRetrievable?: boolean;
  executingLongRunningOp?: boolean;
  [extra: string]: unknown;
}

export interface FlowStep {
  id: string;
  previousStepId?: string | null;
  flowInstanceId: string;
  stepName?: string;
  displayName?: string;
  status: string;
  stepType?: string;
  startDate?: number | null;
  endDate?: number | null;
  msg?: string | null;
  deliveryFileRetrievable?: boolean;
  messageFileRetrievable?: boolean;
  [extra: string]: unknown;
}

/** Orchestration filter: each key becomes `key:value` (arrays comma-joined), pairs joined with `;`. */
export type RuntimeFilter = Record<string, string | number | boolean | Array<string | number> | undefined>;

/**
 * How runtime filters are sent: `semicolon` = `filter=key:v1,v2;key2:v` (the parameter description and example of
 * the spec), `object` = `filter.key=v1,v2` (the spec's `filterRequest` schema), `auto` = semicolon, switching to
 * object for good when the server answers 400.
 */
export type RuntimeFilterStyle = "auto" | "semicolon" | "object";

export interface BatchSubmitRequest {
  channel: string;
  body: string | Buffer | Record<string, unknown> | unknown[];
  contentType?: string;
  domain?: string;
  headers?: Record<string, string>;
}

export interface WaitForJobOptions {
  /** Give up (ExstreamError code EDEADLINE) after this long. Default 10 min. */
  timeoutMs?: number;
  /** First wait between polls; grows ×1.5 up to `maxPollIntervalMs`. Default 500 ms. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  signal?: AbortSignal;
  domain?: string;
  onPoll?(job: Job): void;
}

// ————— design (DAS) —————

export type ResourceState = "DRAFT" | "REVIEW" | "APPROVED" | "REJECTED";

export interface ResourceVersion {
  id: string;
  version: number;
  name: string;
  description?: string;
  type: string;
  state: ResourceState | string;
  stateComment?: string;
  metadata?: Record<string, unknown>;
  latestVersion?: boolean;
  locked?: boolean;
  contentMimeType?: string;
  /** SPEC-DES types the dates as ISO date-time; real export packages hold epoch ms: both are read. */
  createdDate?: number | string;
  lastModifiedDate?: number | string;
  /** SPEC-DES: Domain objects (not ids). */
  domains?: Domain[];
  [extra: string]: unknown;
}

export interface ResourceFilter {
  types?: string[];
  states?: string[];
  latestVersion?: boolean;
  ids?: string[];
  name?: string;
  searchString?: string;
  /** Any other `filter.<key>` the server supports. */
  extra?: Record<string, string | number | boolean | string[]>;
}

export interface Domain {
  id: string;
  production?: boolean;
  description?: string;
  workflow?: string;
  [extra: string]: unknown;
}

export interface DesignVersion {
  apiIdentifier?: string;
  major?: number | string;
  minor?: number | string;
  patch?: number | string;
  versionString?: string;
  [extra: string]: unknown;
}

/** SPEC-DES `Manifest` (returned without an envelope). */
export interface CommunicationSetManifest {
  applicationName?: string;
  characterEncoding?: "DBCS" | "SBCS" | string;
  dsnlist: Array<{ id?: string; name: string; prodDsn: string; resourceId?: string; type: string }>;
  queueList: Array<{
    id?: string;
    name: string;
    driver: string;
    prodFile?: string;
    reportProdFile?: string;
    use?: string;
  }>;
  reportList?: Array<Record<string, unknown>>;
  metadata?: Array<{ name: string; type?: string; text?: string }>;
  [extra: string]: unknown;
}

export interface LinkDTO {
  linkSubjectId: string;
  subjectVersion?: number;
  linkObjectId: string;
  [extra: string]: unknown;
}

/** What a caller needs to run `generate` for a communication. */
export interface CommunicationBinding {
  communicationId: string;
  communicationName: string;
  communicationSetId: string;
  driverDataSource: string;
  queues: CommunicationSetManifest["queueList"];
}

export type ImportPolicy = "REPLACE_IF_NEWER" | "SKIP" | "REPLACE" | "ERROR";

/** SPEC-DES `ImportFoundResource` / `ImportConflictResource`. */
export interface ImportedResource {
  id: string;
  version: number;
  name?: string;
  type?: string;
  state?: ResourceState | string;
  newName?: string;
  [extra: string]: unknown;
}

/** SPEC-DES `ImportResponse` (the fields the client reads). */
export interface ImportResult {
  exportPackageUUID?: string;
  importedResources: ImportedResource[];
  existingResources: ImportedResource[];
  ignoredResources: ImportedResource[];
  conflictedResources: ImportedResource[];
  warnings: string[];
}

export interface UploadContent {
  /** A file on disk (streamed) or bytes. */
  path?: string;
  data?: Buffer | string;
  fileName?: string;
  contentType?: string;
}
