/**
 * P2 worker: one CS client (ours or @kweli/cs-rest) uploads files to the CS simulator. One process per client and
 * repetition, so its peak RSS is its own. Folders are created before the clock starts.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { RssSampler, workerMain } from "../harness/child";
import { runPool } from "../harness/pool";

export type P2Client = "ours" | "kweli";

export interface P2WorkerInput {
  client: P2Client;
  baseUrl: string;
  username: string;
  password: string;
  /** Container of the benchmark folders (Enterprise Workspace). */
  rootId: number;
  folderName: string;
  warmupFiles: string[];
  files: string[];
  concurrency: number;
}

export interface P2WorkerResult {
  folderId: number;
  nodeIds: number[];
  seconds: number;
  bytes: number;
  rss: { startBytes: number; peakBytes: number };
}

/** The two clients behind one face: what the benchmark needs and nothing more. */
interface Uploader {
  createFolder(parentId: number, name: string): Promise<number>;
  upload(parentId: number, file: string): Promise<number>;
  close(): Promise<void>;
}

function ourUploader(input: P2WorkerInput): Uploader {
  const client = new ContentServerClient({
    baseUrl: input.baseUrl,
    credentials: { username: input.username, password: input.password },
    maxConcurrent: input.concurrency,
  });
  return {
    createFolder: async (parentId, name) => (await client.nodes.createFolder(parentId, name)).id,
    upload: async (parentId, file) =>
      (await client.documents.uploadDocument({ parentId, name: path.basename(file), content: { path: file } })).id,
    close: () => client.close(),
  };
}

/** The subset of @kweli/cs-rest (plain JavaScript, no type declarations) used here, as its README shows it. */
interface KweliResponse {
  data: unknown;
}
interface KweliSession {
  nodes: {
    addFolder(parentId: number, name: string): Promise<KweliResponse>;
    addDocument(args: { parent_id: number; fileHandler: string; apiVersion?: "v1" | "v2" }): Promise<KweliResponse>;
  };
}
interface KweliModule {
  Session: new (options: { baseURL: string; username: string; password: string }) => KweliSession;
}

function kweliUploader(input: P2WorkerInput): Uploader {
  const { Session } = require("@kweli/cs-rest") as KweliModule;
  const session = new Session({ baseURL: input.baseUrl, username: input.username, password: input.password });
  return {
    createFolder: async (parentId, name) => createdId((await session.nodes.addFolder(parentId, name)).data),
    // v2, as ours uses: the same endpoint and the same multipart shape on the wire.
    upload: async (parentId, file) =>
      createdId((await session.nodes.addDocument({ parent_id: parentId, fileHandler: file, apiVersion: "v2" })).data),
    close: async () => undefined,
  };
}

/** `results.data.properties.id` (v2) or `id` (v1) of a create answer. */
function createdId(body: unknown): number {
  const b = body as { id?: unknown; results?: { data?: { properties?: { id?: unknown } } } };
  const id = Number(b.results?.data?.properties?.id ?? b.id);
  if (!Number.isInteger(id) || id <= 0) throw new Error(`no node id in ${JSON.stringify(body).slice(0, 200)}`);
  return id;
}

async function uploadAll(uploader: Uploader, parentId: number, files: string[], concurrency: number) {
  return runPool(files.length, concurrency, (i) => uploader.upload(parentId, files[i]));
}

workerMain<P2WorkerInput, P2WorkerResult>(async (input) => {
  const uploader = input.client === "ours" ? ourUploader(input) : kweliUploader(input);
  try {
    if (input.warmupFiles.length > 0) {
      const warmupId = await uploader.createFolder(input.rootId, `${input.folderName}-warmup`);
      await uploadAll(uploader, warmupId, input.warmupFiles, input.concurrency);
    }
    const folderId = await uploader.createFolder(input.rootId, input.folderName);
    let bytes = 0;
    for (const file of input.files) bytes += (await fsp.stat(file)).size;
    const sampler = new RssSampler();
    const started = performance.now();
    const nodeIds = await uploadAll(uploader, folderId, input.files, input.concurrency);
    const seconds = (performance.now() - started) / 1000;
    return { folderId, nodeIds, seconds, bytes, rss: sampler.stop() };
  } finally {
    await uploader.close();
  }
});
