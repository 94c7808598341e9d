import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import { startSeededContentServer } from "../../helpers/content-server-sim";
import { CsCaller, bodyForm, multipart } from "./cs-http";

describe("content-server simulator: persistence and streaming", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cs-sim-test-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps nodes, content, categories and tickets across a restart with --data", async () => {
    const first = await startSeededContentServer({ data: dir });
    let cs = await new CsCaller(first.url).login();
    const folder = (await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2000, name: "Kept" }))).json.results
      .data.properties.id;
    const doc = (
      await cs.post(
        "api/v2/nodes",
        multipart(
          { type: 144, parent_id: folder, name: "kept.txt", roles: { categories: { "3000_2": "C-9" } } },
          { name: "kept.txt", type: "text/plain", content: "persisted bytes" },
        ),
      )
    ).json.results.data.properties.id;
    await first.close();

    const second = await startSeededContentServer({ data: dir });
    const ticket = cs.ticket;
    cs = new CsCaller(second.url);
    cs.ticket = ticket;
    try {
      assert.equal((await cs.get(`api/v2/nodes/${folder}`)).status, 200, "the ticket survives the restart");
      const children = await cs.get(`api/v2/nodes/${folder}/nodes`);
      assert.deepEqual(
        children.json.results.map((r: any) => r.data.properties.id),
        [doc],
      );
      const content = await fetch(`${second.url}/api/v1/nodes/${doc}/content`, { headers: { OTCSTicket: cs.ticket } });
      assert.equal(await content.text(), "persisted bytes");
      assert.equal(second.store.findNode(doc)!.categories["3000"].values["3000_2"], "C-9");
      const created = await cs.post("api/v2/nodes", bodyForm({ type: 0, parent_id: 2000, name: "After" }));
      assert.ok(created.json.results.data.properties.id > doc, "ids keep counting up");
    } finally {
      await second.close();
    }
  });

  it("streams a 200 MB upload to disk and back with bounded memory", async function () {
    this.timeout(60000);
    const sim = await startSeededContentServer({ data: dir });
    try {
      const cs = await new CsCaller(sim.url).login();
      const size = 200 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const boundary = "----sim-test-boundary";
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n` +
          JSON.stringify({ type: 144, parent_id: 2301, name: "big.bin" }) +
          `\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const hash = createHash("sha256");
      async function* body() {
        yield head;
        for (let sent = 0; sent < size; sent += chunk.length) {
          hash.update(chunk);
          yield chunk;
        }
        yield tail;
      }
      if (global.gc) global.gc();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
      const url = new URL(`${sim.url}/api/v2/nodes`);
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(url, {
          method: "POST",
          headers: {
            OTCSTicket: cs.ticket,
            "Content-Type": `multipart/form-data; boundary=${boundary}`,
            "Content-Length": head.length + size + tail.length,
          },
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        pipeline(Readable.from(body()), req).catch(reject);
      });
      assert.equal(answer.status, 200, answer.text);
      const id = JSON.parse(answer.text).results.data.properties.id;
      const version = sim.store.findNode(id)!.versions![0];
      assert.equal(version.size, size);
      assert.equal(version.sha256, hash.digest("hex"));
      const download = await fetch(`${sim.url}/api/v1/nodes/${id}/content`, { headers: { OTCSTicket: cs.ticket } });
      assert.equal(download.headers.get("content-length"), String(size));
      let received = 0;
      for await (const part of download.body as unknown as AsyncIterable<Uint8Array>) received += part.length;
      clearInterval(sampler);
      assert.equal(received, size);
      const growthMb = (rssPeak - rssBefore) / (1024 * 1024);
      assert.ok(growthMb < 120, `RSS grew by ${growthMb.toFixed(0)} MB while moving 200 MB each way`);
    } finally {
      await sim.close();
    }
  });
});
