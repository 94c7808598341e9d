import os from "node:os";
import path from "node:path";
import type { Node, NodeAPI } from "node-red";

/** settings.js key: extra folders cs-archive may read files from (a list of paths, or one path). */
export const ALLOWED_ROOTS_SETTING = "exstreamXecmAllowedRoots";
/** Environment variable with extra folders, separated like PATH (`:` on Linux/macOS, `;` on Windows). */
export const ALLOWED_ROOTS_ENV = "EXSTREAM_XECM_ALLOWED_ROOTS";

/** Folders the package's own nodes write files into (output-watch roots, downloads, generated outputs), per node. */
const nodeRoots = new Map<string, string[]>();

/**
 * Announces the folders a deployed node writes or watches, so cs-archive accepts files from them; forgotten when the
 * node closes (redeploy, removal).
 */
export function registerFileRoots(node: Node, ...folders: Array<string | undefined>): void {
  const usable = folders
    .filter((f): f is string => typeof f === "string" && f.trim() !== "")
    .map((f) => path.resolve(f));
  if (!usable.length) return;
  nodeRoots.set(node.id, usable);
  node.on("close", () => {
    if (nodeRoots.get(node.id) === usable) nodeRoots.delete(node.id);
  });
}

/** The Node-RED user directory (settings `userDir`, else ~/.node-red). */
export function userDirOf(RED: NodeAPI): string {
  return (RED.settings as unknown as { userDir?: string }).userDir || path.join(os.homedir(), ".node-red");
}

/** The package's work folder below the Node-RED user directory (ledgers, API-mode downloads). */
export function packageWorkFolder(RED: NodeAPI): string {
  return path.join(userDirOf(RED), "exstream-xecm");
}

/**
 * Where files named by a message may be read from: the package's work folder, the folders of the deployed
 * output-watch, workflow-trigger and generate nodes, plus `exstreamXecmAllowedRoots` from settings.js and
 * `EXSTREAM_XECM_ALLOWED_ROOTS` from the environment.
 */
export function allowedFileRoots(RED: NodeAPI): string[] {
  const configured = (RED.settings as unknown as Record<string, unknown>)[ALLOWED_ROOTS_SETTING];
  const fromSettings = (Array.isArray(configured) ? configured : [configured]).filter(
    (v): v is string => typeof v === "string" && v.trim() !== "",
  );
  const fromEnv = (process.env[ALLOWED_ROOTS_ENV] ?? "").split(path.delimiter).filter((v) => v.trim() !== "");
  const roots = [packageWorkFolder(RED), ...[...nodeRoots.values()].flat(), ...fromSettings, ...fromEnv];
  return [...new Set(roots.map((root) => path.resolve(root.trim())))];
}
