/**
 * The thread behind file-thread.ts: answers each request with synchronous file calls, which block only this thread.
 * One request (real path, stat, read, hash) costs the event loop one message each way instead of a thread-pool
 * round trip per call.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import type { FileFacts, FileRequest, FileAnswer } from "./file-thread";
import { isInside } from "./inside";

function factsOf(file: string): FileFacts {
  const real = fs.realpathSync(file);
  const stat = fs.statSync(real);
  return { real, isFile: stat.isFile(), size: stat.size, mtimeMs: stat.mtimeMs };
}

/**
 * Whether the file holds exactly `size` bytes, read into `target` at `offset` with one spare byte after them, which
 * a file grown since it was measured fills.
 */
function readExactly(fd: number, size: number, target: Buffer, offset: number): boolean {
  let read = 0;
  while (read < size) {
    const bytes = fs.readSync(fd, target, offset + read, size + 1 - read, read);
    if (bytes === 0) break;
    read += bytes;
  }
  return read === size;
}

/** `before`, the file's `size` bytes and `after` in one buffer; undefined when the file does not hold `size` bytes. */
function readFramed(fd: number, size: number, before: Uint8Array, after: Uint8Array): Buffer | undefined {
  // Memory of its own (not the shared pool of small Buffers): it is handed to the other thread.
  const body = Buffer.allocUnsafeSlow(before.length + size + Math.max(after.length, 1));
  body.set(before, 0);
  if (!readExactly(fd, size, body, before.length)) return undefined;
  body.set(after, before.length + size);
  return body.subarray(0, before.length + size + after.length);
}

const EMPTY = new Uint8Array(0);

/** Opens a regular file for reading; never waits on a FIFO or device (a read of one would hold this thread). */
function openRegular(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  if (fs.fstatSync(fd).isFile()) return fd;
  fs.closeSync(fd);
  throw Object.assign(new Error(`${file} is not a regular file`), { code: "EINVAL" });
}

function answer(request: FileRequest): FileAnswer {
  switch (request.op) {
    case "facts":
      return { facts: factsOf(request.path) };
    case "read": {
      const fd = openRegular(request.path);
      try {
        return { content: readFramed(fd, request.size, request.before ?? EMPTY, request.after ?? EMPTY) };
      } finally {
        fs.closeSync(fd);
      }
    }
    case "digest": {
      const facts = factsOf(request.path);
      if (!facts.isFile || facts.size > request.upTo || !request.within.some((root) => isInside(facts.real, root))) {
        return { facts };
      }
      const fd = openRegular(facts.real);
      try {
        const content = readFramed(fd, facts.size, EMPTY, EMPTY);
        const after = fs.fstatSync(fd);
        if (!content || after.size !== facts.size || after.mtimeMs !== facts.mtimeMs) return { facts, changed: true };
        return { facts, sha256: createHash("sha256").update(content).digest("hex") };
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

parentPort?.on("message", (request: FileRequest & { id: number }) => {
  try {
    const reply = { id: request.id, ...answer(request) };
    const content = reply.content;
    parentPort?.postMessage(reply, content ? [content.buffer as ArrayBuffer] : []);
  } catch (err) {
    const { message, code } = err as NodeJS.ErrnoException;
    parentPort?.postMessage({ id: request.id, error: { message, code } });
  }
});
