/*
 * A hostile or broken engine share can hold a "manifest" of a million nested elements: the parser's element stack
 * (and the memory behind it) would grow with it. Manifests and delivery logs are a few levels deep; anything beyond a
 * small limit is refused as unsafe, before the rest of the file is read.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ManifestError, openDeliveryManifest } from "../../nodes/lib/exstream";
import { MAX_MANIFEST_DEPTH } from "../../nodes/lib/exstream/delivery-manifest";
import { readDeliveryLog, splitDeliveryLog } from "../../nodes/lib/watch/delivery-log";

const NESTED = 200_000;

/** A well-formed document: `<root>` holding `depth` nested `<a>` elements inside `inner`. */
function deeplyNested(open: string, close: string, depth: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${open}${"<a>".repeat(depth)}${"</a>".repeat(depth)}${close}\n`;
}

describe("security: deeply nested XML is refused", function () {
  this.timeout(30_000);
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xml-depth-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it(`refuses a manifest nesting ${NESTED.toLocaleString("en")} elements as unsafe`, async () => {
    const file = path.join(tmp, "_STDDELIVERYFILE.xml");
    fs.writeFileSync(file, deeplyNested('<outputList customersProcessed="1">', "</outputList>", NESTED));
    await assert.rejects(
      openDeliveryManifest(file),
      (err: unknown) =>
        err instanceof ManifestError && err.reason === "unsafe" && /nests deeper than \d+ elements/.test(err.message),
    );
  });

  it("accepts a manifest nesting right up to the limit", async () => {
    const file = path.join(tmp, "_STDDELIVERYFILE.xml");
    fs.writeFileSync(file, deeplyNested("<outputList>", "</outputList>", MAX_MANIFEST_DEPTH - 1));
    const manifest = await openDeliveryManifest(file);
    await manifest.dispose();
  });

  it(`splits no extract from a delivery log nesting ${NESTED.toLocaleString("en")} elements`, async () => {
    const file = path.join(tmp, "delivery_log.xml");
    fs.writeFileSync(file, deeplyNested('<deliveryLog><customer number="1">', "</customer></deliveryLog>", NESTED));
    await assert.rejects(splitDeliveryLog(file, path.join(tmp, "extracts")), /nests deeper than \d+ elements/);
    assert.equal((await readDeliveryLog(file)).size, 0, "and reads no entries from it");
  });
});
