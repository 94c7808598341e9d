/**
 * Publishing approved content into a Design (DAS) resource (docs/api-evidence.md, "Design (DAS)"): find or create the resource, bring it
 * to DRAFT when needed (an APPROVED resource becomes a new version), upload the content and drive it to APPROVED
 * through the domain's workflow with an audited comment naming the source.
 *
 * Idempotence by content: when the resource's latest version is APPROVED and its content has the SHA-256 of the new
 * content, nothing changes (`unchanged`) — publishing the same source version twice makes one Exstream version. An
 * unfinished version (DRAFT/REVIEW/REJECTED, e.g. left by an interrupted publish) is completed rather than stacked.
 */
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { sha256OfBuffer, sha256OfFile } from "../checksum";
import { toEpochMs } from "./dates";
import { ExstreamError } from "./errors";
import type { ExstreamClient } from "./index";
import type { ResourceState, ResourceVersion, UploadContent } from "./types";

type DesignClient = Pick<
  ExstreamClient,
  | "getResource"
  | "iterateResources"
  | "createResource"
  | "updateResourceContent"
  | "changeResourceState"
  | "downloadResourceContent"
  | "listDomains"
>;

/** standard: DRAFT→REVIEW→APPROVED; simple: DRAFT→APPROVED. */
export type PublishWorkflow = "standard" | "simple";

/** Where the content comes from (e.g. the Content Server document), named in the audited comments. */
export interface PublishSource {
  nodeId?: string | number;
  version?: string | number;
  name?: string;
}

export interface PublishRequest {
  /** The resource to update; wins over name + type. */
  resourceId?: string;
  name?: string;
  /** DAS resource type, e.g. `exstrparagraph`, `image`, `versionedtemplate`. */
  type?: string;
  /** e.g. `message` | `disclaimer` for `exstrparagraph`; used on create and to tell same-named resources apart. */
  subtype?: string;
  content: UploadContent;
  source: PublishSource;
  workflow: PublishWorkflow;
  domain?: string;
  tmpDir?: string;
}

/** Resources: created | versioned | updated | unchanged; packages: imported | unchanged. */
export type PublishOutcome = "created" | "versioned" | "updated" | "unchanged" | "imported";

export interface PublishResult {
  resourceId: string;
  version: number;
  state: string;
  resourceName: string;
  resourceType: string;
  outcome: PublishOutcome;
  sha256: string;
  /** When the approved version was reached (epoch ms; for `unchanged`, when it was last modified). */
  publishedAt: number;
}

/** The workflow a domain runs (`GET domains` → `workflow`: SIMPLE → simple, NORMAL/ADVANCED → standard). */
export async function detectWorkflow(
  client: Pick<ExstreamClient, "listDomains">,
  domain: string,
): Promise<PublishWorkflow> {
  const found = (await client.listDomains()).find((d) => d.id === domain);
  if (!found) throw new ExstreamError({ operation: "publish", status: 404, serverMessage: `no domain "${domain}"` });
  return String(found.workflow ?? "").toUpperCase() === "SIMPLE" ? "simple" : "standard";
}

export async function publishResource(client: DesignClient, req: PublishRequest): Promise<PublishResult> {
  const sha256 = await contentSha256(req.content);
  const comments = auditComments(req.source, sha256);
  let current = await findTarget(client, req);

  if (!current) {
    if (!req.name || !req.type) throw new TypeError("publish: a new resource needs a name and a type");
    const created = await client.createResource({
      name: req.name,
      type: req.type,
      subtype: req.subtype,
      content: req.content,
      domain: req.domain,
    });
    return result(await approve(client, created, req, comments), "created", sha256);
  }

  const sameContent = await hasContent(client, current, sha256, req);
  if (current.state === "APPROVED") {
    if (sameContent) return result(current, "unchanged", sha256, current.lastModifiedDate);
    current = await move(client, current, "DRAFT", comments.draft, req.domain);
    current = await client.updateResourceContent(current.id, req.content, req.domain);
    return result(await approve(client, current, req, comments), "versioned", sha256);
  }

  // An unfinished version: complete it with this content.
  if (current.state === "REVIEW" && !sameContent)
    current = await move(client, current, "DRAFT", comments.draft, req.domain);
  if (current.state === "REJECTED") current = await move(client, current, "DRAFT", comments.draft, req.domain);
  if (current.state === "DRAFT") current = await client.updateResourceContent(current.id, req.content, req.domain);
  const approved = await approve(client, current, req, comments);
  return result(approved, approved.version > 1 ? "versioned" : "updated", sha256);
}

/** The resource by id, or the one resource of that name and type (latest version); undefined when there is none. */
async function findTarget(client: DesignClient, req: PublishRequest): Promise<ResourceVersion | undefined> {
  if (req.resourceId) return client.getResource(req.resourceId, { domain: req.domain });
  if (!req.name || !req.type) throw new TypeError("publish: give a resource id, or a name and a type");
  const wanted = req.name.toLowerCase();
  const hits: ResourceVersion[] = [];
  const filter = { types: [req.type], name: req.name, latestVersion: true };
  for await (const r of client.iterateResources(filter, 100, req.domain)) {
    if (r.type === req.type && r.name.toLowerCase() === wanted) hits.push(r);
  }
  const exact = hits.filter((r) => r.name === req.name);
  let pool = exact.length > 0 ? exact : hits;
  if (req.subtype && pool.length > 1) {
    pool = pool.filter((r) => String((r.metadata ?? {}).subtype ?? "") === req.subtype);
  }
  if (pool.length > 1) {
    throw new ExstreamError({
      operation: "publish",
      status: 409,
      serverMessage: `${pool.length} resources of type ${req.type} are named "${req.name}"; configure the resource id`,
    });
  }
  return pool[0];
}

/** Drives a DRAFT/REVIEW version to APPROVED through the domain's workflow with the audited comments. */
export async function approve(
  client: Pick<DesignClient, "changeResourceState" | "getResource">,
  resource: ResourceVersion,
  req: { workflow: PublishWorkflow; domain?: string },
  comments: ReturnType<typeof auditComments>,
): Promise<ResourceVersion> {
  let current = resource;
  if (req.workflow === "standard" && current.state === "DRAFT") {
    current = await move(client, current, "REVIEW", comments.review, req.domain);
  }
  if (current.state !== "APPROVED") current = await move(client, current, "APPROVED", comments.approved, req.domain);
  if (current.state !== "APPROVED") {
    throw new ExstreamError({
      operation: "publish",
      serverMessage: `resource ${current.id} version ${current.version} is ${current.state}, not APPROVED`,
    });
  }
  return current;
}

async function move(
  client: Pick<DesignClient, "changeResourceState" | "getResource">,
  resource: ResourceVersion,
  state: ResourceState,
  comment: string,
  domain?: string,
): Promise<ResourceVersion> {
  const next = await client.changeResourceState(resource.id, state, comment, { domain });
  // Some servers answer a state change without the resource: read it back.
  return next && typeof next === "object" && next.id ? next : client.getResource(resource.id, { domain });
}

/** Whether the resource's latest version already holds content with this SHA-256 (streamed to a temp file). */
async function hasContent(
  client: DesignClient,
  resource: ResourceVersion,
  sha256: string,
  req: PublishRequest,
): Promise<boolean> {
  const file = path.join(req.tmpDir ?? os.tmpdir(), `exstream-publish-${randomUUID()}`);
  try {
    await client.downloadResourceContent(resource.id, file, { version: resource.version, domain: req.domain });
    return (await sha256OfFile(file)).sha256 === sha256;
  } catch (err) {
    if (err instanceof ExstreamError && err.status === 404) return false; // no content yet
    throw err;
  } finally {
    await fsp.rm(file, { force: true });
  }
}

export async function contentSha256(content: UploadContent): Promise<string> {
  if (content.path) return (await sha256OfFile(content.path)).sha256;
  if (content.data !== undefined) {
    return sha256OfBuffer(typeof content.data === "string" ? Buffer.from(content.data, "utf8") : content.data).sha256;
  }
  throw new TypeError("publish: give the content as a path or data");
}

/** Audited comments naming the source, e.g. `Content Server node 4711 version 3 "Legal Disclaimer.txt"`. */
export function auditComments(source: PublishSource, sha256: string) {
  const parts: string[] = [];
  if (source.nodeId !== undefined && source.nodeId !== "") parts.push(`node ${source.nodeId}`);
  if (source.version !== undefined && source.version !== "") parts.push(`version ${source.version}`);
  if (source.name) parts.push(`"${source.name}"`);
  const what = parts.length > 0 ? `Content Server ${parts.join(" ")}` : "approved content";
  const hash = `SHA-256 ${sha256}`;
  return {
    draft: `New version for ${what}`,
    review: `Submitted for approval: ${what} (${hash})`,
    approved: `Approved in Content Server: ${what} (${hash})`,
  };
}

export function result(
  v: ResourceVersion,
  outcome: PublishOutcome,
  sha256: string,
  at?: number | string,
): PublishResult {
  const lastChange = toEpochMs(at); // epoch ms (real servers) or ISO date-time (the spec)
  return {
    resourceId: v.id,
    version: v.version,
    state: String(v.state),
    resourceName: v.name,
    resourceType: v.type,
    outcome,
    sha256,
    publishedAt: outcome === "unchanged" && lastChange ? lastChange : Date.now(),
  };
}
