import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat, copyFile } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface ReceivedFile {
  /** File name inside the content directory. */
  file: string;
  size: number;
  sha256: string;
}

/** Document content on disk: every upload streams straight to a file, every download streams from one. */
export class ContentStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async receive(stream: Readable): Promise<ReceivedFile> {
    const file = `${randomUUID()}.bin`;
    const hash = createHash("sha256");
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, measure, createWriteStream(path.join(this.dir, file)));
    } catch (err) {
      await this.discard(file);
      throw err;
    }
    return { file, size, sha256: hash.digest("hex") };
  }

  async duplicate(file: string): Promise<string> {
    const copy = `${randomUUID()}.bin`;
    await copyFile(path.join(this.dir, file), path.join(this.dir, copy));
    return copy;
  }

  open(file: string): Readable {
    return createReadStream(path.join(this.dir, file));
  }

  async exists(file: string): Promise<boolean> {
    try {
      return (await stat(path.join(this.dir, file))).isFile();
    } catch {
      return false;
    }
  }

  async discard(file: string): Promise<void> {
    await rm(path.join(this.dir, file), { force: true });
  }
}
