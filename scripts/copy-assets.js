"use strict";
/*
 * Copies what tsc does not emit next to each compiled node: its editor .html (with the `defaults` its property schema
 * declares, see editor-defaults.js) and its locales/, each help with the property list the schema and the catalogue
 * give (help-properties.js); and the icons/ once.
 *
 * Node-RED looks for icons in an `icons` folder beside each registered node file and serves every icon it finds to all
 * nodes of the package, so one copy beside the first registered node (a config node, loaded with every flow) is enough.
 */
const fs = require("fs");
const path = require("path");
const { writeEditorDefaults } = require("./editor-defaults");
const { writeHelpProperties } = require("./help-properties");

const root = path.resolve(__dirname, "..");
const nodesSrc = path.join(root, "nodes");
const nodesDist = path.join(root, "dist", "nodes");
const icons = path.join(root, "icons");

for (const entry of fs.readdirSync(nodesSrc, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === "lib") continue;
  const from = path.join(nodesSrc, entry.name);
  const to = path.join(nodesDist, entry.name);
  fs.mkdirSync(to, { recursive: true });
  const locales = path.join(to, "locales");
  if (fs.existsSync(path.join(from, "locales"))) fs.cpSync(path.join(from, "locales"), locales, { recursive: true });
  for (const file of fs.readdirSync(from)) {
    if (!file.endsWith(".html")) continue;
    fs.copyFileSync(path.join(from, file), path.join(to, file));
    writeEditorDefaults(path.join(to, file), entry.name);
    writeHelpProperties(path.join(to, file), entry.name, path.join(locales, "en-US", `${entry.name}.json`));
  }
  for (const lang of fs.existsSync(locales) ? fs.readdirSync(locales) : []) {
    const help = path.join(locales, lang, `${entry.name}.html`);
    if (fs.existsSync(help)) writeHelpProperties(help, entry.name, path.join(locales, lang, `${entry.name}.json`));
  }
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const [firstNode] = Object.values(pkg["node-red"].nodes);
fs.cpSync(icons, path.join(root, path.dirname(firstNode), "icons"), { recursive: true });
