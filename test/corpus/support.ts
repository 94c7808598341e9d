/*
 * Shared pieces of the bad-input corpus: a canary file outside every watched root, a recorder of every file the
 * package opens for reading, and small waiting helpers.
 *
 *   const canary = await plantCanary(tmp);          // <tmp>/outside/canary.pdf with a unique content
 *   const reads = recordFileReads();                // fs.createReadStream / openAsBlob / fsp.open / fsp.readFile
 *   …
 *   reads.assertNothingReadUnder(canary.dir);  reads.restore();
 *   assertNoCanary(canary, everyMessage, everyUpload);
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs, { promises as fsp } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";

export interface Canary {
  /** The folder outside the root. */
  dir: string;
  /** The canary file itself. */
  file: string;
  /** Its unique content. */
  content: string;
}

export async function plantCanary(tmp: string): Promise<Canary> {
  const dir = path.join(tmp, "outside");
  await fsp.mkdir(dir, { recursive: true });
  const content = `CANARY-${randomBytes(12).toString("hex")}`;
  const file = path.join(dir, "canary.pdf");
  await fsp.writeFile(file, `%PDF-1.4 ${content}`);
  return { dir, file, content };
}

/** Fails when the canary's content shows up in any of the given values (deep, through util.inspect). */
export function assertNoCanary(canary: Canary, ...values: unknown[]): void {
  for (const value of values) {
    const text = Buffer.isBuffer(value)
      ? value.toString("latin1")
      : inspect(value, { depth: 12, maxArrayLength: null });
    assert.ok(!text.includes(canary.content), "the canary's content leaked into a message, an error or an upload");
  }
}

export interface FileReadRecorder {
  readonly paths: string[];
  assertNothingReadUnder(dir: string): void;
  restore(): void;
}

/** Records the path of every file opened for reading through the fs entry points the package uses. */
export function recordFileReads(): FileReadRecorder {
  const paths: string[] = [];
  const note = (target: unknown) => {
    if (typeof target === "string") paths.push(path.resolve(target));
    else if (target instanceof URL) paths.push(target.pathname);
  };
  const originals = {
    createReadStream: fs.createReadStream,
    openAsBlob: fs.openAsBlob,
    open: fsp.open,
    readFile: fsp.readFile,
  };
  const mutableFs = fs as unknown as Record<string, unknown>;
  const mutableFsp = fsp as unknown as Record<string, unknown>;
  mutableFs.createReadStream = function (this: unknown, target: unknown, ...rest: unknown[]) {
    note(target);
    return (originals.createReadStream as (...a: unknown[]) => unknown).call(this, target, ...rest);
  };
  mutableFs.openAsBlob = function (this: unknown, target: unknown, ...rest: unknown[]) {
    note(target);
    return (originals.openAsBlob as (...a: unknown[]) => unknown).call(this, target, ...rest);
  };
  mutableFsp.open = function (this: unknown, target: unknown, ...rest: unknown[]) {
    note(target);
    return (originals.open as (...a: unknown[]) => unknown).call(this, target, ...rest);
  };
  mutableFsp.readFile = function (this: unknown, target: unknown, ...rest: unknown[]) {
    note(target);
    return (originals.readFile as (...a: unknown[]) => unknown).call(this, target, ...rest);
  };
  return {
    paths,
    assertNothingReadUnder(dir: string) {
      const real = fs.realpathSync(dir);
      const inside = paths.filter((p) => [dir, real].some((d) => p === d || p.startsWith(d + path.sep)));
      assert.deepEqual(inside, [], `files outside the root were opened: ${inside.join(", ")}`);
    },
    restore() {
      Object.assign(mutableFs, { createReadStream: originals.createReadStream, openAsBlob: originals.openAsBlob });
      Object.assign(mutableFsp, { open: originals.open, readFile: originals.readFile });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean, label: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await sleep(10);
  }
}
