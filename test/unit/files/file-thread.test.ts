import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  digestSmallFile,
  fileFacts,
  fileThread,
  FILE_THREAD_STOPPED,
  readWholeFile,
} from "../../../nodes/lib/files/file-thread";

describe("file thread", () => {
  let dir: string;
  let inside: string;
  let outside: string;

  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "file-thread-")));
    inside = path.join(dir, "inside");
    outside = path.join(dir, "outside");
    fs.mkdirSync(inside);
    fs.mkdirSync(outside);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(file: string, bytes: Buffer): string {
    fs.writeFileSync(file, bytes);
    return file;
  }

  const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

  it("gives the real path, type, size and modification time, links followed", async () => {
    const file = write(path.join(outside, "a.pdf"), randomBytes(3000));
    const link = path.join(inside, "link.pdf");
    fs.symlinkSync(file, link);
    const stat = fs.statSync(file);
    assert.deepEqual(await fileFacts(link), { real: file, isFile: true, size: 3000, mtimeMs: stat.mtimeMs });
    assert.equal((await fileFacts(inside)).isFile, false);
    await assert.rejects(fileFacts(path.join(inside, "none.pdf")), { code: "ENOENT" });
  });

  it("reads a file that holds exactly the size asked for, and nothing when it holds more or less", async () => {
    const bytes = randomBytes(70_000);
    const file = write(path.join(inside, "exact.pdf"), bytes);
    assert.ok((await readWholeFile(file, bytes.length))?.equals(bytes));
    assert.equal(await readWholeFile(file, bytes.length - 1), undefined, "grown since it was measured");
    assert.equal(await readWholeFile(file, bytes.length + 1), undefined, "shrunk since it was measured");
    const empty = write(path.join(inside, "empty.pdf"), Buffer.alloc(0));
    assert.equal((await readWholeFile(empty, 0))?.length, 0);
    await assert.rejects(readWholeFile(path.join(inside, "none.pdf"), 1), { code: "ENOENT" });
  });

  it("refuses to read a named pipe instead of waiting for a writer", async () => {
    const fifo = path.join(inside, "pipe.pdf");
    execFileSync("mkfifo", [fifo]);
    await assert.rejects(readWholeFile(fifo, 10), { code: "EINVAL" });
    const { facts, sha256: digest } = await digestSmallFile(fifo, [inside]);
    assert.equal(facts.isFile, false);
    assert.equal(digest, undefined);
    // The thread still answers.
    assert.equal((await fileFacts(inside)).real, inside);
  });

  it("hashes a small regular file inside the given folders, and only such a file", async () => {
    const bytes = randomBytes(100 * 1024);
    const file = write(path.join(inside, "statement.pdf"), bytes);
    const found = await digestSmallFile(file, [inside]);
    assert.equal(found.sha256, sha256(bytes));
    assert.equal(found.facts.size, bytes.length);
    assert.equal(found.changed, undefined);

    const elsewhere = write(path.join(outside, "secret.txt"), randomBytes(10));
    const link = path.join(inside, "secret.pdf");
    fs.symlinkSync(elsewhere, link);
    const outsider = await digestSmallFile(link, [inside]);
    assert.equal(outsider.facts.real, elsewhere, "the caller sees where the link leads");
    assert.equal(outsider.sha256, undefined, "a file outside the folders is not read");

    assert.equal((await digestSmallFile(file, [inside], bytes.length - 1)).sha256, undefined, "larger than upTo");
    assert.equal((await digestSmallFile(file, [inside], bytes.length)).sha256, sha256(bytes));
    assert.equal((await digestSmallFile(inside, [dir])).sha256, undefined, "a folder");
  });

  it("fails the requests it had when the thread stops, and starts a new thread for the next one", async () => {
    const file = write(path.join(inside, "many.pdf"), randomBytes(1000));
    const pending = Array.from({ length: 20 }, () => readWholeFile(file, 1000));
    const settled = Promise.allSettled(pending);
    await fileThread.stop();
    const outcomes = await settled;
    assert.ok(
      outcomes.every(
        (o) => o.status === "rejected" && (o.reason as NodeJS.ErrnoException).code === FILE_THREAD_STOPPED,
      ),
      "every waiting request ends with FILE_THREAD_STOPPED",
    );
    assert.ok((await readWholeFile(file, 1000))?.length === 1000);
  });
});
