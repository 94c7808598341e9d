import type { NodeAPI } from "node-red";
import type { GroupCommit } from "../reliability/journal-file";

/**
 * settings.js key: group commit of the file ledgers (output watch, workflow trigger): "auto", or a window in ms;
 * 0 = off.
 */
export const GROUP_COMMIT_SETTING = "exstreamXecmLedgerGroupCommitMs";
/** The same from the environment (headless deployments); settings.js wins. */
export const GROUP_COMMIT_ENV = "EXSTREAM_XECM_LEDGER_GROUP_COMMIT_MS";
/** A longer window only delays acknowledgements; it saves no more fsyncs once they all share one. */
const MAX_GROUP_COMMIT_MS = 1_000;

/**
 * The group commit of the file ledger: appends share one fsync, and the node confirms an acknowledgement (`done()`)
 * or sends a hand-out only once it is on disk. Unset or "auto" (the default): the fsync runs off the event loop as
 * soon as there is something to sync, and what is appended meanwhile shares the next one; a number of ms: one fsync
 * per window; 0: one fsync per change, on the event loop. A PostgreSQL store uses it for acknowledgements: those
 * within the window ("auto": none, only those arriving while a group commits) share one statement (committed before
 * `done()`).
 */
export function ledgerGroupCommitMs(RED: NodeAPI): GroupCommit {
  const configured = (RED.settings as unknown as Record<string, unknown>)[GROUP_COMMIT_SETTING];
  const raw = configured ?? process.env[GROUP_COMMIT_ENV];
  if (raw === undefined || raw === "" || raw === "auto") return "auto";
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(
      `${GROUP_COMMIT_SETTING} / ${GROUP_COMMIT_ENV} must be "auto" or a number of ms (0 = off), not "${String(raw)}"`,
    );
  }
  return Math.min(ms, MAX_GROUP_COMMIT_MS);
}
