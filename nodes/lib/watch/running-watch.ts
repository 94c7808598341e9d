import path from "node:path";
import { OutputWatcher, type OutputWatcherSetup } from "./output-watcher";

/** Ledger folders in use in this process: two watchers on one journal would corrupt it. */
const ledgersInUse = new Set<string>();

/** The configured ledger folder, else one named after the ledger below `workFolder`. */
export function ledgerFolderOf(configured: string, workFolder: string, ledgerName: string): string {
  return configured ? path.resolve(configured) : path.join(workFolder, ledgerName.replace(/[^A-Za-z0-9._-]/g, "_"));
}

export function ledgerInUse(ledgerDir: string): boolean {
  return ledgersInUse.has(ledgerDir);
}

/** A started watcher; `close` gives its ledger folder free once the watcher has closed. */
export interface RunningWatch {
  watcher: OutputWatcher;
  close(): Promise<void>;
}

/** Starts a watcher that holds its ledger folder (see ledgerInUse) until it has closed. */
export function startWatch(setup: OutputWatcherSetup): RunningWatch {
  const watcher = new OutputWatcher(setup);
  ledgersInUse.add(setup.ledgerDir);
  watcher.start();
  return { watcher, close: () => watcher.close().finally(() => ledgersInUse.delete(setup.ledgerDir)) };
}
