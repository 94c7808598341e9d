/**
 * One owner per journal: a lock file beside it (`<journal>.lock`, created exclusively) names the owning process — pid,
 * host and start time. Two processes on one journal would hand the same item out twice and lose acknowledgements
 * (one's compaction replaces the file under the other), so a second owner is refused with the holder's name. A lock
 * left by a process that no longer runs on this host is stale: it is taken over, with a warning.
 */
import fs from "node:fs";
import os from "node:os";
import { PRIVATE_FILE_MODE } from "./private-files";

interface LockOwner {
  pid: number;
  host: string;
  /** Epoch ms when the owning process started. */
  startedAt: number;
}

export class LockedByOtherError extends Error {
  override name = "LockedByOtherError";
}

/** Start of this process; a lock with our pid from before it was left by an earlier process that had the same pid. */
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);
/** Locks this process holds (another ledger object here on the same journal is a second owner too). */
const held = new Set<string>();

export class OwnerLock {
  private released = false;

  private constructor(readonly file: string) {}

  /** Takes the lock on `journal`, or throws LockedByOtherError naming the holder. */
  static acquire(journal: string, warn: (message: string) => void): OwnerLock {
    const file = `${journal}.lock`;
    if (held.has(file)) {
      throw new LockedByOtherError(`${journal} is already open in this process (pid ${process.pid})`);
    }
    const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: PROCESS_STARTED_AT };
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(file, "wx", PRIVATE_FILE_MODE);
        try {
          fs.writeSync(fd, JSON.stringify(me) + "\n");
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        held.add(file);
        return new OwnerLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw err;
      }
      const owner = readOwner(file);
      if (owner && !isStale(owner, me)) {
        throw new LockedByOtherError(
          `${journal} is in use by process ${owner.pid} on host ${owner.host} (since ` +
            `${new Date(owner.startedAt).toISOString()}); one ledger folder serves one Node-RED process — ` +
            `give this node its own ledger folder, or stop the other process (lock file ${file})`,
        );
      }
      warn(
        owner
          ? `${journal}: taking over the lock of process ${owner.pid} on ${owner.host}, which no longer runs`
          : `${journal}: taking over an unreadable lock file ${file}`,
      );
      fs.rmSync(file, { force: true });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    const owner = readOwner(this.file);
    if (owner?.pid === process.pid && owner.host === os.hostname()) fs.rmSync(this.file, { force: true });
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, "utf8")) as LockOwner;
    if (Number.isInteger(owner.pid) && typeof owner.host === "string") return owner;
  } catch {
    // unreadable: a crash while it was being written
  }
  return undefined;
}

/**
 * Only a lock of this host can be judged: its process is gone, or it carries our pid without being held here (left by
 * an earlier process with the same pid, as PID 1 in a restarted container).
 */
function isStale(owner: LockOwner, me: LockOwner): boolean {
  if (owner.host !== me.host) return false;
  if (owner.pid === me.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
