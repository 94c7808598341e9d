/**
 * File look-ups made on a thread of their own (file-worker.ts). Every asynchronous `fs` call is a round trip through
 * libuv's thread pool that costs the event loop far more than the call itself when the cores are busy (0.1–0.3 ms
 * each, measured on a 2-core virtual machine); a document took a dozen. Here the real path, stat, read and SHA-256 of
 * a file are one request: one message each way. Only small files are read here (callers stream large ones), so no
 * request holds the thread for long. A thread that fails ends the requests it had with an error and is started anew
 * at the next request; an idle thread does not keep the process alive.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";

export interface FileFacts {
  /** The real path (symlinks followed). */
  real: string;
  isFile: boolean;
  size: number;
  mtimeMs: number;
}

export type FileRequest =
  | { op: "facts"; path: string }
  | { op: "read"; path: string; size: number; before?: Uint8Array; after?: Uint8Array }
  | { op: "digest"; path: string; within: readonly string[]; upTo: number };

export interface FileAnswer {
  facts?: FileFacts;
  content?: Uint8Array;
  sha256?: string;
  changed?: boolean;
}

/** The `code` of the error a request ends with when the file thread stopped before answering it. */
export const FILE_THREAD_STOPPED = "EFILETHREAD";

/** Files up to this size are read (and hashed) on the file thread in one go. */
export const SMALL_FILE_BYTES = 1024 * 1024;

/** Real path, type, size and modification time of `file`; rejects like `fs.realpath` / `fs.stat` (with `code`). */
export async function fileFacts(file: string): Promise<FileFacts> {
  return (await fileThread.ask({ op: "facts", path: file })).facts as FileFacts;
}

/**
 * The file's content when it holds exactly `size` bytes, else undefined (it changed since it was measured); between
 * `frame.before` and `frame.after` when given (a request body built around the file, without copying it again).
 */
export async function readWholeFile(
  file: string,
  size: number,
  frame: { before?: Uint8Array; after?: Uint8Array } = {},
): Promise<Buffer | undefined> {
  const { content } = await fileThread.ask({ op: "read", path: file, size, ...frame });
  return content && Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/**
 * The facts of `file` and, when it is a regular file inside one of `within` (real paths) and at most `upTo` bytes,
 * its SHA-256 (one read, the size and modification time seen again after it: `changed` when they moved).
 */
export async function digestSmallFile(
  file: string,
  within: readonly string[],
  upTo = SMALL_FILE_BYTES,
): Promise<{ facts: FileFacts; sha256?: string; changed?: boolean }> {
  const { facts, sha256, changed } = await fileThread.ask({ op: "digest", path: file, within, upTo });
  return { facts: facts as FileFacts, sha256, changed };
}

type Waiting = { resolve: (answer: FileAnswer) => void; reject: (err: Error) => void };

export class FileThread {
  private worker?: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  ask(request: FileRequest): Promise<FileAnswer> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  private start(): Worker {
    const ext = path.extname(__filename);
    // Running from the TypeScript sources (tests): the thread loads them the way this process does.
    const worker = new Worker(path.join(__dirname, `file-worker${ext}`), {
      execArgv: ext === ".ts" ? ["--require", "tsx/cjs"] : [],
    });
    worker.unref();
    worker.on("message", (reply: FileAnswer & { id: number; error?: { message: string; code?: string } }) => {
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (!waiting) return;
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply);
    });
    worker.on("error", (err) => this.fail(worker, err));
    worker.on("exit", (code) => this.fail(worker, new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** Ends the thread: the requests it had fail with FILE_THREAD_STOPPED; the next request starts a new thread. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new Error("stopped"));
    await worker.terminate();
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) {
      w.reject(Object.assign(new Error(`file thread stopped: ${err.message}`), { code: FILE_THREAD_STOPPED }));
    }
  }
}

/** The process's file thread (tests watch its requests). */
export const fileThread = new FileThread();
