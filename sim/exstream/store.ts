import { createHash, randomUUID } from "node:crypto";
import { formatDate, type DateStyle } from "./dates";
import { conflict, notFound, SimHttpError } from "./errors";

export type ResourceState = "DRAFT" | "REVIEW" | "APPROVED" | "REJECTED";
export const RESOURCE_STATES: readonly ResourceState[] = ["DRAFT", "REVIEW", "APPROVED", "REJECTED"];

/** NORMAL = DRAFT→REVIEW→APPROVED|REJECTED; SIMPLE = DRAFT↔APPROVED. */
export type WorkflowKind = "NORMAL" | "SIMPLE";

export interface StoredContent {
  data: Buffer;
  mimetype: string;
}

/** One version of a DAS resource ("ResourceVersion"), with its content. */
export interface ResourceVersion {
  id: string;
  version: number;
  name: string;
  description: string;
  type: string;
  state: ResourceState;
  stateComment: string;
  categories: unknown[];
  metadata: Record<string, string>;
  locked: boolean;
  lockedBy: string | null;
  hidden: boolean;
  createdBy: string;
  createdDate: number;
  lastModifiedBy: string;
  lastModifiedDate: number;
  effectiveStart: number | null;
  effectiveEnd: number | null;
  resourcePackId?: string;
  content: StoredContent;
  /** Further content kinds kept from an export package, e.g. THUMBNAIL. */
  extraContent: Record<string, StoredContent>;
  /** Fields of an imported resource JSON we do not model, kept so an export writes them back. */
  extra: Record<string, unknown>;
}

/** One entry of a resource's audit trail (SPEC-DES `ResourceHistory`). */
export interface HistoryEntry {
  id: string;
  version: number;
  type: string;
  modifiedBy: string;
  modifiedDate: number;
  operation: "INSERT" | "UPDATE";
  state: ResourceState;
  historyType: "CREATE" | "STATE" | "CONTENT";
  auditedComment: string;
}

export interface LinkRecord {
  linkSubjectId: string;
  subjectVersion: number;
  linkObjectId: string;
}

/** A published flow model listening on an HTTP input channel (batch / named on-demand). */
export interface InputChannel {
  name: string;
  flowModelId: string;
  flowModelName: string;
  communicationId: string;
  driverDataSource: string;
}

export interface DomainRecord {
  id: string;
  description: string;
  production: boolean;
  jobTracing: boolean;
  workflow: WorkflowKind;
  /** resource id → versions in ascending order */
  resources: Map<string, ResourceVersion[]>;
  links: LinkRecord[];
  channels: Map<string, InputChannel>;
  /** resource id → audit trail, oldest first */
  history: Map<string, HistoryEntry[]>;
}

export interface ClientRecord {
  id: string;
  /** undefined = public client (password grant without a secret) */
  secret?: string;
}

export interface TenantRecord {
  name: string;
  clients: Map<string, ClientRecord>;
  users: Map<string, string>;
  domains: Map<string, DomainRecord>;
}

export interface TenantDirectory {
  tenant(name: string): TenantRecord | undefined;
}

export interface NewResource {
  id?: string;
  name: string;
  type: string;
  description?: string;
  state?: ResourceState;
  metadata?: Record<string, string>;
  content: Buffer;
  mimetype: string;
  user: string;
  version?: number;
}

export interface ResourceFilter {
  types?: string[];
  states?: ResourceState[];
  ids?: string[];
  excludedIds?: string[];
  name?: string;
  searchString?: string;
  latestVersion?: boolean;
}

/** The whole design-time state of the simulator: tenants, their domains, resources, links and channels. */
export class DesignStore implements TenantDirectory {
  readonly tenants = new Map<string, TenantRecord>();

  constructor(private readonly now: () => number) {}

  tenant(name: string): TenantRecord | undefined {
    return this.tenants.get(name);
  }

  addTenant(name: string): TenantRecord {
    const record: TenantRecord = { name, clients: new Map(), users: new Map(), domains: new Map() };
    this.tenants.set(name, record);
    return record;
  }

  addDomain(
    tenant: TenantRecord,
    id: string,
    options: Partial<Pick<DomainRecord, "description" | "production" | "workflow" | "jobTracing">> = {},
  ): DomainRecord {
    const domain: DomainRecord = {
      id,
      description: options.description ?? "",
      production: options.production ?? false,
      jobTracing: options.jobTracing ?? true,
      workflow: options.workflow ?? "NORMAL",
      resources: new Map(),
      links: [],
      channels: new Map(),
      history: new Map(),
    };
    tenant.domains.set(id, domain);
    return domain;
  }

  /** The domain of the caller's tenant, or 404. */
  domain(tenantName: string, domainId: string): DomainRecord {
    const domain = this.tenants.get(tenantName)?.domains.get(domainId);
    if (!domain) throw notFound(`Domain "${domainId}" does not exist`);
    return domain;
  }

  createResource(domain: DomainRecord, input: NewResource): ResourceVersion {
    const id = input.id ?? randomUUID();
    if (domain.resources.has(id)) throw conflict(`Resource ${id} already exists`);
    const now = this.now();
    const version: ResourceVersion = {
      id,
      version: input.version ?? 1,
      name: input.name,
      description: input.description ?? "",
      type: input.type,
      state: input.state ?? "DRAFT",
      stateComment: "",
      categories: [],
      metadata: { ...(input.metadata ?? {}) },
      locked: false,
      lockedBy: null,
      hidden: false,
      createdBy: input.user,
      createdDate: now,
      lastModifiedBy: input.user,
      lastModifiedDate: now,
      effectiveStart: null,
      effectiveEnd: null,
      content: { data: input.content, mimetype: input.mimetype },
      extraContent: {},
      extra: {},
    };
    domain.resources.set(id, [version]);
    this.record(domain, version, "CREATE", "INSERT", "");
    return version;
  }

  /** The audit trail of a resource, oldest first (404 for an unknown resource). */
  history(domain: DomainRecord, id: string): HistoryEntry[] {
    this.versions(domain, id);
    return domain.history.get(id) ?? [];
  }

  private record(
    domain: DomainRecord,
    v: ResourceVersion,
    historyType: HistoryEntry["historyType"],
    operation: HistoryEntry["operation"],
    auditedComment: string,
  ): void {
    const entries = domain.history.get(v.id) ?? [];
    entries.push({
      id: v.id,
      version: v.version,
      type: v.type,
      modifiedBy: v.lastModifiedBy,
      modifiedDate: v.lastModifiedDate,
      operation,
      state: v.state,
      historyType,
      auditedComment,
    });
    domain.history.set(v.id, entries);
  }

  /** Adds a complete version (import); keeps versions ordered. */
  putVersion(domain: DomainRecord, version: ResourceVersion): void {
    const versions = domain.resources.get(version.id) ?? [];
    const others = versions.filter((v) => v.version !== version.version);
    others.push(version);
    others.sort((a, b) => a.version - b.version);
    domain.resources.set(version.id, others);
    this.record(domain, version, "CREATE", "INSERT", "");
  }

  versions(domain: DomainRecord, id: string): ResourceVersion[] {
    const versions = domain.resources.get(id);
    if (!versions || versions.length === 0) throw notFound(`Resource ${id} does not exist in domain "${domain.id}"`);
    return versions;
  }

  latest(domain: DomainRecord, id: string): ResourceVersion {
    const versions = this.versions(domain, id);
    return versions[versions.length - 1];
  }

  find(domain: DomainRecord, id: string): ResourceVersion | undefined {
    const versions = domain.resources.get(id);
    return versions?.[versions.length - 1];
  }

  version(domain: DomainRecord, id: string, version: number): ResourceVersion {
    const found = this.versions(domain, id).find((v) => v.version === version);
    if (!found) throw notFound(`Resource ${id} has no version ${version}`);
    return found;
  }

  /** The version production uses: the highest APPROVED version whose effective window contains now. */
  latestApproved(domain: DomainRecord, id: string): ResourceVersion | undefined {
    const now = this.now();
    const versions = domain.resources.get(id) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      if (v.state !== "APPROVED") continue;
      if (v.effectiveStart !== null && v.effectiveStart > now) continue;
      if (v.effectiveEnd !== null && v.effectiveEnd < now) continue;
      return v;
    }
    return undefined;
  }

  isLatest(domain: DomainRecord, v: ResourceVersion): boolean {
    return this.find(domain, v.id)?.version === v.version;
  }

  list(domain: DomainRecord, filter: ResourceFilter): ResourceVersion[] {
    const result: ResourceVersion[] = [];
    for (const versions of domain.resources.values()) {
      const candidates = filter.latestVersion ? [versions[versions.length - 1]] : versions;
      for (const v of candidates) if (matches(v, filter)) result.push(v);
    }
    return result.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id) || a.version - b.version);
  }

  updateContent(domain: DomainRecord, id: string, data: Buffer, mimetype: string, user: string): ResourceVersion {
    const latest = this.latest(domain, id);
    if (latest.state !== "DRAFT") {
      throw conflict(
        `Resource ${id} version ${latest.version} is ${latest.state}; only a DRAFT version can be changed`,
      );
    }
    latest.content = { data, mimetype: mimetype || latest.content.mimetype };
    latest.lastModifiedBy = user;
    latest.lastModifiedDate = this.now();
    this.record(domain, latest, "CONTENT", "UPDATE", "");
    return latest;
  }

  /**
   * Moves the latest version through the domain's workflow. APPROVED→DRAFT keeps the approved version and adds a new
   * DRAFT version (copy of its content) — production keeps using the approved one until the draft is approved.
   */
  changeState(
    domain: DomainRecord,
    id: string,
    target: ResourceState,
    user: string,
    comment = "",
    locked?: boolean,
  ): ResourceVersion {
    if (!RESOURCE_STATES.includes(target)) throw new SimHttpError(400, `Unknown state "${target}"`);
    const latest = this.latest(domain, id);
    if (!allowedTransition(domain.workflow, latest.state, target)) {
      throw conflict(
        `Cannot move resource ${id} from ${latest.state} to ${target} in a ${domain.workflow.toLowerCase()} workflow domain`,
      );
    }
    const now = this.now();
    if (latest.state === "APPROVED" && target === "DRAFT") {
      const draft: ResourceVersion = {
        ...latest,
        version: latest.version + 1,
        state: "DRAFT",
        stateComment: comment,
        metadata: { ...latest.metadata },
        content: { ...latest.content },
        extraContent: { ...latest.extraContent },
        createdBy: user,
        createdDate: now,
        lastModifiedBy: user,
        lastModifiedDate: now,
        locked: locked ?? false,
        lockedBy: locked ? user : null,
      };
      const versions = this.versions(domain, id);
      versions.push(draft);
      this.record(domain, draft, "STATE", "INSERT", comment);
      return draft;
    }
    latest.state = target;
    latest.stateComment = comment;
    latest.lastModifiedBy = user;
    latest.lastModifiedDate = now;
    if (locked !== undefined) {
      latest.locked = locked;
      latest.lockedBy = locked ? user : null;
    }
    this.record(domain, latest, "STATE", "UPDATE", comment);
    return latest;
  }

  addLink(domain: DomainRecord, link: LinkRecord): boolean {
    const exists = domain.links.some(
      (l) =>
        l.linkSubjectId === link.linkSubjectId &&
        l.linkObjectId === link.linkObjectId &&
        l.subjectVersion === link.subjectVersion,
    );
    if (!exists) domain.links.push(link);
    return !exists;
  }

  /** Links reachable from a subject, breadth first, up to `depth` hops (1 = direct links only). */
  linksFrom(domain: DomainRecord, subjectId: string, depth: number): LinkRecord[] {
    const result: LinkRecord[] = [];
    const seen = new Set<string>([subjectId]);
    let frontier = [subjectId];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const subject of frontier) {
        for (const link of domain.links) {
          if (link.linkSubjectId !== subject) continue;
          result.push(link);
          if (!seen.has(link.linkObjectId)) {
            seen.add(link.linkObjectId);
            next.push(link.linkObjectId);
          }
        }
      }
      frontier = next;
    }
    return result;
  }

  /** Resource ids that reach `objectId` through links within `depth` hops (who uses this resource). */
  subjectsOf(domain: DomainRecord, objectId: string, depth: number): string[] {
    const seen = new Set<string>([objectId]);
    const result: string[] = [];
    let frontier = [objectId];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const object of frontier) {
        for (const link of domain.links) {
          if (link.linkObjectId !== object || seen.has(link.linkSubjectId)) continue;
          seen.add(link.linkSubjectId);
          result.push(link.linkSubjectId);
          next.push(link.linkSubjectId);
        }
      }
      frontier = next;
    }
    return result;
  }
}

function allowedTransition(workflow: WorkflowKind, from: ResourceState, to: ResourceState): boolean {
  const simple: Record<ResourceState, ResourceState[]> = {
    DRAFT: ["APPROVED"],
    APPROVED: ["DRAFT"],
    REVIEW: ["DRAFT", "APPROVED"],
    REJECTED: ["DRAFT"],
  };
  const normal: Record<ResourceState, ResourceState[]> = {
    DRAFT: ["REVIEW"],
    REVIEW: ["APPROVED", "REJECTED", "DRAFT"],
    APPROVED: ["DRAFT"],
    REJECTED: ["DRAFT"],
  };
  return (workflow === "SIMPLE" ? simple : normal)[from].includes(to);
}

function matches(v: ResourceVersion, f: ResourceFilter): boolean {
  if (f.types && f.types.length > 0 && !f.types.includes(v.type)) return false;
  if (f.states && f.states.length > 0 && !f.states.includes(v.state)) return false;
  if (f.ids && f.ids.length > 0 && !f.ids.includes(v.id)) return false;
  if (f.excludedIds && f.excludedIds.includes(v.id)) return false;
  if (f.name !== undefined && v.name.toLowerCase() !== f.name.toLowerCase()) return false;
  if (f.searchString !== undefined) {
    const needle = f.searchString.toLowerCase();
    if (!v.name.toLowerCase().includes(needle) && !v.description.toLowerCase().includes(needle)) return false;
  }
  return true;
}

export function etagOf(content: StoredContent): string {
  return createHash("sha256").update(content.data).digest("hex").slice(0, 20);
}

/** The keys of SPEC-DES `ResourceMetadata`; the simulator keeps its own (block rules) internal. */
const RESOURCE_METADATA_KEYS = new Set([
  "subtype",
  "variableType",
  "variableIsArray",
  "resourceTemplate",
  "originalSource",
  "displayName",
  "dialogueVersion",
  "dialogueSerialization",
  "dialogueEncoding",
  "hasContentAuthorFrames",
  "defaultSampleFileId",
  "usesDesignPack",
  "dataSourceEligible",
  "selectionVariable",
  "userFriendlyName",
]);

function metadataDto(metadata: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!RESOURCE_METADATA_KEYS.has(key)) continue;
    out[key] = key === "hasContentAuthorFrames" ? value === "true" : value; // the only boolean of the schema
  }
  return out;
}

/** The Domain JSON (SPEC-DES `Domain`), in the domain list and inside each ResourceVersion's `domains`. */
export function domainDto(domain: DomainRecord): Record<string, unknown> {
  return {
    id: domain.id,
    production: domain.production,
    description: domain.description,
    jobTracing: domain.jobTracing,
    workflow: domain.workflow,
    restrictApproval: false,
    children: [],
    approvalGroups: [],
  };
}

/** Fields of DES `ResourceVersion` an imported package may carry beyond those the simulator models. */
const RESOURCE_VERSION_EXTRAS = new Set([
  "approvalInfo",
  "containsActiveRevisions",
  "contentType",
  "isTrackingRevisions",
  "permissions",
  "standardVariantId",
  "subtype",
]);

/**
 * The ResourceVersion JSON the Design API returns (SPEC-DES `ResourceVersion`; absent rather than null). Dates as epoch
 * ms (OpenText's export packages) or ISO date-time (the spec's type).
 */
export function resourceDto(
  domain: DomainRecord,
  v: ResourceVersion,
  latestVersion: boolean,
  dates: DateStyle = "epoch",
): Record<string, unknown> {
  const optional = (key: string, value: unknown) => (value === null || value === undefined ? {} : { [key]: value });
  return {
    ...Object.fromEntries(Object.entries(v.extra).filter(([key]) => RESOURCE_VERSION_EXTRAS.has(key))),
    id: v.id,
    version: v.version,
    name: v.name,
    description: v.description,
    type: v.type,
    state: v.state,
    stateComment: v.stateComment,
    categories: v.categories,
    domains: [domainDto(domain)],
    metadata: metadataDto(v.metadata),
    ...optional("effectiveStart", formatDate(v.effectiveStart, dates)),
    ...optional("effectiveEnd", formatDate(v.effectiveEnd, dates)),
    variants: [],
    locked: v.locked,
    ...optional("lockedBy", v.lockedBy),
    hidden: v.hidden,
    systemResource: false,
    latestVersion,
    createdBy: v.createdBy,
    createdDate: formatDate(v.createdDate, dates),
    lastModifiedBy: v.lastModifiedBy,
    lastModifiedDate: formatDate(v.lastModifiedDate, dates),
    contentMimeType: v.content.mimetype,
    ...optional("resourcePackId", v.resourcePackId),
  };
}
