/**
 * Which job / flow instance / docgen run a manifest belongs to, read from the CE folder layout
 * `<root>/<tenant>/<domain>/jobs/<jobId>/<flowInstanceId>/docgen/<runId>/output/` (docs/api-evidence.md, "Engine output files").
 */
import path from "node:path";
import type { RunIdentity } from "./types";

/** From the manifest's local folder (relative to the watched root); other layouts get the folder path as job id. */
export function runIdentityFromFolder(outputDir: string, root: string): RunIdentity {
  const segments = path.relative(root, outputDir).split(path.sep).filter(Boolean);
  const found = identityFromSegments(segments);
  if (found) return found;
  const folder = segments.join("/") || ".";
  return { jobId: folder, flowInstanceId: "", runId: "" };
}

/** From an engine path (`file@name`), when it shows the layout; undefined otherwise. */
export function runIdentityFromEnginePath(engineName: string): RunIdentity | undefined {
  return identityFromSegments(engineName.replace(/\\/g, "/").split("/").filter(Boolean));
}

function identityFromSegments(segments: string[]): RunIdentity | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i] !== "jobs") continue;
    const [jobId, flowInstanceId, docgen, runId] = segments.slice(i + 1, i + 5);
    if (!jobId || !flowInstanceId || docgen !== "docgen" || !runId) continue;
    const identity: RunIdentity = { jobId, flowInstanceId, runId };
    if (i >= 2) {
      identity.tenant = segments[i - 2];
      identity.domain = segments[i - 1];
    } else if (i === 1) {
      identity.domain = segments[0];
    }
    return identity;
  }
  return undefined;
}
