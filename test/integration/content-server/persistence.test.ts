import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

describe("content-server client: simulator restart", function () {
  let dir: string;
  let sims: TestSim[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-persist-"));
  });
  after(async () => {
    await Promise.all(sims.map((s) => s.close().catch(() => undefined)));
    sims = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps working through a restart: content persisted, new login and broken sockets handled by the client", async () => {
    const first = await startSim({ data: dir });
    sims.push(first);
    const port = new URL(first.url).port;
    const client = first.client();
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("Persisted"));
    const doc = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "kept.txt",
      content: { buffer: Buffer.from("survives restarts"), fileName: "kept.txt" },
    });
    await first.sim.flush();
    await first.sim.close();
    assert.equal(client.loginCount, 1);

    const second = await startSim({ data: dir, port });
    sims.push(second);
    // the same client object, its ticket from before the restart
    const found = await client.nodes.findChildByName(folder.id, "kept.txt");
    assert.equal(found?.id, doc.id);
    const chunks: Buffer[] = [];
    const content = await client.documents.downloadContent(doc.id);
    for await (const chunk of content.stream) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), "survives restarts");
    const version = await client.documents.addVersion(doc.id, {
      content: { buffer: Buffer.from("v2"), fileName: "kept.txt" },
    });
    assert.equal(version.versionNumber, 2);
  });
});
