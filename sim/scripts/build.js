"use strict";
// Builds the simulators into dist/: compiles the TypeScript and copies the static assets (fonts and their license).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.json")], {
  stdio: "inherit",
});
for (const dir of ["exstream/assets"]) {
  fs.cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true, filter: (f) => !f.endsWith(".ts") });
}
fs.chmodSync(path.join(dist, "cli.js"), 0o755);
