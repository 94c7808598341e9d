/** Test files for the upload benchmarks: random content (nothing compressible), or sparse for the very large one. */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";

export async function writeRandomFiles(dir: string, prefix: string, count: number, sizeBytes: number) {
  await fsp.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `${prefix}-${String(i + 1).padStart(5, "0")}.pdf`);
    await fsp.writeFile(file, randomBytes(sizeBytes));
    files.push(file);
  }
  return files;
}

/** A file of `sizeBytes` zero bytes that takes no disk space and no time to write (read back at memory speed). */
export async function writeSparseFile(file: string, sizeBytes: number): Promise<string> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const handle = await fsp.open(file, "w");
  try {
    await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
  return file;
}
