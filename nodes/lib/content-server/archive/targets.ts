import type { ContentServerClient } from "../index";
import type { CsNode } from "../types";
import { ArchiveError } from "./failures";
import type { ArchiveTarget } from "./types";

/** The container a target names; folders on the way are created when missing (safe under concurrency). */
export async function resolveTargetFolder(client: ContentServerClient, target: ArchiveTarget): Promise<CsNode> {
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
