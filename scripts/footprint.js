#!/usr/bin/env node
"use strict";
/*
 * `node scripts/footprint.js [--json]`: what installing the node package from the palette brings along.
 *
 *   packed / unpacked  the tarball `npm pack` builds from `files` (dist/ must be built: run `npm run build` first)
 *   dependencies       the runtime dependencies, direct and transitive, as package-lock.json resolves them
 *   installed          their size on disk in node_modules (each package folder without its nested node_modules)
 */
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

function packed() {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--silent"], {
    cwd: root,
    encoding: "utf8",
  });
  const [result] = JSON.parse(out);
  return {
    size: result.size,
    unpackedSize: result.unpackedSize,
    files: result.entryCount,
    paths: result.files.map((f) => f.path),
  };
}

/** Runtime packages reachable from the root package's dependencies, as lock locations ("node_modules/axios", …). */
function runtimeClosure(lock) {
  const packages = lock.packages;
  const resolve = (from, name) => {
    for (
      let dir = from;
      ;
      dir = dir.includes("/node_modules/") ? dir.replace(/\/node_modules\/(@[^/]+\/)?[^/]+$/, "") : ""
    ) {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const wanted = (entry) => {
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional);
    return [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers];
  };
  const seen = new Set();
  const queue = Object.keys(packages[""].dependencies ?? {}).map((name) => resolve("", name));
  while (queue.length) {
    const location = queue.pop();
    if (!location || seen.has(location)) continue;
    seen.add(location);
    const entry = packages[location];
    const target = entry.link ? entry.resolved : location;
    for (const name of wanted(packages[target] ?? entry)) queue.push(resolve(target, name));
  }
  return [...seen].sort();
}

function sizeOnDisk(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOnDisk(file);
    else if (entry.isFile()) total += fs.statSync(file).size;
  }
  return total;
}

function footprint() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const direct = Object.keys(lock.packages[""].dependencies ?? {}).sort();
  const closure = runtimeClosure(lock);
  const names = closure.map((location) => location.replace(/^.*node_modules\//, ""));
  const present = closure.filter((location) => fs.existsSync(path.join(root, location)));
  const installed = present.reduce((sum, location) => sum + sizeOnDisk(path.join(root, location)), 0);
  return { ...packed(), direct, dependencies: closure.length, names, installedBytes: installed };
}

const kB = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;

if (require.main === module) {
  const result = footprint();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`packed:       ${kB(result.size)} (${result.files} files)`);
    console.log(`unpacked:     ${kB(result.unpackedSize)}`);
    console.log(
      `dependencies: ${result.direct.length} direct (${result.direct.join(", ")}), ${result.dependencies} incl. transitive`,
    );
    console.log(`installed:    ${kB(result.installedBytes)} of dependencies in node_modules`);
  }
}

module.exports = { footprint, runtimeClosure };
