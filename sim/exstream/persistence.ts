import { mkdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * One piece of simulator state kept as JSON in `<dir>/<name>` (Maps and Buffers included), written atomically, so a
 * restarted simulator continues where it stopped. `--data` keeps the design store — tenants, domains, every resource
 * with all its versions and content, channels, history — in `design.json` (e.g. the next version of a resource
 * continues) and the Orchestration jobs with their flow instances and steps in `jobs.json`.
 */
export class JsonStateFile<T> {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  get file(): string {
    return path.join(this.dir, this.name);
  }

  load(): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file, "utf8"), revive) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** Writes `state` as it is now; writes never overlap and land in call order. */
  save(state: T): Promise<void> {
    const text = JSON.stringify(state, replace);
    this.writing = this.writing.then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}

function replace(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value] };
  // Buffer#toJSON has already run: { type: "Buffer", data: [bytes] }
  const buffer = value as { type?: string; data?: number[] } | null;
  if (buffer && buffer.type === "Buffer" && Array.isArray(buffer.data)) {
    return { $base64: Buffer.from(buffer.data).toString("base64") };
  }
  return value;
}

function revive(_key: string, value: unknown): unknown {
  const tagged = value as { $map?: [unknown, unknown][]; $base64?: string } | null;
  if (tagged && Array.isArray(tagged.$map)) return new Map(tagged.$map);
  if (tagged && typeof tagged.$base64 === "string") return Buffer.from(tagged.$base64, "base64");
  return value;
}
