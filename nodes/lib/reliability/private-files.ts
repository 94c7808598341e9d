/**
 * Ledgers, checkpoints and work files hold customer keys, account numbers and document metadata: they are created
 * readable by the Node-RED user only. Folders that already exist keep their mode (a configured folder may be shared
 * with other things); the files we write are tightened even when an older version created them wider.
 */
import fs, { promises as fsp } from "node:fs";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and any missing parents owner-only; an existing folder is left as it is. */
export function makePrivateDirSync(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

export async function makePrivateDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Opens (creating owner-only) and makes sure an existing file is owner-only too. */
export function openPrivateSync(file: string, flags: string): number {
  const fd = fs.openSync(file, flags, PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/** Writes a whole file owner-only (through a temporary name and a rename, so readers never see it half written). */
export async function writePrivateFile(file: string, content: string | Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, content, { mode: PRIVATE_FILE_MODE });
  await fsp.rename(temp, file);
}
