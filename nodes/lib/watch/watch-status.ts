import type { WatchPhase } from "./output-watcher";
import type { WatchCounts } from "./types";

/** How a watch's state shows: a look, the keys of its status texts (joined) and the counts they name. */
export type WatchStatus = [
  look: "idle" | "working" | "ok" | "warn" | "error",
  key: string | string[],
  vars?: Record<string, number | string>,
];

/** The phases that stop the watch, each with its own red status. */
const STOPPED: Partial<Record<WatchPhase, string>> = {
  "root-missing": "rootMissing",
  "api-error": "apiError",
  "ledger-failed": "ledgerFailed",
};

export function watchStatus(phase: WatchPhase, counts: WatchCounts, storeProblem?: string): WatchStatus {
  if (phase === "state-error") return ["error", "stateError", { code: storeProblem ?? "Error" }];
  const stopped = STOPPED[phase];
  if (stopped) return ["error", stopped];
  if (phase === "starting") return ["idle", "starting"];
  const dead = counts.dead > 0 ? ["dead"] : [];
  if (counts.inFlight + counts.backlog + counts.manifestsActive > 0) {
    return ["working", ["busy", ...dead], { ...counts }];
  }
  return [dead.length ? "warn" : "ok", ["watching", ...dead], { ...counts }];
}
