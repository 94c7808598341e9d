/*
 * Names sent to Content Server lose invisible Unicode format characters: a right-to-left override makes
 * `invoice\u202Efdp.exe_.pdf` look like a PDF to the eye, and zero-width characters make two different names look
 * the same.
 */
import assert from "node:assert/strict";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { cleanNodeName } from "../../nodes/lib/archive";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";

const ENTERPRISE_WORKSPACE = 2000;
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

describe("security: Content Server names carry no bidi overrides or zero-width characters", function () {
  let sim: ContentServerSimulator;
  let client: ContentServerClient;

  before(async () => {
    sim = await startSeededContentServer();
    client = new ContentServerClient({ baseUrl: sim.url, credentials: DEMO_LOGIN });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  it("cs-archive's name cleaning turns invoice\\u202Efdp.exe_.pdf into the name it really is", () => {
    assert.equal(cleanNodeName("invoice\u202Efdp.exe_.pdf"), "invoicefdp.exe_.pdf");
  });

  it("stores documents and folders under names without them, whoever calls the client", async () => {
    const folder = await client.nodes.ensureFolderPath(
      ENTERPRISE_WORKSPACE,
      `Cases\u200B ${Date.now()}/Re\u2066view\u2069`,
    );
    const document = await client.documents.uploadDocument({
      parentId: folder.id,
      name: "invoice\u202Efdp.exe_.pdf",
      content: { buffer: Buffer.from("%PDF-1.7"), fileName: "invoice.pdf" },
    });
    const stored = sim.store.findNode(document.id)!;
    assert.equal(stored.name, "invoicefdp.exe_.pdf");
    for (const id of [folder.id, folder.parentId]) {
      assert.doesNotMatch(sim.store.findNode(id)!.name, INVISIBLE);
    }
    assert.equal(sim.store.findNode(folder.id)!.name, "Review");
  });
});
