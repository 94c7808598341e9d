import { setMostRecent } from "../bounded-map";
import type { ContentServerClient } from "../content-server/index";
import type { CsNode } from "../content-server/types";
import { ArchiveError } from "./failures";
import type { ArchiveTarget } from "./types";

/**
 * Folders a target resolved to, per client, so a batch archiving into one folder does not read the folder (and look
 * the path up: the root plus one lookup per segment, or the business workspace and its sub-folder) again for every
 * document. Small, bounded (least recently used out) and short-lived;
 * an entry is forgotten when an archive into it fails (see {@link forgetTargetFolder}).
 */
const FOLDER_CACHE_SIZE = 256;
const FOLDER_CACHE_TTL_MS = 60_000;
const folderCaches = new WeakMap<ContentServerClient, Map<string, { folder: CsNode; at: number }>>();

/** The cache key of a target (a folder, a path, a business workspace and the sub-folder below it). */
function folderCacheKey(target: ArchiveTarget): string {
  const segments = (path: string) =>
    path
      .split("/")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .join("/");
  const sub = segments("subFolder" in target ? (target.subFolder ?? "") : "");
  switch (target.kind) {
    case "path":
      return `path:${target.rootId}:${segments(target.path)}`;
    case "folder":
      return `folder:${target.folderId}:${sub}`;
    case "workspaceByBusinessObject": {
      const { extSystemId, boType, boId } = target.businessObject;
      return `bo:${JSON.stringify([extSystemId, boType, boId])}:${sub}`;
    }
    case "workspaceByName": {
      const { id, name } = target.workspaceType;
      return `workspace:${JSON.stringify([id ?? null, name ?? null, target.name])}:${sub}`;
    }
  }
}

/**
 * Forgets the cached folder of `target` (after a failure: the folder may have been deleted or moved); true when there
 * was one, i.e. the failed attempt may have used a stale folder.
 */
export function forgetTargetFolder(client: ContentServerClient, target: ArchiveTarget): boolean {
  return folderCaches.get(client)?.delete(folderCacheKey(target)) ?? false;
}

/**
 * The container a target names; folders on the way are created when missing (safe under concurrency). Answered from
 * the cache while its entry is fresh.
 */
export async function resolveTargetFolder(client: ContentServerClient, target: ArchiveTarget): Promise<CsNode> {
  const key = folderCacheKey(target);
  let cache = folderCaches.get(client);
  if (!cache) folderCaches.set(client, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < FOLDER_CACHE_TTL_MS) {
    setMostRecent(cache, key, hit, FOLDER_CACHE_SIZE);
    return hit.folder;
  }
  const folder = await resolveUncached(client, target);
  setMostRecent(cache, key, { folder, at: Date.now() }, FOLDER_CACHE_SIZE);
  return folder;
}

async function resolveUncached(client: ContentServerClient, target: ArchiveTarget): Promise<CsNode> {
  switch (target.kind) {
    case "folder":
      return below(client, await client.nodes.getNode(target.folderId), target.subFolder);
    case "path":
      return client.nodes.ensureFolderPath(target.rootId, target.path);
    case "workspaceByBusinessObject": {
      const { extSystemId, boType, boId } = target.businessObject;
      const workspace = await client.workspaces.findWorkspaceByBusinessObject(target.businessObject);
      if (!workspace) {
        throw new ArchiveError(
          `no business workspace for business object ${extSystemId}/${boType}/${boId}`,
          true,
          "WORKSPACE_NOT_FOUND",
        );
      }
      return below(client, workspace, target.subFolder);
    }
    case "workspaceByName": {
      const workspace = await client.workspaces.findWorkspaceByName(target.workspaceType, target.name);
      if (!workspace) {
        const type = target.workspaceType.name ?? target.workspaceType.id;
        throw new ArchiveError(
          `no business workspace of type "${type}" named "${target.name}"`,
          true,
          "WORKSPACE_NOT_FOUND",
        );
      }
      return below(client, workspace, target.subFolder);
    }
  }
}

async function below(client: ContentServerClient, container: CsNode, subFolder: string | undefined): Promise<CsNode> {
  if (!container.container) {
    throw new ArchiveError(`node ${container.id} ("${container.name}") is not a container`, true, "NOT_A_CONTAINER");
  }
  return subFolder && subFolder.trim() ? client.nodes.ensureFolderPath(container.id, subFolder) : container;
}
