import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { badRequest, SimHttpError } from "./errors";

/** The bearer-token identity a request carries once authenticated. */
export interface Principal {
  tenant: string;
  subject: string;
  clientId?: string;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  principal?: Principal;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  public: boolean;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  public: boolean;
}

/**
 * Matches "/a/:b/c" patterns segment by segment on the raw (still encoded) path, so an encoded "/" (%2F) stays
 * inside one parameter; a last segment ":name*" takes the rest of the path.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: { public?: boolean } = {}): this {
    this.routes.push({ method, segments: split(pattern), handler, public: options.public ?? false });
    return this;
  }

  match(method: string, rawPath: string): RouteMatch | { methodNotAllowed: true } | undefined {
    const parts = split(rawPath);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method) return { handler: route.handler, params, public: route.public };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i];
    if (seg.startsWith(":") && seg.endsWith("*")) {
      if (i >= parts.length) return undefined;
      params[seg.slice(1, -1)] = parts.slice(i).map(decode).join("/");
      return params;
    }
    if (i >= parts.length) return undefined;
    if (seg.startsWith(":")) params[seg.slice(1)] = decode(parts[i]);
    else if (seg !== parts[i]) return undefined;
  }
  return pattern.length === parts.length ? params : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed path segment "${segment}"`);
  }
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function readBody(req: Readable, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new SimHttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw badRequest("request body is not a JSON object");
  }
}

/** Reads an OAuth-style body: form-urlencoded or JSON, as OTDS accepts both. */
export async function readFormOrJson(req: IncomingMessage): Promise<Record<string, string>> {
  const type = mediaType(req.headers["content-type"]);
  const body = (await readBody(req, 1024 * 1024)).toString("utf8");
  if (type === "application/json") {
    try {
      const parsed = JSON.parse(body || "{}") as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v == null ? "" : String(v)]));
    } catch {
      throw badRequest("request body is not JSON");
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export interface UploadedFile {
  field: string;
  filename: string;
  mimeType: string;
  data: Buffer;
}

export interface MultipartBody {
  files: UploadedFile[];
  fields: Record<string, string>;
}

export function readMultipart(req: IncomingMessage): Promise<MultipartBody> {
  const type = mediaType(req.headers["content-type"]);
  if (type !== "multipart/form-data") {
    return Promise.reject(new SimHttpError(415, `expected multipart/form-data, got "${type || "none"}"`));
  }
  return new Promise((resolve, reject) => {
    const result: MultipartBody = { files: [], fields: {} };
    const parser = busboy({ headers: req.headers, defParamCharset: "utf8", limits: { fileSize: MAX_BODY_BYTES } });
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () =>
        result.files.push({
          field,
          filename: info.filename ?? "",
          mimeType: info.mimeType,
          data: Buffer.concat(chunks),
        }),
      );
    });
    parser.on("field", (name, value) => (result.fields[name] = value));
    parser.on("error", (err: Error) => reject(badRequest(`malformed multipart body: ${err.message}`)));
    parser.on("close", () => resolve(result));
    req.pipe(parser);
  });
}

/** "application/json; charset=utf-8" → "application/json" */
export function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? "").split(";")[0].trim().toLowerCase();
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

/** Exstream answers JSON with exactly "application/json" (OpenText's Postman tests compare the header verbatim). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(data.length), ...headers });
  res.end(data);
}

export function sendBuffer(
  res: ServerResponse,
  status: number,
  contentType: string,
  data: Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": String(data.length), ...headers });
  res.end(data);
}

export function success(res: ServerResponse, data: unknown, status = 200): void {
  sendJson(res, status, { status: "success", data });
}

export interface Paging {
  offset: number;
  count: number;
}

export function paging(query: URLSearchParams, defaultCount: number): Paging {
  const offset = intParam(query, "offset", 0);
  const count = intParam(query, "count", defaultCount);
  if (count < 1) throw badRequest("count must be at least 1");
  return { offset, count };
}

export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer`);
  return n;
}

/** The paged envelope of the Orchestration and Design list calls. */
export function sendPage<T>(res: ServerResponse, items: T[], page: Paging): void {
  const slice = items.slice(page.offset, page.offset + page.count);
  sendJson(res, 200, {
    status: "success",
    data: slice,
    page: {
      pageSize: page.count,
      pageOffset: page.offset,
      totalElements: items.length,
      totalPages: Math.ceil(items.length / page.count),
      currentPageNumber: Math.floor(page.offset / page.count),
    },
  });
}
