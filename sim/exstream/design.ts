/*
 * Design (DAS) API `/design/api/v1`: domains, resources (list/filter/get/content/create/update/state), links,
 * communication-set manifests, version. Import/export of packages lives in das-package.ts.
 */
import path from "node:path";
import { communicationSetManifest } from "./communications";
import { formatDate, type DateStyle } from "./dates";
import { badRequest, notFound } from "./errors";
import {
  intParam,
  paging,
  readJson,
  readMultipart,
  sendBuffer,
  sendJson,
  sendPage,
  success,
  type RequestContext,
  type Router,
  type UploadedFile,
} from "./http";
import { principalOf } from "./orchestration";
import {
  RESOURCE_STATES,
  domainDto,
  resourceDto,
  type DesignStore,
  type DomainRecord,
  type ResourceFilter,
  type ResourceState,
  type ResourceVersion,
} from "./store";

export const DESIGN_BASE = "/design/api/v1";
const DEFAULT_PAGE_SIZE = 100;

export const DAS_VERSION = {
  apiIdentifier: "das/v1",
  major: "25",
  minor: "2",
  patch: "0",
  versionString: "25.2.0-sim",
};

const MIME_BY_EXT: Record<string, string> = {
  ".json": "application/json",
  ".xml": "application/xml",
  ".txt": "text/plain",
  ".html": "text/html",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".pdf": "application/pdf",
};

export class DesignApi {
  constructor(
    private readonly store: DesignStore,
    private readonly tokenLifetimeSeconds: () => number,
    /** How ResourceVersion and history dates are written (the `--dates` setting, changeable at run time). */
    private readonly dates: () => DateStyle = () => "epoch",
  ) {}

  register(router: Router): void {
    const b = DESIGN_BASE;
    router.add("GET", `${b}/domains`, (ctx) => this.domains(ctx));
    router.add("GET", `${b}/version`, (ctx) => sendJson(ctx.res, 200, DAS_VERSION));
    // SPEC-DES DataResponseConfigurationResponse: an envelope; ot2, solrEnabled and the lifetime are strings. No
    // deployType (its values are not shown) and no service URLs (all fields are optional).
    router.add("GET", `${b}/configurations/config.json`, (ctx) =>
      success(ctx.res, {
        ot2: "false",
        solrEnabled: "false",
        vaultEnabled: false,
        accessTokenLifetimeSeconds: String(this.tokenLifetimeSeconds()),
      }),
    );
    router.add("GET", `${b}/resources/:domain`, (ctx) => this.list(ctx, filterFromQuery(ctx.query)));
    router.add("POST", `${b}/resources/:domain/filter`, async (ctx) =>
      this.list(ctx, filterFromJson(await readJson(ctx.req))),
    );
    router.add("POST", `${b}/resources/:domain/content`, (ctx) => this.createByUpload(ctx));
    router.add("POST", `${b}/resources/:domain`, (ctx) => this.createFromJson(ctx));
    router.add("GET", `${b}/resources/:domain/history/:id`, (ctx) => this.history(ctx));
    router.add("GET", `${b}/resources/:domain/:id`, (ctx) => this.get(ctx));
    router.add("GET", `${b}/resources/:domain/:id/content`, (ctx) => this.content(ctx));
    router.add("PUT", `${b}/resources/:domain/:id/content`, (ctx) => this.updateContent(ctx));
    router.add("PUT", `${b}/resources/:domain/:id/state`, (ctx) => this.changeState(ctx));
    router.add("GET", `${b}/links/:domain`, (ctx) => this.links(ctx));
    router.add("POST", `${b}/links/:domain`, (ctx) => this.addLinks(ctx));
    router.add("GET", `${b}/links/:domain/resources`, (ctx) => this.linkedResources(ctx));
    router.add("GET", `${b}/manifests/:domain/communication-set/:id`, (ctx) => this.manifest(ctx));
  }

  private domain(ctx: RequestContext): DomainRecord {
    return this.store.domain(principalOf(ctx).tenant, ctx.params.domain);
  }

  private dto(domain: DomainRecord, v: ResourceVersion): Record<string, unknown> {
    return resourceDto(domain, v, this.store.isLatest(domain, v), this.dates());
  }

  /** SPEC-DES `GET /domains` → PageResponseDomain (paged). */
  private domains(ctx: RequestContext): void {
    const tenant = this.store.tenant(principalOf(ctx).tenant);
    sendPage(ctx.res, [...(tenant?.domains.values() ?? [])].map(domainDto), paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  private list(ctx: RequestContext, filter: ResourceFilter): void {
    const domain = this.domain(ctx);
    const items = this.store.list(domain, filter).map((v) => this.dto(domain, v));
    sendPage(ctx.res, items, paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  private selectVersion(ctx: RequestContext, domain: DomainRecord): ResourceVersion {
    const id = ctx.params.id;
    const version = ctx.query.get("version");
    if (version) return this.store.version(domain, id, intParam(ctx.query, "version", 1));
    const state = ctx.query.get("state");
    if (state) {
      const wanted = parseState(state);
      const found = [...this.store.versions(domain, id)].reverse().find((v) => v.state === wanted);
      if (!found) throw notFound(`Resource ${id} has no ${wanted} version`);
      return found;
    }
    return this.store.latest(domain, id);
  }

  private get(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    success(ctx.res, this.dto(domain, this.selectVersion(ctx, domain)));
  }

  /** SPEC-DES ListResponseResourceHistory, newest first; `historyType` filters (CREATE, STATE, CONTENT). */
  private history(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    const type = ctx.query.get("historyType")?.toUpperCase();
    const entries = this.store.history(domain, ctx.params.id).filter((e) => !type || e.historyType === type);
    const dates = this.dates();
    success(
      ctx.res,
      [...entries].reverse().map((e) => ({ ...e, modifiedDate: formatDate(e.modifiedDate, dates) })),
    );
  }

  private content(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    const v = this.selectVersion(ctx, domain);
    sendBuffer(ctx.res, 200, v.content.mimetype, v.content.data);
  }

  private async createByUpload(ctx: RequestContext): Promise<void> {
    const domain = this.domain(ctx);
    const type = ctx.query.get("type");
    if (!type) throw badRequest('Query parameter "type" is required');
    const file = uploadedFile(await readMultipart(ctx.req), "file");
    const name = ctx.query.get("name") || file.filename;
    if (!name) throw badRequest('Query parameter "name" is required');
    const metadata = metadataFromQuery(ctx.query);
    const created = this.store.createResource(domain, {
      name,
      type,
      description: ctx.query.get("description") ?? "",
      metadata,
      content: file.data,
      mimetype: mimeOf(file),
      user: principalOf(ctx).subject,
    });
    success(ctx.res, this.dto(domain, created), 201);
  }

  private async createFromJson(ctx: RequestContext): Promise<void> {
    const domain = this.domain(ctx);
    const body = await readJson(ctx.req);
    if (typeof body.name !== "string" || typeof body.type !== "string")
      throw badRequest('"name" and "type" are required');
    const metadata =
      body.metadata && typeof body.metadata === "object" ? (body.metadata as Record<string, string>) : {};
    const created = this.store.createResource(domain, {
      name: body.name,
      type: body.type,
      description: typeof body.description === "string" ? body.description : "",
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])),
      content: Buffer.alloc(0),
      mimetype: "application/octet-stream",
      user: principalOf(ctx).subject,
    });
    success(ctx.res, this.dto(domain, created), 201);
  }

  private async updateContent(ctx: RequestContext): Promise<void> {
    const domain = this.domain(ctx);
    this.store.latest(domain, ctx.params.id);
    const file = uploadedFile(await readMultipart(ctx.req), "file");
    const updated = this.store.updateContent(domain, ctx.params.id, file.data, mimeOf(file), principalOf(ctx).subject);
    success(ctx.res, this.dto(domain, updated));
  }

  private async changeState(ctx: RequestContext): Promise<void> {
    const domain = this.domain(ctx);
    const body = await readJson(ctx.req);
    if (typeof body.state !== "string") throw badRequest('"state" is required');
    const comment = typeof body.auditedComment === "string" ? body.auditedComment : "";
    const locked = typeof body.locked === "boolean" ? body.locked : undefined;
    const v = this.store.changeState(
      domain,
      ctx.params.id,
      parseState(body.state),
      principalOf(ctx).subject,
      comment,
      locked,
    );
    success(ctx.res, this.dto(domain, v));
  }

  private links(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    const subject = ctx.query.get("linkSubjectId");
    if (!subject) throw badRequest('Query parameter "linkSubjectId" is required');
    const depth = intParam(ctx.query, "linkDepth", 1);
    const types = listParam(ctx.query, "filter.types");
    const links = this.store
      .linksFrom(domain, subject, Math.max(depth, 1))
      .filter((l) => types.length === 0 || types.includes(this.store.find(domain, l.linkObjectId)?.type ?? ""));
    sendPage(
      ctx.res,
      links.map((l) => ({ ...l })),
      paging(ctx.query, DEFAULT_PAGE_SIZE),
    ); // SPEC-DES PageResponseLinkDTO
  }

  private async addLinks(ctx: RequestContext): Promise<void> {
    const domain = this.domain(ctx);
    const body = await readJson(ctx.req);
    const subject = body.linkSubjectId;
    const object = body.linkObjectId;
    if (typeof subject !== "string" || typeof object !== "string")
      throw badRequest('"linkSubjectId" and "linkObjectId" are required');
    const subjectVersion =
      typeof body.subjectVersion === "number" ? body.subjectVersion : this.store.latest(domain, subject).version;
    this.store.latest(domain, object);
    this.store.addLink(domain, { linkSubjectId: subject, subjectVersion, linkObjectId: object });
    success(ctx.res, { linkSubjectId: subject, subjectVersion, linkObjectId: object }); // SPEC-DES: 200 DataResponseLinkDTO
  }

  /** Who uses a resource: resources linking to it within `linkDepth`, filtered by `rfilter.types|states`. */
  private linkedResources(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    const object = ctx.query.get("linkObjectId");
    if (!object) throw badRequest('Query parameter "linkObjectId" is required');
    const depth = intParam(ctx.query, "linkDepth", 1);
    const types = listParam(ctx.query, "rfilter.types");
    const states = listParam(ctx.query, "rfilter.states").map(parseState);
    const result: Record<string, unknown>[] = [];
    for (const id of this.store.subjectsOf(domain, object, Math.max(depth, 1))) {
      const versions = domain.resources.get(id);
      if (!versions) continue;
      const v =
        states.length === 0
          ? versions[versions.length - 1]
          : [...versions].reverse().find((x) => states.includes(x.state));
      if (!v || (types.length > 0 && !types.includes(v.type))) continue;
      result.push(this.dto(domain, v));
    }
    sendPage(ctx.res, result, paging(ctx.query, DEFAULT_PAGE_SIZE));
  }

  /** Returned bare (no envelope): OpenText's collection reads `dsnlist` at the top level. */
  private manifest(ctx: RequestContext): void {
    const domain = this.domain(ctx);
    const set = this.store.latestApproved(domain, ctx.params.id) ?? this.store.latest(domain, ctx.params.id);
    if (set.type !== "exstrcommunicationset") throw notFound(`Resource ${set.id} is not a communication set`);
    sendJson(ctx.res, 200, communicationSetManifest(this.store, domain, set));
  }
}

function parseState(value: string): ResourceState {
  const upper = value.toUpperCase() as ResourceState;
  if (!RESOURCE_STATES.includes(upper))
    throw badRequest(`Unknown state "${value}"`, `valid: ${RESOURCE_STATES.join(", ")}`);
  return upper;
}

/** `filter.types=a,b` or repeated `filter.types=a&filter.types=b`. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

function filterFromQuery(query: URLSearchParams): ResourceFilter {
  const latest = query.get("filter.latestVersion");
  return {
    types: listParam(query, "filter.types"),
    states: listParam(query, "filter.states").map(parseState),
    ids: listParam(query, "filter.ids"),
    excludedIds: listParam(query, "filter.excludedIds"),
    name: query.get("filter.name") ?? undefined,
    searchString: query.get("filter.searchString") ?? undefined,
    latestVersion: latest === null ? undefined : latest === "true",
  };
}

function filterFromJson(body: Record<string, unknown>): ResourceFilter {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.split(",") : []);
  return {
    types: list(body.types),
    states: list(body.states).map(parseState),
    ids: list(body.ids),
    excludedIds: list(body.excludedIds),
    name: typeof body.name === "string" ? body.name : undefined,
    searchString: typeof body.searchString === "string" ? body.searchString : undefined,
    latestVersion: typeof body.latestVersion === "boolean" ? body.latestVersion : undefined,
  };
}

/** `subtype=` plus SIM extension `metadata.<key>=` (e.g. block rules metadata.language=de). */
function metadataFromQuery(query: URLSearchParams): Record<string, string> {
  const metadata: Record<string, string> = {};
  const subtype = query.get("subtype");
  if (subtype) metadata.subtype = subtype;
  for (const [key, value] of query) if (key.startsWith("metadata.") && key.length > 9) metadata[key.slice(9)] = value;
  return metadata;
}

function uploadedFile(body: { files: UploadedFile[] }, field: string): UploadedFile {
  const file = body.files.find((f) => f.field === field) ?? body.files[0];
  if (!file) throw badRequest(`Multipart part "${field}" is required`);
  return file;
}

function mimeOf(file: UploadedFile): string {
  if (file.mimeType && file.mimeType !== "application/octet-stream") return file.mimeType;
  return MIME_BY_EXT[path.extname(file.filename ?? "").toLowerCase()] ?? "application/octet-stream";
}
