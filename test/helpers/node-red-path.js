"use strict";
/*
 * Runs the tests against another Node-RED than the one in node_modules — the compatibility job (.ci/compat) uses it to
 * run the integration suite on Node 22 with node-red 5:
 *
 *   NODE_RED_PATH=/scratch/nr5/node_modules/node-red mocha --require test/helpers/node-red-path.js '…'
 *
 * With NODE_RED_PATH set, every `require("node-red")`, `require.resolve("node-red")`, `require("node-red/…")` and
 * `require("@node-red/…")` — from the tests, the test helpers and node-red-node-test-helper alike — resolves inside
 * that installation. Without it, this file does nothing. The one place where the override lives.
 */
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const target = process.env.NODE_RED_PATH && path.resolve(process.env.NODE_RED_PATH);

if (target) {
  const manifest = path.join(target, "package.json");
  if (!fs.existsSync(manifest)) throw new Error(`NODE_RED_PATH=${target}: no node-red package there`);
  const { name, version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
  if (name !== "node-red") throw new Error(`NODE_RED_PATH=${target} holds ${name}, not node-red`);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    if (request === "node-red" || request.startsWith("node-red/") || request.startsWith("@node-red/")) {
      return resolve.call(this, request, parent, isMain, { ...options, paths: [target, path.dirname(target)] });
    }
    return resolve.call(this, request, parent, isMain, options);
  };
  process.stdout.write(`node-red ${version} from ${target} on Node ${process.version}\n`);
}
