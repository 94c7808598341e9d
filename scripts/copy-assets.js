"use strict";
// Copies what tsc does not emit next to each compiled node: its editor .html, its locales/ and the shared icons/.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const nodesSrc = path.join(root, "nodes");
const nodesDist = path.join(root, "dist", "nodes");
const icons = path.join(root, "icons");

for (const entry of fs.readdirSync(nodesSrc, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === "lib") continue;
  const from = path.join(nodesSrc, entry.name);
  const to = path.join(nodesDist, entry.name);
  fs.mkdirSync(to, { recursive: true });
  for (const file of fs.readdirSync(from)) {
    if (file.endsWith(".html")) fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
  if (fs.existsSync(path.join(from, "locales")))
    fs.cpSync(path.join(from, "locales"), path.join(to, "locales"), { recursive: true });
  if (fs.existsSync(icons)) fs.cpSync(icons, path.join(to, "icons"), { recursive: true });
}

// Static assets of the simulators (fonts, seed files) travel with the compiled simulator.
for (const dir of ["sim/exstream/assets", "sim/content-server/assets", "sim/fixtures"]) {
  const from = path.join(root, dir);
  if (fs.existsSync(from))
    fs.cpSync(from, path.join(root, "dist", dir), { recursive: true, filter: (f) => !f.endsWith(".ts") });
}
