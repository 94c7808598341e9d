#!/usr/bin/env node
"use strict";
/*
 * `npm run flows`: generates the headless deployment's flow files from the example flows.
 *
 *   flows/flows.json       every examples/NN-*.json (ordered by file name): one tab each, then the shared config nodes
 *                          (de-duplicated by id; two examples must agree on a shared node), without `credentials`
 *   flows/flows_cred.json  the credentials of those nodes in PLAINTEXT — only `${NAME}` placeholders, expanded from the
 *                          environment at runtime. Node-RED reads credentials from this file (not from flows.json) and
 *                          encrypts it with credentialSecret on the first deploy.
 *
 * Deployment-only additions (the examples leave these empty, a real installation may need them, see flows/README.md):
 * the shared Content Server connection also reads CS_OTDS_URL (OTDS on another host) and CS_CLIENT_ID /
 * CS_CLIENT_SECRET (authentication mode oauth); the Exstream connection reads EXSTREAM_TOKEN_PATH (the OTDS token
 * path, which installations differ in) and EXSTREAM_SCOPE. Unset variables expand to "" = the node's default.
 * Every output watch and workflow trigger keeps its state through one shared "Durable state" node (`state-demo`)
 * whose kind comes from STATE_STORE: unset = files (as `npm start` runs), `postgresql` = PG_URL, PG_USER, … (replicas).
 *
 * `node scripts/build-flows.js --check` exits 1 when the committed files differ from what the examples produce.
 * The unit test test/unit/flows.test.ts does the same check.
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const EXAMPLES_DIR = path.join(root, "examples");
const FLOWS_FILE = path.join(root, "flows", "flows.json");
const CREDENTIALS_FILE = path.join(root, "flows", "flows_cred.json");
/** A credential value must be nothing but placeholders, e.g. "${CS_PASSWORD}" (or empty). */
const PLACEHOLDER_ONLY = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\})*$/;

/** The example files, ordered by file name. */
function exampleFiles(dir = EXAMPLES_DIR) {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d\d-.+\.json$/.test(name))
    .sort();
}

const stable = (value) => JSON.stringify(value);

/** Per shared config node id: properties set only where the example leaves them empty, and extra credentials. */
const DEPLOYMENT_SETTINGS = {
  "cs-config-demo": {
    properties: { otdsUrl: "${CS_OTDS_URL}" },
    credentials: { clientId: "${CS_CLIENT_ID}", clientSecret: "${CS_CLIENT_SECRET}" },
  },
  "exstream-config-demo": {
    properties: { tokenPath: "${EXSTREAM_TOKEN_PATH}", scope: "${EXSTREAM_SCOPE}" },
    credentials: {},
  },
};

/** The shared Durable state node: files unless STATE_STORE=postgresql (flows/README.md, "Replicas"). */
const STATE_NODE = {
  id: "state-demo",
  type: "ccm-state",
  name: "Durable state (STATE_STORE)",
  kind: "${STATE_STORE}",
  url: "${PG_URL}",
  tls: "${PG_TLS}",
  caFile: "${PG_CA_FILE}",
  poolSize: "${PG_POOL_SIZE}",
  schema: "${PG_SCHEMA}",
  credentials: { user: "${PG_USER}", password: "${PG_PASSWORD}" },
};
const STATEFUL_TYPES = ["exstream-output-watch", "cs-workflow-trigger"];

function withDeploymentSettings(node) {
  const extra = DEPLOYMENT_SETTINGS[node.id];
  if (!extra) return node;
  const result = { ...node };
  for (const [key, value] of Object.entries(extra.properties)) if (!result[key]) result[key] = value;
  result.credentials = { ...node.credentials };
  for (const [key, value] of Object.entries(extra.credentials))
    if (!result.credentials[key]) result.credentials[key] = value;
  return result;
}

/** Builds { flows, credentials, examples } from the example files; throws on anything a deployment must not hold. */
function buildFlows(dir = EXAMPLES_DIR) {
  const examples = exampleFiles(dir);
  const flows = [];
  const configNodes = new Map(); // id → { node, from }
  const credentials = {};
  const seen = new Map(); // id → example file

  for (const file of examples) {
    const nodes = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    if (!Array.isArray(nodes)) throw new Error(`${file}: not a JSON array of nodes`);
    const tabs = nodes.filter((n) => n.type === "tab");
    if (tabs.length !== 1) throw new Error(`${file}: expected exactly one tab, found ${tabs.length}`);
    const tab = tabs[0];
    const ordered = [tab];
    for (const node of nodes) {
      if (node === tab) continue;
      const isConfig = node.z === undefined || node.z === "";
      if (isConfig) {
        const known = configNodes.get(node.id);
        if (known) {
          if (stable(known.node) !== stable(node)) {
            throw new Error(`${file}: config node ${node.id} differs from the one in ${known.from}`);
          }
          continue;
        }
        configNodes.set(node.id, { node, from: file });
      } else {
        if (node.z !== tab.id) throw new Error(`${file}: node ${node.id} is not on the example's tab ${tab.id}`);
        ordered.push(node);
      }
    }
    for (const node of [...ordered, ...[...configNodes.values()].filter((c) => c.from === file).map((c) => c.node)]) {
      if (seen.has(node.id)) throw new Error(`${file}: node id ${node.id} is also used in ${seen.get(node.id)}`);
      seen.set(node.id, file);
    }
    flows.push(
      ...ordered.map((node) => (STATEFUL_TYPES.includes(node.type) ? { ...node, state: STATE_NODE.id } : node)),
    );
  }

  for (const { node } of configNodes.values()) flows.push(withDeploymentSettings(node));
  // The examples carry it (each with the same copy); an example without one still gets it.
  if (!configNodes.has(STATE_NODE.id)) flows.push(STATE_NODE);

  const stripped = flows.map((node) => {
    if (!node.credentials) return node;
    const { credentials: creds, ...rest } = node;
    for (const [key, value] of Object.entries(creds)) {
      if (typeof value !== "string" || !PLACEHOLDER_ONLY.test(value)) {
        throw new Error(`node ${node.id}: credential ${key} must be a \${NAME} placeholder (or empty), not a value`);
      }
    }
    credentials[node.id] = creds;
    return rest;
  });

  return { flows: stripped, credentials, examples };
}

/** The two files' text, exactly as written. */
function renderFlows(built = buildFlows()) {
  return {
    flowsJson: JSON.stringify(built.flows, null, 2) + "\n",
    credentialsJson: JSON.stringify(built.credentials, null, 2) + "\n",
  };
}

function main(argv) {
  const built = buildFlows();
  const { flowsJson, credentialsJson } = renderFlows(built);
  const files = [
    [FLOWS_FILE, flowsJson],
    [CREDENTIALS_FILE, credentialsJson],
  ];
  if (argv.includes("--check")) {
    const stale = files.filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text);
    for (const [file] of stale) console.error(`${path.relative(root, file)} is out of date: run npm run flows`);
    return stale.length ? 1 : 0;
  }
  for (const [file, text] of files) fs.writeFileSync(file, text);
  const tabs = built.flows.filter((n) => n.type === "tab").length;
  console.log(
    `flows/flows.json: ${tabs} flows (${built.examples.join(", ")}), ${built.flows.length} nodes; ` +
      `flows/flows_cred.json: ${Object.keys(built.credentials).length} nodes with \${NAME} placeholders`,
  );
  return 0;
}

module.exports = {
  DEPLOYMENT_SETTINGS,
  STATE_NODE,
  buildFlows,
  renderFlows,
  exampleFiles,
  EXAMPLES_DIR,
  FLOWS_FILE,
  CREDENTIALS_FILE,
};

if (require.main === module) process.exitCode = main(process.argv.slice(2));
