import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StoreData } from "./model";

const SAVE_DELAY_MS = 25;

/** Keeps the store in `<dir>/store.json` (written atomically after changes); content lives in `<dir>/content`. */
export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private pending: (() => StoreData) | undefined;

  constructor(readonly dir: string) {}

  get storeFile(): string {
    return path.join(this.dir, "store.json");
  }

  get contentDir(): string {
    return path.join(this.dir, "content");
  }

  async load(): Promise<StoreData | undefined> {
    await mkdir(this.dir, { recursive: true });
    try {
      return JSON.parse(await readFile(this.storeFile, "utf8")) as StoreData;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  schedule(snapshot: () => StoreData): void {
    this.pending = snapshot;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, SAVE_DELAY_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const snapshot = this.pending;
    this.pending = undefined;
    if (snapshot) {
      const text = JSON.stringify(snapshot());
      this.writing = this.writing.then(() => this.write(text));
    }
    await this.writing;
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.storeFile}.${process.pid}.tmp`;
    await writeFile(tmp, text, { flush: true });
    await rename(tmp, this.storeFile);
  }
}
