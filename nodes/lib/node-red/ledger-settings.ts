import type { NodeAPI } from "node-red";

/** settings.js key: group commit window of the file ledgers that await it (output watch), in ms; 0 = off. */
export const GROUP_COMMIT_SETTING = "exstreamXecmLedgerGroupCommitMs";
/** The same from the environment (headless deployments); settings.js wins. */
export const GROUP_COMMIT_ENV = "EXSTREAM_XECM_LEDGER_GROUP_COMMIT_MS";
/** A longer window only delays acknowledgements; it saves no more fsyncs once they all share one. */
const MAX_GROUP_COMMIT_MS = 1_000;

/**
 * The group commit window for the file ledger: appends within it share one fsync, and the node confirms an
 * acknowledgement (`done()`) or sends a hand-out only once it is on disk. Off (0) unless configured. A PostgreSQL
 * store uses it for acknowledgements: those within it share one statement (committed before `done()`).
 */
export function ledgerGroupCommitMs(RED: NodeAPI): number {
  const configured = (RED.settings as unknown as Record<string, unknown>)[GROUP_COMMIT_SETTING];
  const raw = configured ?? process.env[GROUP_COMMIT_ENV];
  if (raw === undefined || raw === "") return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(`${GROUP_COMMIT_SETTING} / ${GROUP_COMMIT_ENV} must be a number of ms (0 = off), not "${raw}"`);
  }
  return Math.min(ms, MAX_GROUP_COMMIT_MS);
}
