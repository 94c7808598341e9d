"use strict";
/*
 * The property list of each node's help comes from its property schema (nodes/<type>/properties.ts) and the texts of
 * its message catalogue, written by the build (copy-assets.js) where the help holds the line
 * `<!-- properties.ts … -->` — in the English help of <type>.html and in each locales/<lang>/<type>.html. A property
 * without a label or text fails the build (see nodes/lib/node-red/help-properties.ts).
 */
const fs = require("node:fs");
const path = require("node:path");
const { schemaOf } = require("./editor-defaults");

const dist = path.resolve(__dirname, "..", "dist", "nodes");

/** Writes the list into `htmlFile` (a copy in dist/) from the schema of `type` and the catalogue `catalogueFile`. */
function writeHelpProperties(htmlFile, type, catalogueFile) {
  const schema = schemaOf(type);
  if (!schema) return false;
  const { withHelpProperties } = require(path.join(dist, "lib", "node-red", "help-properties.js"));
  // A help asking for the list without a catalogue fails below, naming every property it lacks.
  const catalogue = fs.existsSync(catalogueFile) ? JSON.parse(fs.readFileSync(catalogueFile, "utf8"))[type] : {};
  try {
    fs.writeFileSync(htmlFile, withHelpProperties(fs.readFileSync(htmlFile, "utf8"), schema, catalogue));
  } catch (err) {
    throw new Error(`${path.relative(dist, htmlFile)}: ${err.message}`, { cause: err });
  }
  return true;
}

module.exports = { writeHelpProperties };
