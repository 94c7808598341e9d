/**
 * Publishing a governed template as a DAS export package (docs/api-evidence.md, "Design (DAS)"): `POST import/das/{domain}`, with the same
 * idempotence and approval as a single resource.
 *
 * Idempotence: a dry run (`commit=false`) under REPLACE_IF_NEWER asks the Design API what the package would change;
 * when every resource of the package is already there at its version, nothing is imported (`unchanged`), so
 * publishing the same package twice imports it once. An older package never replaces newer versions (they are
 * reported as `ignored`). Approval: every resource of the package whose version is not APPROVED (an export of drafts,
 * or an import interrupted before its approval) is driven to APPROVED with audited comments naming the Content Server
 * source and the package's SHA-256, as for a single resource.
 */
import { COMMUNICATION_TYPE } from "./design";
import { ExstreamError } from "./errors";
import type { ExstreamClient } from "./index";
import {
  approve,
  auditComments,
  contentSha256,
  result,
  type PublishResult,
  type PublishSource,
  type PublishWorkflow,
} from "./publish";
import type { ImportedResource, ResourceVersion, UploadContent } from "./types";

type PackageClient = Pick<ExstreamClient, "importPackage" | "getResource" | "changeResourceState">;

export interface PackagePublishRequest {
  /** The DAS export package (zip). */
  content: UploadContent;
  source: PublishSource;
  workflow: PublishWorkflow;
  domain?: string;
}

export interface PackagePublishResult extends PublishResult {
  /** Every resource of the package as the domain now holds it (id, version, type, name, state). */
  resources: ImportedResource[];
  /** Resources of the package the domain holds in a newer version: left as they are. */
  ignored: ImportedResource[];
}

export async function publishPackage(client: PackageClient, req: PackagePublishRequest): Promise<PackagePublishResult> {
  const sha256 = await contentSha256(req.content);
  const comments = auditComments(req.source, sha256);
  const dryRun = await client.importPackage({ content: req.content, commit: false, domain: req.domain });
  const changes = dryRun.importedResources.length > 0;
  const report = changes
    ? await client.importPackage({ content: req.content, commit: true, domain: req.domain })
    : dryRun;
  const members = [...report.importedResources, ...report.existingResources];
  if (members.length === 0) {
    throw new ExstreamError({
      operation: "publish package",
      serverMessage: "the package holds no resource this domain can take (all of them exist in newer versions)",
    });
  }

  // The communication is reported, and approved after its parts.
  const rootId = (members.find((m) => m.type === COMMUNICATION_TYPE) ?? members[0]).id;
  const ordered = [...members.filter((m) => m.id !== rootId), ...members.filter((m) => m.id === rootId)];
  const resources: ImportedResource[] = [];
  let root: ResourceVersion | undefined;
  let approved = false;
  for (const member of ordered) {
    if (member.state === "APPROVED" && member.id !== rootId) {
      resources.push(summary(member));
      continue;
    }
    let current = await client.getResource(member.id, { domain: req.domain });
    if (current.version === member.version && current.state !== "APPROVED") {
      current = await approve(client, current, req, comments);
      approved = true;
    }
    resources.push(summary(current));
    if (current.id === rootId) root = current;
  }
  return {
    ...result(root!, changes || approved ? "imported" : "unchanged", sha256, root!.lastModifiedDate),
    resources,
    ignored: report.ignoredResources.map(summary),
  };
}

function summary(r: ImportedResource | ResourceVersion): ImportedResource {
  return { id: r.id, version: r.version, type: r.type, name: r.name, state: r.state };
}
