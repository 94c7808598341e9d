import { createHash } from "node:crypto";
import fs from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** SHA-256 (hex) and size of a file, read as a stream: a large file never sits in memory. */
export async function sha256OfFile(filePath: string): Promise<{ sha256: string; size: number }> {
  return sha256OfStream(fs.createReadStream(filePath));
}

export function sha256OfBuffer(buffer: Buffer): { sha256: string; size: number } {
  return { sha256: createHash("sha256").update(buffer).digest("hex"), size: buffer.length };
}

export async function sha256OfStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      hash.update(chunk);
    }
  });
  return { sha256: hash.digest("hex"), size };
}
