#!/usr/bin/env node
"use strict";
/*
 * `npm start`: Node-RED with the seven data flows (flows/), editor on http://127.0.0.1:1880.
 * When CS_URL / EXSTREAM_URL are not set, both simulators start first (seeded, persisted under .data/) and the
 * flows are pointed at them; otherwise the flows talk to the configured servers.
 */
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dataDir = path.resolve(process.env.DEMO_DATA_DIR || path.join(root, ".data"));

async function startSimulators(env) {
  const running = [];
  if (!env.CS_URL) {
    const { startContentServerSimulator } = require("../dist/sim/content-server");
    const sim = await startContentServerSimulator({
      port: env.CS_SIM_PORT || "8181",
      data: path.join(dataDir, "content-server"),
      seed: "demo",
    });
    running.push(sim);
    Object.assign(env, {
      CS_URL: sim.url,
      CS_AUTH_MODE: "cs",
      CS_USERNAME: "otintegration",
      CS_PASSWORD: "integration",
    });
    console.log(`content-server simulator on ${sim.url} — browse page: ${sim.url}/__sim/browse`);
  }
  if (!env.EXSTREAM_URL) {
    const { startExstreamSimulator } = require("../dist/sim/exstream");
    const sim = await startExstreamSimulator({
      port: env.EXSTREAM_SIM_PORT || "8282",
      output: path.join(dataDir, "exstream-output"),
      seed: "demo",
    });
    running.push(sim);
    Object.assign(env, {
      EXSTREAM_URL: sim.url,
      EXSTREAM_TENANT: "demo",
      EXSTREAM_DOMAIN: "Demo",
      EXSTREAM_CLIENT_ID: "exstream-sim",
      EXSTREAM_CLIENT_SECRET: "exstream-sim-secret",
      EXSTREAM_OUTPUT_ROOT: sim.outputRoot,
    });
    console.log(`exstream simulator on ${sim.url} — jobs page: ${sim.url}/sim/jobs`);
  }
  return running;
}

/** Node-RED writes to its flow files on every deploy: it works on a copy under .data, never on flows/ itself. */
function prepareUserDir() {
  const userDir = path.join(dataDir, "node-red");
  fs.mkdirSync(userDir, { recursive: true });
  for (const file of ["flows.json", "flows_cred.json"]) {
    const from = path.join(root, "flows", file);
    const to = path.join(userDir, file);
    if (fs.existsSync(from) && !fs.existsSync(to)) fs.copyFileSync(from, to);
  }
  return userDir;
}

async function main() {
  const env = { ...process.env };
  const simulators = await startSimulators(env);
  env.EXSTREAM_WORK_DIR ||= path.join(dataDir, "exstream-work");
  env.NODE_RED_NODES_DIR ||= root;
  if (!env.NODE_RED_CREDENTIAL_SECRET) {
    env.NODE_RED_CREDENTIAL_SECRET = "demo-only-credential-secret";
    console.log("NODE_RED_CREDENTIAL_SECRET not set: using the demo secret (set your own for real servers)");
  }
  const userDir = prepareUserDir();
  const nodeRed = spawn(
    process.execPath,
    [require.resolve("node-red/red.js"), "-s", path.join(root, "flows", "settings.js"), "-u", userDir],
    { env, stdio: "inherit" },
  );
  const stop = async (code) => {
    nodeRed.kill("SIGTERM");
    await Promise.allSettled(simulators.map((sim) => sim.close()));
    process.exit(code);
  };
  nodeRed.on("exit", (code) => stop(code ?? 0));
  process.once("SIGINT", () => stop(0));
  process.once("SIGTERM", () => stop(0));
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
