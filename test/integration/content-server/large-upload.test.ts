import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

const ONE_GIB = 1024 * 1024 * 1024;
/** Well below the file size: the content must stream, not sit in memory (client and simulator share this process). */
const MAX_GROWTH_BYTES = 150 * 1024 * 1024;

describe("content-server client: large uploads", function () {
  this.timeout(120_000);
  let sim: TestSim;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-large-"));
    sim = await startSim({ data: path.join(dir, "sim-data") });
  });
  after(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("streams a 1 GiB file from disk with bounded memory", async () => {
    const file = path.join(dir, "big.bin");
    // sparse: instant to create, reads as zeros, except a marker at the end to prove the whole file went over
    const fd = fs.openSync(file, "w");
    fs.ftruncateSync(fd, ONE_GIB);
    fs.writeSync(fd, Buffer.from("END-MARKER"), 0, 10, ONE_GIB - 10);
    fs.closeSync(fd);

    const client = sim.client({ timeoutMs: 60_000 });
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Large"));
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 25);
    const started = Date.now();
    let doc;
    try {
      doc = await client.documents.uploadDocument({
        parentId: folder.id,
        name: "big.bin",
        content: { path: file },
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    const rssGrowth = peakRss - baseline.rss;
    const heapGrowth = peakHeap - baseline.heapUsed;
    console.log(
      `      1 GiB upload: ${seconds.toFixed(1)} s, peak RSS growth ${(rssGrowth / 1e6).toFixed(0)} MB, ` +
        `peak heap growth ${(heapGrowth / 1e6).toFixed(0)} MB`,
    );
    assert.equal(doc.size, ONE_GIB);
    assert.ok(rssGrowth < MAX_GROWTH_BYTES, `RSS grew by ${rssGrowth} bytes`);
    assert.ok(heapGrowth < MAX_GROWTH_BYTES, `heap grew by ${heapGrowth} bytes`);

    // the last bytes arrived intact
    const download = await client.documents.downloadContent(doc.id);
    assert.equal(download.contentLength, ONE_GIB);
    let tail = Buffer.alloc(0);
    for await (const chunk of download.stream) tail = Buffer.concat([tail, chunk as Buffer]).subarray(-10);
    assert.equal(tail.toString(), "END-MARKER");
  });
});
