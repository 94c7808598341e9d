/*
 * DAS export packages (zip): `POST /design/api/v1/import/das/{domain}` and `GET|POST /design/api/v1/export/{domain}/{rootId}`.
 * Layout (as in OpenText's sample packages): metadata.json, resources/<type>-<id>-<version>.json,
 * content/<type>-<id>-<version>-CONTENT.{bin,json} (+ other kinds such as THUMBNAIL), links/links.json, links/links.gv.
 * Imported resources keep their ids, versions and states, so communications become runnable under their own ids.
 */
import { randomUUID } from "node:crypto";
import AdmZip from "adm-zip";
import { DAS_VERSION, DESIGN_BASE } from "./design";
import { badRequest, notFound, SimHttpError } from "./errors";
import { readMultipart, sendBuffer, success, type RequestContext, type Router } from "./http";
import { principalOf } from "./orchestration";
import {
  etagOf,
  RESOURCE_STATES,
  type DesignStore,
  type DomainRecord,
  type LinkRecord,
  type ResourceState,
  type ResourceVersion,
  type StoredContent,
} from "./store";

type Policy = "REPLACE_IF_NEWER" | "SKIP" | "REPLACE" | "ERROR";
const POLICIES: readonly Policy[] = ["REPLACE_IF_NEWER", "SKIP", "REPLACE", "ERROR"];
type ExportVersions = "LATEST_APPROVED" | "LATEST" | "ALL";
const MAX_EXPORT_DEPTH = 64;

interface FoundResource {
  id: string;
  version: number;
  name: string;
  type: string;
  state: string;
}

/** SPEC-DES `ImportHistory` (`GET import/logs`). */
export interface ImportLog {
  importId: string;
  fileName: string;
  domain: string;
  status: "SUCCESS" | "FAILURE";
  error?: string;
  exportPackageId?: string;
  createdBy: string;
  createdDate: number;
  lastModifiedBy: string;
  lastModifiedDate: number;
}

/** Fields of a resource JSON that map onto ResourceVersion; everything else is kept verbatim in `extra`. */
const MODELLED_FIELDS = new Set([
  "id",
  "version",
  "name",
  "description",
  "type",
  "state",
  "stateComment",
  "categories",
  "metadata",
  "locked",
  "lockedBy",
  "hidden",
  "createdBy",
  "createdDate",
  "lastModifiedBy",
  "lastModifiedDate",
  "effectiveStart",
  "effectiveEnd",
  "resourcePackId",
  "domains",
  "latestVersion",
  "contentMimeType",
  "systemResource",
  "standardVariantId",
  "variants",
]);

export class DasPackages {
  readonly importLogs: ImportLog[] = [];

  constructor(
    private readonly store: DesignStore,
    private readonly now: () => number,
  ) {}

  register(router: Router): void {
    router.add("POST", `${DESIGN_BASE}/import/:packagetype/:domain`, (ctx) => this.import(ctx));
    router.add("GET", `${DESIGN_BASE}/import/logs`, (ctx) =>
      success(
        ctx.res,
        this.importLogs.filter((l) => this.store.tenant(principalOf(ctx).tenant)?.domains.has(l.domain)),
      ),
    );
    router.add("GET", `${DESIGN_BASE}/export/:domain/:rootId`, (ctx) => this.export(ctx));
    router.add("POST", `${DESIGN_BASE}/export/:domain/:rootId`, (ctx) => this.export(ctx));
  }

  private async import(ctx: RequestContext): Promise<void> {
    const principal = principalOf(ctx);
    const domain = this.store.domain(principal.tenant, ctx.params.domain);
    if (ctx.params.packagetype !== "das") {
      throw new SimHttpError(
        400,
        `Package type "${ctx.params.packagetype}" is not supported by the simulator (only "das")`,
      );
    }
    const commit = ctx.query.get("commit") === "true"; // SPEC-DES: default false = dry run
    const body = await readMultipart(ctx.req);
    const pkg = body.files.find((f) => f.field === "exportPackage");
    if (!pkg) throw badRequest('Multipart part "exportPackage" is required');
    const settingsPart =
      body.files.find((f) => f.field === "conflictSettings")?.data.toString("utf8") ?? body.fields.conflictSettings;
    const policy = parsePolicy(settingsPart);
    const started = this.now();
    const log = (status: ImportLog["status"], extra: Partial<ImportLog>) =>
      this.importLogs.push({
        importId: randomUUID(),
        fileName: pkg.filename,
        domain: domain.id,
        status,
        createdBy: principal.subject,
        createdDate: started,
        lastModifiedBy: principal.subject,
        lastModifiedDate: this.now(),
        ...extra,
      });
    try {
      const result = this.importPackage(domain, pkg.data, policy, commit, principal.subject);
      if (commit) log("SUCCESS", { exportPackageId: result.exportPackageUUID as string });
      success(ctx.res, result);
    } catch (err) {
      log("FAILURE", { error: (err as Error).message });
      throw err;
    }
  }

  /** Imports a package into a domain; with commit=false only reports what would happen. Also used by the seed. */
  importPackage(
    domain: DomainRecord,
    zipData: Buffer,
    policy: Policy,
    commit: boolean,
    user: string,
  ): Record<string, unknown> {
    let zip: AdmZip;
    try {
      zip = new AdmZip(zipData);
    } catch (err) {
      throw badRequest(`exportPackage is not a zip file: ${(err as Error).message}`);
    }
    const entries = new Map(
      zip
        .getEntries()
        .filter((e) => !e.isDirectory)
        .map((e) => [e.entryName.replace(/\\/g, "/"), e]),
    );
    const read = (name: string): Buffer | undefined => entries.get(name)?.getData();
    const metadataRaw = read("metadata.json");
    if (!metadataRaw) throw badRequest("exportPackage has no metadata.json: not a DAS export package");
    const metadata = parseJson(metadataRaw, "metadata.json");

    const imported: FoundResource[] = [];
    const existing: FoundResource[] = [];
    const ignored: FoundResource[] = [];
    const conflicted: Record<string, unknown>[] = [];
    const warnings: string[] = [];
    const toStore: ResourceVersion[] = [];

    for (const [name, entry] of entries) {
      if (!name.startsWith("resources/") || !name.endsWith(".json")) continue;
      const json = parseJson(entry.getData(), name);
      const version = this.versionFromPackage(json, name, read, user);
      const found: FoundResource = {
        id: version.id,
        version: version.version,
        name: version.name,
        type: version.type,
        state: version.state,
      };
      const current = domain.resources.get(version.id);
      const sameVersion = current?.find((v) => v.version === version.version);
      const newest = current?.[current.length - 1];
      if (!current) {
        imported.push(found);
        toStore.push(version);
      } else if (policy === "ERROR") {
        conflicted.push({ ...found, userSelectedAction: "ERROR", performedAction: "ERROR" });
      } else if (policy === "SKIP" || (policy === "REPLACE_IF_NEWER" && newest && newest.version >= version.version)) {
        (sameVersion ? existing : ignored).push(found);
      } else {
        if (sameVersion) conflicted.push({ ...found, userSelectedAction: policy, performedAction: "REPLACE" });
        imported.push(found);
        toStore.push(version);
      }
    }
    if (policy === "ERROR" && conflicted.length > 0) {
      throw new SimHttpError(
        409,
        `${conflicted.length} resource(s) of the package already exist in domain "${domain.id}"`,
        409,
        conflicted.map((c) => c.id).join(", "),
      );
    }
    const links = linksOf(read("links/links.json"), warnings);
    if (commit) {
      for (const v of toStore) this.store.putVersion(domain, v);
      for (const link of links) this.store.addLink(domain, link);
    }
    return {
      exportPackageUUID: randomUUID(),
      metadata,
      policies: { generalPolicy: policy },
      importedResources: imported,
      ignoredResources: ignored,
      conflictedResources: conflicted,
      existingResources: existing,
      deletedResources: [],
      importedCategories: [],
      ignoredCategories: [],
      deploymentPackages: [],
      placeholderDataSources: [],
      resourcePermissions: {},
      warnings,
    };
  }

  private versionFromPackage(
    json: Record<string, unknown>,
    entryName: string,
    read: (name: string) => Buffer | undefined,
    user: string,
  ): ResourceVersion {
    const id = json.id;
    const type = json.type;
    const version = json.version;
    if (typeof id !== "string" || typeof type !== "string" || typeof version !== "number") {
      throw badRequest(`${entryName}: a resource needs "id", "type" and "version"`);
    }
    const prefix = `content/${type}-${id}-${version}-`;
    const content = contentOf(read, `${prefix}CONTENT`) ?? {
      data: Buffer.alloc(0),
      mimetype: "application/octet-stream",
    };
    const extraContent: Record<string, StoredContent> = {};
    for (const kind of ["THUMBNAIL", "PREVIEW"]) {
      const extra = contentOf(read, `${prefix}${kind}`);
      if (extra) extraContent[kind] = extra;
    }
    const state =
      typeof json.state === "string" && RESOURCE_STATES.includes(json.state as ResourceState)
        ? (json.state as ResourceState)
        : "APPROVED";
    const now = this.now();
    const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);
    const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
    const metadata =
      json.metadata && typeof json.metadata === "object" ? (json.metadata as Record<string, unknown>) : {};
    return {
      id,
      version,
      name: str(json.name, id),
      description: str(json.description),
      type,
      state,
      stateComment: str(json.stateComment),
      categories: Array.isArray(json.categories) ? json.categories : [],
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
      locked: json.locked === true,
      lockedBy: typeof json.lockedBy === "string" ? json.lockedBy : null,
      hidden: json.hidden === true,
      createdBy: str(json.createdBy, user),
      createdDate: num(json.createdDate) ?? now,
      lastModifiedBy: str(json.lastModifiedBy, user),
      lastModifiedDate: num(json.lastModifiedDate) ?? now,
      effectiveStart: num(json.effectiveStart),
      effectiveEnd: num(json.effectiveEnd),
      resourcePackId: typeof json.resourcePackId === "string" ? json.resourcePackId : undefined,
      content,
      extraContent,
      extra: Object.fromEntries(Object.entries(json).filter(([k]) => !MODELLED_FIELDS.has(k))),
    };
  }

  private export(ctx: RequestContext): void {
    const principal = principalOf(ctx);
    const domain = this.store.domain(principal.tenant, ctx.params.domain);
    const rootId = ctx.params.rootId;
    const option = (ctx.query.get("versions") ?? "LATEST_APPROVED").toUpperCase() as ExportVersions;
    if (!["LATEST_APPROVED", "LATEST", "ALL"].includes(option))
      throw badRequest(`versions must be LATEST_APPROVED, LATEST or ALL`);
    const root = this.store.latest(domain, rootId);
    const zip = this.buildPackage(domain, rootId, option, principal.tenant, principal.subject);
    if (!zip)
      throw notFound(`Resource ${rootId} has no ${option === "LATEST_APPROVED" ? "approved " : ""}version to export`);
    const stamp = exportStamp(this.now());
    const fileName = `ExportPackage-${root.name.replace(/[\\/:*?"<>|]/g, "_")}-${rootId}-${stamp}.zip`;
    sendBuffer(ctx.res, 200, "application/zip", zip, {
      "Content-Disposition": `attachment; filename="${encodeURIComponent(fileName)}"`,
    });
  }

  /** The root and everything it links to (transitively), in the chosen versions. */
  buildPackage(
    domain: DomainRecord,
    rootId: string,
    option: ExportVersions,
    tenant: string,
    user: string,
  ): Buffer | undefined {
    const ids = [rootId, ...new Set(this.store.linksFrom(domain, rootId, MAX_EXPORT_DEPTH).map((l) => l.linkObjectId))];
    const chosen: ResourceVersion[] = [];
    for (const id of ids) {
      const versions = domain.resources.get(id);
      if (!versions) continue;
      if (option === "ALL") chosen.push(...versions);
      else if (option === "LATEST") chosen.push(versions[versions.length - 1]);
      else {
        const approved =
          this.store.latestApproved(domain, id) ?? [...versions].reverse().find((v) => v.state === "APPROVED");
        if (approved) chosen.push(approved);
      }
    }
    if (!chosen.some((v) => v.id === rootId)) return undefined;
    const zip = new AdmZip();
    const now = this.now();
    for (const v of chosen) {
      const prefix = `${v.type}-${v.id}-${v.version}`;
      zip.addFile(`resources/${prefix}.json`, Buffer.from(JSON.stringify(resourceJson(v))));
      zip.addFile(`content/${prefix}-CONTENT.bin`, v.content.data);
      zip.addFile(`content/${prefix}-CONTENT.json`, Buffer.from(JSON.stringify(descriptor(v, "CONTENT", v.content))));
      for (const [kind, extra] of Object.entries(v.extraContent)) {
        zip.addFile(`content/${prefix}-${kind}.bin`, extra.data);
        zip.addFile(`content/${prefix}-${kind}.json`, Buffer.from(JSON.stringify(descriptor(v, kind, extra))));
      }
    }
    const included = new Set(chosen.map((v) => v.id));
    const links: LinkRecord[] = domain.links.filter(
      (l) => included.has(l.linkSubjectId) && included.has(l.linkObjectId),
    );
    zip.addFile("links/links.json", Buffer.from(JSON.stringify(links)));
    const gv = ["digraph G {", ...links.map((l) => `  "${l.linkSubjectId}" -> "${l.linkObjectId}";`), "}"].join("\n");
    zip.addFile("links/links.gv", Buffer.from(gv));
    const metadata = {
      databaseName: tenant,
      databaseVersion: "SIM",
      applicationVersion: DAS_VERSION.versionString,
      creator: user,
      exportCreationDate: exportStamp(now),
      exportOptions: `Versions:${option}`,
      versionConfig: { ...DAS_VERSION, appName: "das" },
    };
    zip.addFile("metadata.json", Buffer.from(JSON.stringify(metadata)));
    return zip.toBuffer();
  }
}

function parseJson(data: Buffer, name: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data.toString("utf8").replace(/^\uFEFF/, ""));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest(`${name} in the export package is not a JSON object`);
}

function contentOf(read: (name: string) => Buffer | undefined, base: string): StoredContent | undefined {
  const data = read(`${base}.bin`);
  if (!data) return undefined;
  let mimetype = "application/octet-stream";
  const desc = read(`${base}.json`);
  if (desc) {
    try {
      const parsed = JSON.parse(desc.toString("utf8")) as { mimetype?: unknown };
      if (typeof parsed.mimetype === "string") mimetype = parsed.mimetype;
    } catch {
      // a broken descriptor only loses the mime type
    }
  }
  return { data, mimetype };
}

function linksOf(raw: Buffer | undefined, warnings: string[]): LinkRecord[] {
  if (!raw) {
    warnings.push("links/links.json missing: no links imported");
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("links/links.json is not JSON");
  }
  if (!Array.isArray(parsed)) throw badRequest("links/links.json must be an array");
  return parsed
    .filter((l): l is Record<string, unknown> => !!l && typeof l === "object")
    .filter((l) => typeof l.linkSubjectId === "string" && typeof l.linkObjectId === "string")
    .map((l) => ({
      linkSubjectId: l.linkSubjectId as string,
      subjectVersion: typeof l.subjectVersion === "number" ? l.subjectVersion : 1,
      linkObjectId: l.linkObjectId as string,
    }));
}

function parsePolicy(settings: string | undefined): Policy {
  if (!settings) return "REPLACE_IF_NEWER";
  let parsed: { policies?: { generalPolicy?: unknown } };
  try {
    parsed = JSON.parse(settings) as typeof parsed;
  } catch {
    throw badRequest("conflictSettings is not JSON");
  }
  const policy = parsed.policies?.generalPolicy;
  if (policy === undefined) return "REPLACE_IF_NEWER";
  if (typeof policy !== "string" || !POLICIES.includes(policy as Policy)) {
    throw badRequest(
      `generalPolicy "${String(policy)}" is not supported by the simulator`,
      `supported: ${POLICIES.join(", ")}`,
    );
  }
  return policy as Policy;
}

function resourceJson(v: ResourceVersion): Record<string, unknown> {
  return {
    ...v.extra,
    categories: v.categories,
    createdBy: v.createdBy,
    createdDate: v.createdDate,
    description: v.description,
    hidden: v.hidden,
    id: v.id,
    lastModifiedBy: v.lastModifiedBy,
    lastModifiedDate: v.lastModifiedDate,
    locked: v.locked,
    ...(Object.keys(v.metadata).length > 0 ? { metadata: v.metadata } : {}),
    ...(v.effectiveStart !== null ? { effectiveStart: v.effectiveStart } : {}),
    ...(v.effectiveEnd !== null ? { effectiveEnd: v.effectiveEnd } : {}),
    name: v.name,
    ...(v.resourcePackId ? { resourcePackId: v.resourcePackId } : {}),
    state: v.state,
    stateComment: v.stateComment,
    type: v.type,
    version: v.version,
  };
}

function descriptor(v: ResourceVersion, kind: string, content: StoredContent): Record<string, unknown> {
  return {
    versionedId: { id: v.id, version: v.version },
    type: kind,
    mimetype: content.mimetype,
    etag: etagOf(content),
    content: null,
    version: v.version,
    id: v.id,
  };
}

/** 20220922_1810 */
function exportStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}
