import { pipeline } from "node:stream/promises";
import { CsError, badRequest } from "./errors";
import type { UploadedFile } from "./forms";
import { SubType, type SimNode, type SimVersion } from "./model";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import { timestamp } from "./store";
import { definitionsOf, latestVersion, nodeProperties, parseId, versionView } from "./views";

const MAX_VERSION_DESCRIPTION = 255;

function truthy(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

/** Takes the uploaded `file` part over from the request (so it is not discarded) and makes it a version. */
export function takeFile(ctx: RequestContext): UploadedFile | undefined {
  const file = ctx.form.files.get("file");
  if (file) ctx.form.files.delete("file");
  return file;
}

export function newVersion(
  node: SimNode,
  file: UploadedFile,
  userId: number,
  options: { description?: unknown; major?: boolean; externalCreateDate?: string; externalModifyDate?: string },
): SimVersion {
  const previous = latestVersion(node);
  const major = previous ? (options.major || !node.advancedVersioning ? previous.major + 1 : previous.major) : 1;
  const minor = previous && node.advancedVersioning && !options.major ? previous.minor + 1 : 0;
  return {
    number: (previous?.number ?? 0) + 1,
    fileName: file.fileName,
    mimeType: file.mimeType,
    size: file.size,
    sha256: file.sha256,
    contentFile: file.file,
    description: String(options.description ?? "").slice(0, MAX_VERSION_DESCRIPTION),
    createDate: timestamp(),
    createUserId: userId,
    major,
    minor,
    externalCreateDate: options.externalCreateDate,
    externalModifyDate: options.externalModifyDate,
  };
}

function requireDocument(ctx: RequestContext): SimNode {
  const node = ctx.sim.store.requireNode(parseId(ctx.params.id));
  if (node.type !== SubType.Document || !node.versions) {
    throw badRequest(`Node ${node.id} ('${node.name}') is not a versionable document.`);
  }
  return node;
}

function findVersion(node: SimNode, raw: string): SimVersion {
  const number = raw === "latest" ? latestVersion(node)?.number : Number(raw);
  const version = node.versions?.find((v) => v.number === number);
  if (!version) throw badRequest(`Version ${raw} of node ${node.id} does not exist.`);
  return version;
}

async function addVersion(ctx: RequestContext, api: 1 | 2) {
  const { store } = ctx.sim;
  const node = requireDocument(ctx);
  const file = takeFile(ctx);
  if (!file) throw badRequest("Missing required parameter 'File'");
  const input = ctx.form.input();
  const version = newVersion(node, file, ctx.user.id, {
    description: input.description,
    major: truthy(input.add_major_version),
    externalCreateDate: input.external_create_date as string | undefined,
    externalModifyDate: input.external_modify_date as string | undefined,
  });
  node.versions!.push(version);
  store.touch(node, ctx.user.id);
  store.changed();
  if (api === 1) return { id: node.id, version_number: version.number };
  return {
    links: selfLinks(ctx.req),
    results: { data: { properties: nodeProperties(store, node), versions: versionView(node, version) } },
  };
}

function listVersions(ctx: RequestContext, api: 1 | 2) {
  const node = requireDocument(ctx);
  const views = node.versions!.map((v) => versionView(node, v));
  if (api === 1) return { data: views, ...definitionsOf(views[0] ?? {}) };
  return { links: selfLinks(ctx.req), results: views.map((versions) => ({ data: { versions } })) };
}

function getVersion(ctx: RequestContext, api: 1 | 2) {
  const node = requireDocument(ctx);
  if (api === 2 && ctx.params.version === "latest") {
    throw badRequest("Invalid value for parameter 'version_number'.");
  }
  const view = versionView(node, findVersion(node, ctx.params.version));
  if (api === 1) return { data: view, ...definitionsOf(view) };
  return { links: selfLinks(ctx.req), results: { data: { versions: view } } };
}

async function deleteVersion(ctx: RequestContext) {
  const { store, content } = ctx.sim;
  const node = requireDocument(ctx);
  const version = findVersion(node, ctx.params.version);
  if (node.versions!.length === 1) throw badRequest("The only version of a document cannot be deleted.");
  node.versions = node.versions!.filter((v) => v !== version);
  store.touch(node, ctx.user.id);
  store.changed();
  await content.discard(version.contentFile);
  return {};
}

function contentDisposition(kind: "attachment" | "inline", fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Streams a version's bytes; CS answers 500 "Could not locate node" for a missing node here. */
async function downloadContent(ctx: RequestContext) {
  const { store, content } = ctx.sim;
  const id = parseId(ctx.params.id);
  const node = store.requireNode(id, 500, `Could not locate node: ${id}`);
  if (node.type !== SubType.Document || !node.versions?.length) {
    throw new CsError(400, `Node ${id} ('${node.name}') has no content.`);
  }
  const version = ctx.params.version ? findVersion(node, ctx.params.version) : latestVersion(node)!;
  if (!(await content.exists(version.contentFile))) throw new CsError(500, `Could not locate content of node: ${id}`);
  const action = ctx.query.get("action");
  ctx.res.writeHead(200, {
    "Content-Type": action === "download" ? "application/octet-stream" : version.mimeType,
    "Content-Length": version.size,
    "Content-Disposition": contentDisposition(action === "open" ? "inline" : "attachment", version.fileName),
    "Last-Modified": new Date(version.createDate).toUTCString(),
  });
  if (ctx.req.method === "HEAD") {
    ctx.res.end();
    return undefined;
  }
  await pipeline(content.open(version.contentFile), ctx.res);
  return undefined;
}

export function registerDocumentRoutes(router: Router): void {
  for (const api of [1, 2] as const) {
    const base = `api/v${api}/nodes/:id`;
    router
      .post(`${base}/versions`, (ctx) => addVersion(ctx, api))
      .get(`${base}/versions`, (ctx) => listVersions(ctx, api))
      .get(`${base}/versions/:version`, (ctx) => getVersion(ctx, api))
      .delete(`${base}/versions/:version`, deleteVersion)
      .get(`${base}/content`, downloadContent)
      .get(`${base}/content/:filename`, downloadContent)
      .get(`${base}/versions/:version/content`, downloadContent)
      .get(`${base}/versions/:version/content/:filename`, downloadContent);
  }
}
