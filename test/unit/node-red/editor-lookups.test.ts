import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { LOOKUPS, previewTemplates } from "../../../nodes/lib/node-red/lookups";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const TYPES = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: object } })[
    "node-red"
  ].nodes,
);

describe("editor lookups (nodes/lib/node-red/lookups.ts)", () => {
  it("the catalogue names only node types of the package", () => {
    assert.deepEqual(
      Object.keys(LOOKUPS).filter((type) => !TYPES.includes(type)),
      [],
    );
  });

  it("no dialog keeps its own lookup()/fillList() copy: all load through the shared editor script", () => {
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(ROOT, "nodes", type, `${type}.html`), "utf8");
      assert.doesNotMatch(html, /function (lookup|fillList|fillSelect)\(/, `${type}.html`);
      if (LOOKUPS[type])
        assert.match(html, /(ccmBridgeEditor|\bE)\.(lookupSelect|lookup|folderBrowser)\(/, `${type}.html`);
    }
  });

  it("template preview renders names and paths as the archive would, or names the missing value", () => {
    const msg = { document: { keys: { CustomerId: "C-1001", Type: "Invoice: Q1" } } };
    assert.deepEqual(
      previewTemplates({
        names: { nameTemplate: "{{msg.document.keys.Type}} {{keys.CustomerId}}.pdf", recordFolderTemplate: "" },
        paths: { folderPath: "Archive/{{msg.document.keys.Type}}/{{document.keys.CustomerId}}" },
        msg,
      }),
      {
        nameTemplate: { value: "Invoice_ Q1 C-1001.pdf" },
        folderPath: { value: "Archive/Invoice_ Q1/C-1001" },
      },
    );
    assert.deepEqual(previewTemplates({ names: { nameTemplate: "{{msg.nope}}" }, msg }), {
      nameTemplate: { error: "name template: no value for {{msg.nope}}" },
    });
    assert.throws(() => previewTemplates({ names: {} }), { name: "RefusedRequest" });
  });
});
