/*
 * Counts the bytes the package's own code feeds into SHA-256 hashes: node:crypto's createHash wrapped with sinon, and
 * the files the file thread hashed (its digest requests, watched through `fileThread.ask`); restore with
 * sinon.restore(). Hashes created by other code in the process (the simulators hash what they store) are not counted,
 * so "one pass over each file" reads as bytes hashed = bytes of the files.
 *
 *   const hashed = countPackageSha256Bytes();
 *   … run …
 *   assert.equal(hashed.bytes(), fileSize);
 */
import crypto from "node:crypto";
import path from "node:path";
import sinon from "sinon";
import { fileThread } from "../../nodes/lib/files/file-thread";

const PACKAGE_CODE = `${path.sep}nodes${path.sep}lib${path.sep}`;

export function countPackageSha256Bytes(): { bytes: () => number } {
  let bytes = 0;
  const original = crypto.createHash;
  sinon.stub(crypto, "createHash").callsFake((algorithm: string, options?: crypto.HashOptions) => {
    const hash = original(algorithm, options);
    if (algorithm.toLowerCase() !== "sha256" || !callerStack().includes(PACKAGE_CODE)) return hash;
    const update = hash.update.bind(hash) as (data: crypto.BinaryLike) => crypto.Hash;
    hash.update = ((data: crypto.BinaryLike) => {
      bytes += typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
      return update(data);
    }) as typeof hash.update;
    return hash;
  });
  const ask = fileThread.ask.bind(fileThread);
  sinon.stub(fileThread, "ask").callsFake(async (request) => {
    const answer = await ask(request);
    if (request.op === "digest" && answer.sha256 !== undefined) bytes += answer.facts?.size ?? 0;
    return answer;
  });
  return { bytes: () => bytes };
}

function callerStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  return stack;
}
