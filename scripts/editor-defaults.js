#!/usr/bin/env node
"use strict";
/*
 * Each node's editor `defaults` come from its property schema (nodes/<type>/properties.ts), never typed by hand.
 *
 *   writeEditorDefaults(htmlFile, type)   the build (copy-assets.js): rewrites the `defaults` object of a copied .html
 *   node scripts/editor-defaults.js --write   refreshes the source .html files too (after `npm run build`), so that a
 *                                             reader of the source sees what the editor gets
 *
 * Only the `defaults` object literal is replaced; the rest of the .html (dialog, help, scripts) is left as it is.
 * test/unit/editor-defaults.test.ts checks that the source .html files are in sync with their schemas.
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist", "nodes");

function schemaOf(type) {
  const file = path.join(dist, type, "properties.js");
  return fs.existsSync(file) ? require(file).properties : undefined;
}

function writeEditorDefaults(htmlFile, type) {
  const schema = schemaOf(type);
  if (!schema) return false;
  const { withEditorDefaults } = require(path.join(dist, "lib", "node-red", "properties.js"));
  fs.writeFileSync(htmlFile, withEditorDefaults(fs.readFileSync(htmlFile, "utf8"), schema));
  return true;
}

module.exports = { schemaOf, writeEditorDefaults };

if (require.main === module && process.argv.includes("--write")) {
  const written = [];
  for (const type of fs.readdirSync(path.join(root, "nodes"))) {
    const html = path.join(root, "nodes", type, `${type}.html`);
    if (fs.existsSync(html) && writeEditorDefaults(html, type)) written.push(html);
  }
  console.log(`editor defaults written: ${written.map((f) => path.relative(root, f)).join(", ")}`);
}
