/**
 * Design (DAS) API: domains, resources (list/get/content/create/update/state), links, communication-set manifests
 * and the import of DAS export packages.
 */
import { openAsBlob } from "node:fs";
import path from "node:path";
import { ExstreamError } from "./errors";
import { seg, unwrap, type ExstreamContext } from "./context";
import { download, type DownloadedFile } from "./artifacts";
import { iteratePages, toPage } from "./runtime";
import type {
  CommunicationBinding,
  CommunicationSetManifest,
  DesignVersion,
  Domain,
  ImportedResource,
  ImportPolicy,
  ImportResult,
  LinkDTO,
  Page,
  PageRequest,
  ResourceFilter,
  ResourceState,
  ResourceVersion,
  UploadContent,
} from "./types";

export const COMMUNICATION_TYPE = "exstrapplication";
export const COMMUNICATION_SET_TYPE = "exstrcommunicationset";

const resourcesUrl = (ctx: ExstreamContext, domain?: string): string =>
  `${ctx.designUrl}/resources/${seg(domain ?? ctx.domain)}`;

export async function getDesignVersion(ctx: ExstreamContext): Promise<DesignVersion> {
  const res = await ctx.transport.request<unknown>({
    operation: "design version",
    method: "GET",
    url: `${ctx.designUrl}/version`,
  });
  return unwrap<DesignVersion>(res.data);
}

/** `GET domains` — a PageResponseDomain (SPEC-DES), read page by page. */
export async function listDomains(ctx: ExstreamContext, pageSize?: number): Promise<Domain[]> {
  const domains: Domain[] = [];
  const pages = iteratePages<Domain>(async (page) => {
    const res = await ctx.transport.request<unknown>({
      operation: "list domains",
      method: "GET",
      url: `${ctx.designUrl}/domains`,
      params: { offset: page.offset, count: page.count },
    });
    return toPage<Domain>(res.data);
  }, pageSize);
  for await (const domain of pages) domains.push(domain);
  return domains;
}

export function resourceFilterParams(filter: ResourceFilter = {}): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {};
  const list = (v: string[] | undefined): string | undefined => (v && v.length > 0 ? v.join(",") : undefined);
  params["filter.types"] = list(filter.types);
  params["filter.states"] = list(filter.states);
  params["filter.ids"] = list(filter.ids);
  params["filter.name"] = filter.name;
  params["filter.searchString"] = filter.searchString;
  if (filter.latestVersion !== undefined) params["filter.latestVersion"] = String(filter.latestVersion);
  for (const [key, value] of Object.entries(filter.extra ?? {})) {
    params[`filter.${key}`] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return params;
}

export async function listResources(
  ctx: ExstreamContext,
  filter?: ResourceFilter,
  page: PageRequest = {},
  domain?: string,
): Promise<Page<ResourceVersion>> {
  const res = await ctx.transport.request<unknown>({
    operation: "list resources",
    method: "GET",
    url: resourcesUrl(ctx, domain),
    params: { ...resourceFilterParams(filter), offset: page.offset ?? 0, count: page.count ?? 100 },
  });
  return toPage<ResourceVersion>(res.data);
}

export const iterateResources = (ctx: ExstreamContext, filter?: ResourceFilter, pageSize?: number, domain?: string) =>
  iteratePages<ResourceVersion>((p) => listResources(ctx, filter, p, domain), pageSize);

export async function getResource(
  ctx: ExstreamContext,
  id: string,
  options: { version?: number; domain?: string } = {},
): Promise<ResourceVersion> {
  const res = await ctx.transport.request<unknown>({
    operation: "get resource",
    method: "GET",
    url: `${resourcesUrl(ctx, options.domain)}/${seg(id)}`,
    params: { version: options.version },
  });
  return unwrap<ResourceVersion>(res.data);
}

/** The resource's content, streamed to `destPath`. */
export function downloadResourceContent(
  ctx: ExstreamContext,
  id: string,
  destPath: string,
  options: { version?: number; domain?: string } = {},
): Promise<DownloadedFile> {
  const params = options.version !== undefined ? { version: options.version } : undefined;
  return download(ctx, "resource content", `${resourcesUrl(ctx, options.domain)}/${seg(id)}/content`, destPath, params);
}

/** The resource's content in memory — for small things (a text block, a template); use the download otherwise. */
export async function getResourceContent(
  ctx: ExstreamContext,
  id: string,
  options: { version?: number; domain?: string } = {},
): Promise<{ content: Buffer; mimeType?: string }> {
  const res = await ctx.transport.request<Buffer>({
    operation: "resource content",
    method: "GET",
    url: `${resourcesUrl(ctx, options.domain)}/${seg(id)}/content`,
    params: { version: options.version },
    responseType: "arraybuffer",
  });
  return { content: Buffer.from(res.data), mimeType: res.headers["content-type"]?.split(";")[0] };
}

export interface CreateResourceRequest {
  name: string;
  type: string;
  subtype?: string;
  content: UploadContent;
  domain?: string;
}

/** `POST resources/{domain}/content?name=&type=&subtype=` with multipart part `file` → the new resource (201). */
export async function createResource(ctx: ExstreamContext, req: CreateResourceRequest): Promise<ResourceVersion> {
  const res = await ctx.transport.request<unknown>({
    operation: "create resource",
    method: "POST",
    url: `${resourcesUrl(ctx, req.domain)}/content`,
    params: { name: req.name, type: req.type, subtype: req.subtype },
    bodyFactory: () => multipartFile(req.content, req.name),
    idempotent: false,
  });
  return unwrap<ResourceVersion>(res.data);
}

/** `PUT resources/{domain}/{id}/content` (the resource must be DRAFT, else the server answers 409). */
export async function updateResourceContent(
  ctx: ExstreamContext,
  id: string,
  content: UploadContent,
  domain?: string,
): Promise<ResourceVersion> {
  const res = await ctx.transport.request<unknown>({
    operation: "update resource content",
    method: "PUT",
    url: `${resourcesUrl(ctx, domain)}/${seg(id)}/content`,
    bodyFactory: () => multipartFile(content, id),
  });
  return unwrap<ResourceVersion>(res.data);
}

/** Moves a resource through its workflow with an audited comment (APPROVED→DRAFT makes a new version). */
export async function changeResourceState(
  ctx: ExstreamContext,
  id: string,
  state: ResourceState,
  auditedComment: string,
  options: { locked?: boolean; domain?: string } = {},
): Promise<ResourceVersion> {
  const res = await ctx.transport.request<unknown>({
    operation: "change resource state",
    method: "PUT",
    url: `${resourcesUrl(ctx, options.domain)}/${seg(id)}/state`,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ state, auditedComment, locked: options.locked ?? false }),
    // A state change is not idempotent (the second DRAFT→REVIEW is a 409): resend only when it surely did not land.
    idempotent: false,
  });
  return unwrap<ResourceVersion>(res.data);
}

/** `GET links/{domain}?linkSubjectId=` — a PageResponseLinkDTO (SPEC-DES), read page by page. */
export async function listLinks(
  ctx: ExstreamContext,
  subjectId: string,
  options: { depth?: number; types?: string[]; subjectVersion?: number; domain?: string } = {},
): Promise<LinkDTO[]> {
  const links: LinkDTO[] = [];
  const pages = iteratePages<LinkDTO>(async (page) => {
    const res = await ctx.transport.request<unknown>({
      operation: "list links",
      method: "GET",
      url: `${ctx.designUrl}/links/${seg(options.domain ?? ctx.domain)}`,
      params: {
        linkSubjectId: subjectId,
        linkSubjectVersion: options.subjectVersion,
        linkDepth: options.depth,
        "filter.types": options.types?.join(","),
        offset: page.offset,
        count: page.count,
      },
    });
    return toPage<LinkDTO>(res.data);
  });
  for await (const link of pages) links.push(link);
  return links;
}

export async function getCommunicationSetManifest(
  ctx: ExstreamContext,
  setId: string,
  domain?: string,
): Promise<CommunicationSetManifest> {
  const res = await ctx.transport.request<unknown>({
    operation: "communication-set manifest",
    method: "GET",
    url: `${ctx.designUrl}/manifests/${seg(domain ?? ctx.domain)}/communication-set/${seg(setId)}`,
  });
  const manifest = unwrap<CommunicationSetManifest>(res.data);
  return { ...manifest, dsnlist: manifest?.dsnlist ?? [], queueList: manifest?.queueList ?? [] };
}

/** The communication (`exstrapplication`) with exactly this name, latest version; undefined when there is none. */
export async function findCommunicationByName(
  ctx: ExstreamContext,
  name: string,
  domain?: string,
): Promise<ResourceVersion | undefined> {
  const filter: ResourceFilter = { types: [COMMUNICATION_TYPE], name, latestVersion: true };
  for await (const resource of iterateResources(ctx, filter, 100, domain)) {
    if (resource.name === name && resource.type === COMMUNICATION_TYPE) return resource;
  }
  return undefined;
}

/**
 * Everything `generate` needs for a communication given by id or name: communication → its communication set
 * (links, depth 2) → the set's manifest → the driver's production name (`dsnlist[type=driver].prodDsn`) and queues.
 */
export async function resolveCommunication(
  ctx: ExstreamContext,
  idOrName: string,
  domain?: string,
): Promise<CommunicationBinding> {
  const operation = "resolve communication";
  let communication: ResourceVersion | undefined;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName)) {
    communication = await getResource(ctx, idOrName, { domain });
  } else {
    communication = await findCommunicationByName(ctx, idOrName, domain);
  }
  if (!communication)
    throw new ExstreamError({ operation, status: 404, serverMessage: `no communication "${idOrName}"` });
  const links = await listLinks(ctx, communication.id, { depth: 2, types: [COMMUNICATION_SET_TYPE], domain });
  const setId = links.find((l) => l.linkObjectId && l.linkObjectId !== communication.id)?.linkObjectId;
  if (!setId) {
    throw new ExstreamError({
      operation,
      serverMessage: `communication "${communication.name}" has no communication set`,
    });
  }
  const manifest = await getCommunicationSetManifest(ctx, setId, domain);
  const driver = manifest.dsnlist.find((d) => d.type === "driver") ?? manifest.dsnlist[0];
  if (!driver?.prodDsn) {
    throw new ExstreamError({ operation, serverMessage: `communication set ${setId} has no driver data source` });
  }
  return {
    communicationId: communication.id,
    communicationName: communication.name,
    communicationSetId: setId,
    driverDataSource: driver.prodDsn,
    queues: manifest.queueList,
  };
}

export interface ImportPackageRequest {
  /** The DAS export package (zip): a file (streamed) or bytes. */
  content: UploadContent;
  /** false: a dry run that reports what would be imported (the API's default); true: import. */
  commit: boolean;
  /** `conflictSettings.policies.generalPolicy`; default REPLACE_IF_NEWER (an older package never replaces newer versions). */
  policy?: ImportPolicy;
  domain?: string;
}

/**
 * `POST import/das/{domain}?commit=` with the multipart parts `exportPackage` (the zip) and `conflictSettings` (a JSON
 * file naming the general replacement policy), as OpenText's SDK sends them.
 */
export async function importPackage(ctx: ExstreamContext, req: ImportPackageRequest): Promise<ImportResult> {
  const settings = JSON.stringify({ policies: { generalPolicy: req.policy ?? "REPLACE_IF_NEWER" } });
  const res = await ctx.transport.request<unknown>({
    operation: req.commit ? "import package" : "import package (dry run)",
    method: "POST",
    url: `${ctx.designUrl}/import/das/${seg(req.domain ?? ctx.domain)}`,
    params: { commit: String(req.commit) },
    bodyFactory: async () => {
      const form = await multipartFile(req.content, "package.zip", "exportPackage");
      form.append("conflictSettings", new Blob([settings], { type: "application/json" }), "conflictSettings.json");
      return form;
    },
    // A dry run changes nothing; an import is resent only when it surely did not land.
    idempotent: !req.commit,
  });
  const data = unwrap<Record<string, unknown> | undefined>(res.data) ?? {};
  const list = (value: unknown): ImportedResource[] =>
    Array.isArray(value)
      ? value.filter((r): r is ImportedResource => !!r && typeof r === "object" && typeof r.id === "string")
      : [];
  return {
    exportPackageUUID: typeof data.exportPackageUUID === "string" ? data.exportPackageUUID : undefined,
    importedResources: list(data.importedResources),
    existingResources: list(data.existingResources),
    ignoredResources: list(data.ignoredResources),
    conflictedResources: list(data.conflictedResources),
    warnings: Array.isArray(data.warnings) ? data.warnings.map(String) : [],
  };
}

async function multipartFile(content: UploadContent, fallbackName: string, field = "file"): Promise<FormData> {
  const type = content.contentType ?? "application/octet-stream";
  let blob: Blob;
  let fileName = content.fileName;
  if (content.path) {
    blob = await openAsBlob(content.path, { type }); // streamed from disk when sent
    fileName ??= path.basename(content.path);
  } else if (content.data !== undefined) {
    const bytes = typeof content.data === "string" ? Buffer.from(content.data, "utf8") : content.data;
    blob = new Blob([Uint8Array.from(bytes)], { type });
  } else {
    throw new TypeError("upload: give a path or data");
  }
  const form = new FormData();
  form.append(field, blob, fileName ?? fallbackName);
  return form;
}
