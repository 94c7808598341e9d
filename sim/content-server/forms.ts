import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { CsError, badRequest } from "./errors";
import type { ContentStore, ReceivedFile } from "./content";

const MAX_URLENCODED_BYTES = 16 * 1024 * 1024;
const MAX_FIELD_BYTES = 16 * 1024 * 1024;

export interface UploadedFile extends ReceivedFile {
  fileName: string;
  mimeType: string;
}

/**
 * The fields of a form or multipart request. CS takes most create/update input as one `body` field holding a JSON
 * string, and the simple calls as plain fields; `input()` gives the `body` object when there is one, else the flat fields.
 */
export class FormInput {
  constructor(
    readonly fields: Map<string, string[]>,
    readonly files: Map<string, UploadedFile>,
  ) {}

  static empty(): FormInput {
    return new FormInput(new Map(), new Map());
  }

  get(name: string): string | undefined {
    return this.fields.get(name)?.[0];
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }

  /** Flat fields as an object: a repeated key becomes an array. */
  flat(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, values] of this.fields) out[key] = values.length === 1 ? values[0] : [...values];
    return out;
  }

  input(): Record<string, unknown> {
    const body = this.get("body");
    if (body === undefined) return this.flat();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw badRequest("Invalid JSON in the 'body' parameter.");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("Invalid JSON in the 'body' parameter.");
    }
    return parsed as Record<string, unknown>;
  }

  /** Deletes uploaded files nobody took over (failed requests, unused parts). */
  async discardFiles(content: ContentStore): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => content.discard(f.file)));
    this.files.clear();
  }
}

function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
}

export function isJsonBody(req: IncomingMessage): boolean {
  const type = mediaType(req);
  return type === "application/json" || type.endsWith("+json");
}

/** Reads the request body; file parts are streamed to the content store, never held in memory. */
export async function readForm(req: IncomingMessage, content: ContentStore): Promise<FormInput> {
  const type = mediaType(req);
  if (type === "multipart/form-data") return readMultipart(req, content);
  if (type === "application/x-www-form-urlencoded") return readUrlEncoded(req);
  await drain(req);
  return FormInput.empty();
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    /* discard */
  }
}

async function readUrlEncoded(req: IncomingMessage): Promise<FormInput> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_URLENCODED_BYTES) throw new CsError(413, "Request body too large.");
    chunks.push(chunk as Buffer);
  }
  const fields = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) {
    const list = fields.get(key) ?? [];
    list.push(value);
    fields.set(key, list);
  }
  return new FormInput(fields, new Map());
}

function readMultipart(req: IncomingMessage, content: ContentStore): Promise<FormInput> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string[]>();
    const files = new Map<string, UploadedFile>();
    const pending: Array<Promise<void>> = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: "utf8", limits: { fieldSize: MAX_FIELD_BYTES } });
    } catch (err) {
      reject(serverMultipartError(err));
      return;
    }
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      const cleanup = Promise.allSettled(pending).then(() =>
        Promise.all([...files.values()].map((f) => content.discard(f.file))),
      );
      cleanup.then(
        () => reject(serverMultipartError(err)),
        () => reject(serverMultipartError(err)),
      );
    };
    parser.on("field", (name, value) => {
      const list = fields.get(name) ?? [];
      list.push(value);
      fields.set(name, list);
    });
    parser.on("file", (name, stream, info) => {
      const received = content.receive(stream).then((file) => {
        const previous = files.get(name);
        if (previous) void content.discard(previous.file);
        files.set(name, {
          ...file,
          fileName: info.filename ?? name,
          mimeType: info.mimeType || "application/octet-stream",
        });
      });
      received.catch(fail);
      pending.push(received);
    });
    parser.on("error", fail);
    req.on("error", fail);
    req.on("aborted", () => fail(new Error("request aborted")));
    parser.on("close", () => {
      Promise.all(pending).then(() => {
        if (!failed) resolve(new FormInput(fields, files));
      }, fail);
    });
    req.pipe(parser);
  });
}

function serverMultipartError(err: unknown): CsError {
  if (err instanceof CsError) return err;
  return new CsError(500, `Error reading the multipart request: ${(err as Error)?.message ?? String(err)}`);
}
