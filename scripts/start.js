#!/usr/bin/env node
"use strict";
/*
 * `npm start`: Node-RED with the seven data flows (flows/), editor on http://127.0.0.1:1880.
 * With neither CS_URL nor EXSTREAM_URL set (or with DEMO_SIMULATORS=1), both simulators start first (seeded, persisted
 * under .data/) with demo credentials and a credential secret generated once into .data/node-red/.credential-secret
 * (unless NODE_RED_CREDENTIAL_SECRET is set), and the flows are pointed at them. With both set, the flows talk to the
 * configured servers. One set without the other is an error: a half-configured start
 * would mix a simulator with a real server (simulated letters archived into the real Content Server).
 * With the simulators, demo traffic keeps every data flow busy (scripts/demo-traffic.js): a round every
 * DEMO_INTERVAL_MS (default 30000); DEMO_TRAFFIC=0 switches it off. Each completed item is logged by the flows' own
 * "done" debug nodes (console output), e.g. "[info] [debug:letter done] DF2 C-1001: … sent on".
 */
/* global fetch */
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { setTimeout, clearTimeout } = require("node:timers");
const { setTimeout: sleep } = require("node:timers/promises");

const root = path.resolve(__dirname, "..");
const dataDir = path.resolve(process.env.DEMO_DATA_DIR || path.join(root, ".data"));

const isOff = (value) => /^(0|false|no|off)$/i.test(value || "");
const isOn = (value) => value !== undefined && value !== "" && !isOff(value);

/**
 * "demo" (both simulators) or "servers" (both URLs given); throws naming the missing variable for a half
 * configuration.
 */
function chooseMode(env) {
  if (isOn(env.DEMO_SIMULATORS)) return "demo";
  const missing = ["CS_URL", "EXSTREAM_URL"].filter((name) => !env[name]);
  if (missing.length === 2) return "demo";
  if (missing.length === 1) {
    const given = missing[0] === "CS_URL" ? "EXSTREAM_URL" : "CS_URL";
    throw new Error(
      `${missing[0]} is not set but ${given} is: set both for real servers, or neither (or DEMO_SIMULATORS=1) ` +
        "for the simulators — nothing was started",
    );
  }
  if (!env.NODE_RED_CREDENTIAL_SECRET) {
    throw new Error("NODE_RED_CREDENTIAL_SECRET is not set: real servers need a secret of your own (16+ characters)");
  }
  return "servers";
}

async function startSimulators(env) {
  const { startContentServerSimulator } = require("../sim/dist/content-server");
  const { startExstreamSimulator } = require("../sim/dist/exstream");
  const cs = await startContentServerSimulator({
    port: env.CS_SIM_PORT || "8181",
    data: path.join(dataDir, "content-server"),
    seed: "demo",
  });
  const exstream = await startExstreamSimulator({
    port: env.EXSTREAM_SIM_PORT || "8282",
    output: path.join(dataDir, "exstream-output"),
    data: path.join(dataDir, "exstream"),
    seed: "demo",
  });
  // The demo identities of the simulators' seeds; every connection variable is the simulators' in demo mode.
  Object.assign(env, {
    CS_URL: cs.url,
    CS_AUTH_MODE: "cs",
    CS_USERNAME: "otintegration",
    CS_PASSWORD: "integration",
    EXSTREAM_URL: exstream.url,
    EXSTREAM_TENANT: "demo",
    EXSTREAM_DOMAIN: "Demo",
    EXSTREAM_CLIENT_ID: "exstream-sim",
    EXSTREAM_CLIENT_SECRET: "exstream-sim-secret",
    EXSTREAM_OUTPUT_ROOT: exstream.outputRoot,
    DEMO_SIMULATORS: "1",
  });
  return [
    Object.assign(cs, { kind: "Content Server", page: `${cs.url}/__sim/browse` }),
    Object.assign(exstream, { kind: "Exstream", page: `${exstream.url}/sim/jobs` }),
  ];
}

/**
 * Node-RED writes to its flow files on every deploy: it works on a copy under .data, never on flows/ itself. The copy
 * is replaced when flows/ has changed since it was made (the previous copy is kept as flows.json.<time>.bak).
 */
function prepareUserDir(credentialSecret) {
  const userDir = path.join(dataDir, "node-red");
  fs.mkdirSync(userDir, { recursive: true });
  const files = ["flows.json", "flows_cred.json"];
  const shipped = crypto.createHash("sha256");
  for (const file of files) shipped.update(fs.readFileSync(path.join(root, "flows", file)));
  const digest = shipped.digest("hex");
  const marker = path.join(userDir, ".flows-source.sha256");
  const copied = fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").trim() : "";
  if (copied !== digest || !fs.existsSync(path.join(userDir, "flows.json"))) {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    for (const file of files) {
      const to = path.join(userDir, file);
      if (fs.existsSync(to)) fs.renameSync(to, `${to}.${stamp}.bak`);
      fs.copyFileSync(path.join(root, "flows", file), to);
    }
    const credentials = path.join(userDir, "flows_cred.json");
    const plain = JSON.parse(fs.readFileSync(credentials, "utf8"));
    fs.writeFileSync(credentials, JSON.stringify(encryptCredentials(plain, credentialSecret), null, 2) + "\n");
    fs.writeFileSync(marker, digest + "\n");
    if (copied) console.log(`flows/ changed: ${userDir} now runs the new flows (previous copy kept as *.${stamp}.bak)`);
  }
  return userDir;
}

/**
 * The credentials file as Node-RED writes it (aes-256-ctr, key = SHA-256 of the credential secret, hex IV in front of
 * the base64 text): Node-RED reads it without its "Encrypted credentials not found" warning. Placeholders only.
 */
function encryptCredentials(credentials, secret) {
  const key = crypto.createHash("sha256").update(secret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv("aes-256-ctr", key, iv);
  const text = cipher.update(JSON.stringify(credentials), "utf8", "base64") + cipher.final("base64");
  return { $: iv.toString("hex") + text };
}

/** The demo's credential secret: generated once per data folder and kept there (readable by its owner only). */
function demoCredentialSecret() {
  const file = path.join(dataDir, "node-red", ".credential-secret");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = crypto.randomBytes(32).toString("hex");
  fs.writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

/** Waits until Node-RED answers HTTP (any status) or gives up after `timeoutMs`. */
async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url, { method: "GET" });
      return true;
    } catch {
      await sleep(500);
    }
  }
  return false;
}

/** Demo traffic for every data flow, a round every `intervalMs`; returns a stop function. */
function startDemoTraffic(env, nodeRedUrl, intervalMs) {
  const { createDemoTraffic } = require("./demo-traffic");
  const traffic = createDemoTraffic({
    csUrl: env.CS_URL,
    exstreamUrl: env.EXSTREAM_URL,
    // DF7's inject button through the admin API; refused (and skipped) when adminAuth is on or the admin API is off
    nodeRedUrl: env.NODE_RED_ADMIN_USER || isOff(env.NODE_RED_ADMIN) ? "" : nodeRedUrl,
    log: (line) => /failed/.test(line) && console.log(`demo traffic: ${line.replace(/^traffic: /, "")}`),
  });
  let timer;
  let stopped = false;
  let round = 0;
  let current = Promise.resolve();
  const tick = async () => {
    const result = await traffic.round();
    round++;
    const ok = Object.entries(result).filter(([, v]) => v !== false && !(v instanceof Error));
    console.log(
      `demo traffic: round ${round} sent (${ok.map(([name]) => name).join(", ")}); ` +
        `next in ${Math.round(intervalMs / 1000)} s — DEMO_TRAFFIC=0 switches it off`,
    );
    if (!stopped) timer = setTimeout(() => (current = tick()), intervalMs);
  };
  timer = setTimeout(() => (current = tick()), 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current; // the round under way finishes before its connections close
    await traffic.close();
  };
}

async function main() {
  const env = { ...process.env };
  const demo = chooseMode(env) === "demo";
  const why = isOn(process.env.DEMO_SIMULATORS) ? "DEMO_SIMULATORS=1" : "CS_URL and EXSTREAM_URL not set";
  const simulators = demo ? await startSimulators(env) : [];
  if (demo) {
    const ownSecret = Boolean(env.NODE_RED_CREDENTIAL_SECRET);
    env.NODE_RED_CREDENTIAL_SECRET ||= demoCredentialSecret();
    console.log(
      `demo mode (${why}): both simulators with demo credentials` +
        `${ownSecret ? "" : " and a credential secret generated for this data folder"}` +
        ` (${simulators.map((sim) => `${sim.kind} ${sim.url}`).join(", ")}) — set both URLs for real servers`,
    );
  }
  env.EXSTREAM_WORK_DIR ||= path.join(dataDir, "exstream-work");
  env.NODE_RED_NODES_DIR ||= root;
  const userDir = prepareUserDir(env.NODE_RED_CREDENTIAL_SECRET);
  const nodeRed = spawn(
    process.execPath,
    [require.resolve("node-red/red.js"), "-s", path.join(root, "flows", "settings.js"), "-u", userDir],
    { env, stdio: "inherit" },
  );
  const host = env.NODE_RED_HOST || "127.0.0.1";
  const nodeRedUrl = `http://${host.includes(":") ? `[${host}]` : host}:${env.NODE_RED_PORT || env.PORT || 1880}`;
  const nodeRedExited = new Promise((resolve) => nodeRed.once("exit", (code) => resolve(code ?? 0)));
  let stopTraffic = async () => {};
  let stopping = false;
  /**
   * In this order: the demo traffic (its round under way finishes), Node-RED (its flows stop while the simulators still
   * answer; killed after NODE_RED_STOP_TIMEOUT_MS), then the simulators.
   */
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await stopTraffic().catch(() => {});
    if (nodeRed.exitCode === null && nodeRed.signalCode === null) {
      nodeRed.kill("SIGTERM");
      const timeoutMs = Number(env.NODE_RED_STOP_TIMEOUT_MS || 30_000);
      const timer = setTimeout(() => nodeRed.kill("SIGKILL"), timeoutMs);
      await nodeRedExited;
      clearTimeout(timer);
    }
    await Promise.allSettled(simulators.map((sim) => sim.close()));
    process.exit(code);
  };
  nodeRedExited.then((code) => stop(code));
  // A process manager or container signals only this process: `npm start` execs it (package.json), so npm passes its
  // SIGTERM/SIGINT on to this process (without exec the shell in between would die and leave everything running)
  process.once("SIGINT", () => stop(0));
  process.once("SIGTERM", () => stop(0));

  if (!(await waitForHttp(nodeRedUrl, 60_000))) return;
  console.log(`Node-RED on ${nodeRedUrl}${isOff(env.NODE_RED_EDITOR) ? "" : " (editor)"}`);
  const trafficOn = !isOff(env.DEMO_TRAFFIC);
  if (demo && trafficOn && !stopping) {
    const intervalMs = Math.max(1000, Number(env.DEMO_INTERVAL_MS || 30_000));
    await sleep(2000); // the flows start right after the HTTP server
    if (stopping) return;
    stopTraffic = startDemoTraffic(env, nodeRedUrl, intervalMs);
  } else if (demo) {
    console.log("demo traffic off (DEMO_TRAFFIC=0)");
  }
  for (const sim of simulators) console.log(`${sim.kind} simulator: ${sim.page}`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
