/*
 * The headless deployment's flow files (flows/flows.json, flows/flows_cred.json) are generated from the examples by
 * scripts/build-flows.js (`npm run flows`). They must never drift from the examples and never hold a secret.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const generator = require(path.join(ROOT, "scripts", "build-flows.js")) as {
  DEPLOYMENT_SETTINGS: Record<string, { properties: Record<string, string>; credentials: Record<string, string> }>;
  buildFlows(dir?: string): { flows: any[]; credentials: Record<string, Record<string, string>>; examples: string[] };
  renderFlows(): { flowsJson: string; credentialsJson: string };
  exampleFiles(): string[];
};

/** DESIGN §3: one example per data flow. */
const SEVEN_EXAMPLES = [
  "01-archive-generated-communications.json",
  "02-workflow-triggered-letter.json",
  "03-governed-content-to-exstream.json",
  "04-delivery-record.json",
  "05-case-correspondence.json",
  "06-variant-retention.json",
  "07-regulatory-wording-evidence.json",
];

const read = (file: string) => fs.readFileSync(path.join(ROOT, "flows", file), "utf8");
const PLACEHOLDER_ONLY = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\})*$/;

describe("flows/ (headless deployment)", () => {
  const flows: any[] = JSON.parse(read("flows.json"));
  const credentials: Record<string, Record<string, string>> = JSON.parse(read("flows_cred.json"));
  const examples = generator.exampleFiles();

  it("flows.json and flows_cred.json are exactly what `npm run flows` generates from the current examples", () => {
    const { flowsJson, credentialsJson } = generator.renderFlows();
    assert.equal(read("flows.json"), flowsJson, "flows/flows.json is stale: run npm run flows");
    assert.equal(read("flows_cred.json"), credentialsJson, "flows/flows_cred.json is stale: run npm run flows");
  });

  it("holds every example as one tab, in file order, with all its nodes unchanged", () => {
    assert.deepEqual(examples, SEVEN_EXAMPLES);
    const tabs = flows.filter((n) => n.type === "tab");
    const expectedTabs: string[] = [];
    for (const file of examples) {
      const nodes: any[] = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8"));
      const tab = nodes.find((n) => n.type === "tab");
      expectedTabs.push(tab.id);
      for (const node of nodes) {
        const deployed = flows.find((n) => n.id === node.id);
        assert.ok(deployed, `${file}: node ${node.id} is in flows.json`);
        const { credentials: _credentials, ...expected } = node;
        // Deployment-only settings fill what the example leaves empty (e.g. otdsUrl ← ${CS_OTDS_URL}).
        for (const [key, value] of Object.entries(generator.DEPLOYMENT_SETTINGS[node.id]?.properties ?? {})) {
          if (!expected[key]) expected[key] = value;
        }
        // Every stateful node keeps its state through the shared Durable state node (files unless STATE_STORE says).
        if (["exstream-output-watch", "cs-workflow-trigger"].includes(node.type)) expected.state = "state-demo";
        assert.deepEqual(deployed, expected, `${file}: node ${node.id} as in the example`);
      }
    }
    assert.deepEqual(
      tabs.map((t) => t.id),
      expectedTabs,
    );
    assert.equal(new Set(flows.map((n) => n.id)).size, flows.length, "node ids are unique");
  });

  it("gives every flow an Info text (the tab's description in the editor's Info sidebar)", () => {
    for (const tab of generator.buildFlows().flows.filter((node) => node.type === "tab")) {
      assert.ok(typeof tab.info === "string" && tab.info.trim().length > 20, `${tab.label}: no Info text`);
    }
  });

  it("shares one Content Server and one Exstream connection, configured from the environment", () => {
    const configs = flows.filter((n) => n.z === undefined && n.type !== "tab");
    assert.deepEqual(configs.map((n) => n.id).sort(), ["cs-config-demo", "exstream-config-demo", "state-demo"]);
    const cs = configs.find((n) => n.id === "cs-config-demo");
    assert.equal(cs.baseUrl, "${CS_URL}");
    assert.equal(cs.authMode, "${CS_AUTH_MODE}");
    assert.equal(cs.otdsUrl, "${CS_OTDS_URL}");
    const exstream = configs.find((n) => n.id === "exstream-config-demo");
    assert.deepEqual(
      [exstream.baseUrl, exstream.tenant, exstream.domain],
      ["${EXSTREAM_URL}", "${EXSTREAM_TENANT}", "${EXSTREAM_DOMAIN}"],
    );
    for (const node of flows) {
      for (const key of ["server", "state"]) {
        if (node[key])
          assert.ok(
            configs.some((c) => c.id === node[key]),
            `${node.id}.${key} → a shared config node`,
          );
      }
    }
  });

  it("keeps state in files unless STATE_STORE=postgresql, the database connection from PG_* variables", () => {
    const state = flows.find((n) => n.id === "state-demo");
    assert.deepEqual(
      { type: state.type, kind: state.kind, url: state.url, tls: state.tls, schema: state.schema },
      { type: "ccm-state", kind: "${STATE_STORE}", url: "${PG_URL}", tls: "${PG_TLS}", schema: "${PG_SCHEMA}" },
    );
    const stateful = flows.filter((n) => ["exstream-output-watch", "cs-workflow-trigger"].includes(n.type));
    assert.ok(stateful.length >= 7);
    assert.ok(stateful.every((n) => n.state === "state-demo"));
  });

  it("holds no secret: credentials only in flows_cred.json and only as ${NAME} placeholders", () => {
    assert.ok(
      flows.every((n) => n.credentials === undefined),
      "no credentials inside flows.json",
    );
    assert.deepEqual(credentials, {
      "cs-config-demo": {
        username: "${CS_USERNAME}",
        password: "${CS_PASSWORD}",
        clientId: "${CS_CLIENT_ID}",
        clientSecret: "${CS_CLIENT_SECRET}",
      },
      "exstream-config-demo": { clientId: "${EXSTREAM_CLIENT_ID}", clientSecret: "${EXSTREAM_CLIENT_SECRET}" },
      "state-demo": { user: "${PG_USER}", password: "${PG_PASSWORD}" },
    });
    for (const [id, values] of Object.entries(credentials)) {
      for (const [key, value] of Object.entries(values)) assert.match(value, PLACEHOLDER_ONLY, `${id}.${key}`);
    }
    // Nothing that looks like the simulators' demo secrets or a URL of a real server anywhere in the folder.
    const text = read("flows.json") + read("flows_cred.json");
    for (const secret of ["livelink", "exstream-sim-secret", 'integration"', "http://", "https://"]) {
      assert.ok(!text.includes(secret), `flows/ does not contain ${secret}`);
    }
  });

  it("refuses to generate a flow file from an example with a literal secret", () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "test", ".flows-"));
    try {
      const example = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", examples[0]), "utf8"));
      const cs = example.find((n: any) => n.id === "cs-config-demo");
      cs.credentials = { ...cs.credentials, password: "livelink" };
      fs.writeFileSync(path.join(dir, examples[0]), JSON.stringify(example));
      assert.throws(() => generator.buildFlows(dir), /credential password must be a \$\{NAME\} placeholder/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
