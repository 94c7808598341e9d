/**
 * The watcher's working folders below its ledger folder: `delivery-logs/<manifest version>` (the customers'
 * delivery-log extracts) and `work/<job>` (API-mode downloads). Replicas sharing a ledger folder share these too, so
 * a folder is removed only when no replica needs it: no unfinished communication points into it, and no replica holds
 * a live claim on its manifest (the claim is taken before the extracts are written, and the manifest's
 * communications are recorded before the claim is settled).
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { OutputWatchLedger } from "./output-watch-ledger";
import { isInside } from "../files/inside";

/** Private folder of one manifest version (its customers' delivery-log extracts). */
export function workFolderOf(ledgerDir: string, key: string): string {
  const name = createHash("sha256").update(key).digest("hex").slice(0, 24);
  return path.join(ledgerDir, "delivery-logs", name);
}

export interface SweepContext {
  ledgerDir: string;
  ledger: OutputWatchLedger;
  /** The lease of a manifest claim (the file store counts it from the claim). */
  leaseMs: number;
  /** Folders this process is using right now, whatever the ledger says (asked again before each removal). */
  inUse: () => string[];
  stopped: () => boolean;
}

/** Removes the working folders nothing needs any more; returns the paths removed. */
export async function sweepWorkFolders(ctx: SweepContext): Promise<string[]> {
  const workRoot = path.join(ctx.ledgerDir, "work");
  const logRoot = path.join(ctx.ledgerDir, "delivery-logs");
  const present: Array<[string, string[]]> = [];
  for (const root of [workRoot, logRoot]) {
    const folders = await fsp.readdir(root).catch(() => [] as string[]);
    if (folders.length > 0) present.push([root, folders]);
  }
  // Nothing to sweep: spare reading every unfinished communication back from the ledger.
  if (present.length === 0 || ctx.stopped()) return [];
  const needed = new Set(ctx.inUse().map((dir) => path.basename(dir)));
  const need = (file: string | undefined, root: string) => {
    if (file && isInside(file, root)) needed.add(path.relative(root, file).split(path.sep)[0]);
  };
  // Claims first, communications second: a manifest settled in between had its communications recorded before.
  for (const { key, record } of await ctx.ledger.claimedManifests(ctx.leaseMs)) {
    needed.add(path.basename(workFolderOf(ctx.ledgerDir, key)));
    need(record.path, workRoot);
  }
  for await (const document of ctx.ledger.eachUnfinishedDocument()) {
    need(document.path, workRoot);
    need(document.deliveryLog?.path, logRoot);
  }
  const removed: string[] = [];
  for (const [root, folders] of present) {
    for (const folder of folders) {
      if (needed.has(folder) || ctx.stopped() || ctx.inUse().some((dir) => path.basename(dir) === folder)) continue;
      await fsp.rm(path.join(root, folder), { recursive: true, force: true });
      removed.push(path.join(root, folder));
    }
  }
  return removed;
}
