#!/usr/bin/env node
/*
 * Runs the test suite (or the spec files given) under CPU pressure, to show that no test depends on the machine's
 * speed: mocha is pinned to one core with taskset, and one busy loop per core runs beside it at the same priority.
 *
 *   npm run test:pressure                       # every spec (dist/ must be built: npm run build)
 *   npm run test:pressure -- test/e2e/*.test.ts  # some
 */
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const specs = process.argv.slice(2);
const busyLoops = Array.from({ length: os.availableParallelism() }, () =>
  spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
);
const stopLoops = () => busyLoops.forEach((child) => child.kill("SIGKILL"));
process.on("exit", stopLoops);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
/** The same specs as `npm test`. */
const ALL_SPECS = "test/**/*.test.ts";
const mocha = [path.join(root, "node_modules", "mocha", "bin", "mocha.js"), ...(specs.length ? specs : [ALL_SPECS])];
const command = hasTaskset ? "taskset" : process.execPath;
const args = hasTaskset ? ["--cpu-list", "0", process.execPath, ...mocha] : mocha;
console.log(
  `under pressure: ${busyLoops.length} busy loop(s) beside mocha${hasTaskset ? ", mocha pinned to core 0" : ""}`,
);
const run = spawn(command, args, { cwd: root, stdio: "inherit" });
run.on("exit", (code, signal) => {
  stopLoops();
  process.exit(code ?? (signal ? 1 : 0));
});
