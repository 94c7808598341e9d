/** A durable "everything that ended up to here is fetched" mark for API mode (temp file, fsync, rename). */
import fs from "node:fs";
import path from "node:path";
import { crashPoint } from "../reliability/crash-points";
import { makePrivateDirSync, openPrivateSync } from "../reliability/private-files";

export class DurableCheckpoint {
  constructor(private readonly file: string) {}

  read(): number | undefined {
    try {
      const value = (JSON.parse(fs.readFileSync(this.file, "utf8")) as { sinceEpochMs?: unknown }).sinceEpochMs;
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  write(sinceEpochMs: number): void {
    makePrivateDirSync(path.dirname(this.file));
    const temp = `${this.file}.tmp`;
    const fd = openPrivateSync(temp, "w");
    try {
      fs.writeSync(fd, JSON.stringify({ sinceEpochMs, updatedAt: new Date().toISOString() }) + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    crashPoint("checkpoint:write");
    fs.renameSync(temp, this.file);
  }
}
