#!/usr/bin/env node
"use strict";
/*
 * `npm run demo`: one headless run of all seven data flows (flows/flows.json as shipped) against FRESH simulators.
 *
 *   1. both simulators, seeded, on random loopback ports, data and output in a temporary folder
 *   2. Node-RED as a child process with flows/settings.js and a fresh user dir, editor off (NODE_RED_EDITOR=0; the
 *      admin API stays on, on loopback, for the DF7 inject button)
 *   3. a fixed amount of traffic per data flow (scripts/demo-traffic.js, through the real REST APIs)
 *   4. waits (bounded by DEMO_DEADLINE_MS, default 80 s) until every data flow has handled its items, counting in the
 *      systems: documents and folders in Content Server (REST browse), workflow instances' steps (REST), Exstream jobs
 *      (Orchestration runtime API); errors are the flows' error/dead-letter log lines plus failed Exstream jobs
 *   5. prints one row per data flow and exits 1 if any flow fell short (2 on a setup failure)
 *
 * DEMO_VERBOSE=1 also prints Node-RED's log; DEMO_FLOWS_FILE runs another flow file than flows/flows.json (its
 * credentials file next to it, flows_cred.json, when present).
 */
/* global fetch */
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { setTimeout: sleep } = require("node:timers/promises");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
const { createDemoTraffic, USERS, FOLDERS, EXSTREAM, CASE, WORDINGS } = require("./demo-traffic");
const { ContentServerClient } = require(path.join(dist, "nodes", "lib", "content-server"));
const { ExstreamClient } = require(path.join(dist, "nodes", "lib", "exstream"));
const { startContentServerSimulator } = require(path.join(root, "sim", "dist", "content-server"));
const { startExstreamSimulator } = require(path.join(root, "sim", "dist", "exstream"));

const DEADLINE_MS = Number(process.env.DEMO_DEADLINE_MS || 80_000);
const VERBOSE = /^(1|true|yes)$/i.test(process.env.DEMO_VERBOSE || "");

/** The fixed traffic of one demo run. */
const VOLUME = { statementCustomers: 4, letters: 2, cases: 2, offers: 1, disclosures: 1, policyBatches: 1 };
/** Customers in DF7's inject ("Next Policy Change letters"): read from the flow itself. */
const FLOWS_FILE = path.resolve(process.env.DEMO_FLOWS_FILE || path.join(root, "flows", "flows.json"));
const flows = JSON.parse(fs.readFileSync(FLOWS_FILE, "utf8"));
const DF7_BATCH = JSON.parse(flows.find((n) => n.id === "df7-generate-now").payload).length;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startNodeRed(env, userDir) {
  const child = spawn(
    process.execPath,
    [require.resolve("node-red/red.js"), "-s", path.join(root, "flows", "settings.js"), "-u", userDir],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines = [];
  let buffered = "";
  const onData = (chunk) => {
    buffered += chunk.toString("utf8");
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      if (VERBOSE) console.log(`  node-red | ${line}`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return { child, lines };
}

async function waitFor(what, check, deadline) {
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

// ————— counting in the systems —————

async function childrenOf(cs, parentId) {
  const items = [];
  for await (const child of cs.nodes.iterateChildren(parentId)) items.push(child);
  return items;
}

async function folderAt(cs, parentId, names) {
  let id = parentId;
  for (const name of names) {
    const child = await cs.nodes.findChildByName(id, name);
    if (!child) return undefined;
    id = child.id;
  }
  return id;
}

/** Documents below a folder, `depth` levels of sub-folders down (0 = its own documents). */
async function documentsBelow(cs, folderId, depth) {
  if (folderId === undefined) return [];
  const children = await childrenOf(cs, folderId);
  if (depth === 0) return children.filter((c) => !c.container);
  const nested = await Promise.all(children.filter((c) => c.container).map((c) => documentsBelow(cs, c.id, depth - 1)));
  return nested.flat();
}

async function foldersBelow(cs, folderId, depth) {
  if (folderId === undefined) return [];
  const folders = (await childrenOf(cs, folderId)).filter((c) => c.container);
  if (depth === 0) return folders;
  return (await Promise.all(folders.map((f) => foldersBelow(cs, f.id, depth - 1)))).flat();
}

async function completedStep(cs, processIds, step) {
  let done = 0;
  for (const id of processIds) {
    const status = await cs.workflows.getProcessStatus(id);
    if (status.completed.some((s) => String(s.task_name) === step)) done++;
  }
  return done;
}

async function workspaceCorrespondence(cs, workspace) {
  if (!workspace) return [];
  return documentsBelow(cs, await folderAt(cs, workspace.id, ["Correspondence"]), 0);
}

/**
 * Exstream jobs (Orchestration runtime API): status, mode, the flow models (= communications) they ran and how many
 * customer communications they rendered (on-demand: one; batch: the records of the flow instances' input).
 */
async function exstreamJobs(exstream, runtimeUrl) {
  // A flow instance names its flow model by id (ORC FlowInstance.flowModelId); the published models give the names.
  const published = await fetch(runtimeUrl.replace(/\/runtime\/([^/]+)$/, "/flow-models/$1/published"), {
    headers: { Authorization: `Bearer ${await exstream.getToken()}` },
  });
  if (!published.ok) throw new Error(`published flow models: HTTP ${published.status}`);
  const models = new Map(((await published.json()).data ?? []).map((m) => [m.id, m.name]));
  // An on-demand generate runs the communication itself: its flow model id is the communication's resource id.
  const modelName = async (id) => {
    if (!models.has(id))
      models.set(
        id,
        await exstream.getResource(id).then(
          (r) => r.name,
          () => "",
        ),
      );
    return models.get(id);
  };
  const jobs = [];
  for await (const job of exstream.iterateJobs()) {
    const instances = [];
    for await (const instance of exstream.iterateFlowInstances({ jobId: job.id })) instances.push(instance);
    let communications = 1;
    if (/^batch$/i.test(job.mode)) {
      communications = 0;
      for (const instance of instances) {
        const res = await fetch(`${runtimeUrl}/flow-instances/${encodeURIComponent(instance.id)}/input`, {
          headers: { Authorization: `Bearer ${await exstream.getToken()}` },
        });
        const input = res.ok ? JSON.parse(await res.text()) : [];
        communications += Array.isArray(input) ? input.length : 1;
      }
    }
    const flowModels = [];
    for (const instance of instances) flowModels.push(await modelName(instance.flowModelId));
    jobs.push({ ...job, communications, flowModels });
  }
  return jobs;
}

/** The error / dead-letter lines of each flow's error debug node in Node-RED's log. */
function errorLines(lines, flow) {
  const errorNodes = flows.filter((n) => n.type === "debug" && /-errors$/.test(n.id));
  const mine = errorNodes.filter((n) => n.z === flow.tab);
  const shared = new Set(errorNodes.filter((n) => !mine.includes(n)).map((n) => n.name));
  const prefix = new RegExp(`\\] (DF0?${flow.n}\\b|\\{)`);
  return lines.filter((line) =>
    mine.some(
      (n) =>
        line.includes(`[debug:${n.name || n.id}]`) &&
        (!shared.has(n.name) || prefix.test(line.slice(line.indexOf(`[debug:${n.name || n.id}]`)))),
    ),
  );
}

async function measure({ cs, exstream, runtimeUrl, traffic, lines }) {
  const communications = await folderAt(cs, FOLDERS.enterprise, ["Communications"]);
  const archive = communications && (await folderAt(cs, communications, ["Archive"]));
  const [df1Docs, df7Docs, records, variantDocs, jobs] = await Promise.all([
    documentsBelow(cs, archive, 2), // Archive/<type>/<year>
    documentsBelow(cs, archive, 0), // DF7 files directly into Archive
    foldersBelow(cs, communications && (await folderAt(cs, communications, ["Delivery Records"])), 1),
    documentsBelow(cs, communications && (await folderAt(cs, communications, ["Variants"])), 1),
    exstreamJobs(exstream, runtimeUrl),
  ]);
  const recordDocs = (await Promise.all(records.map((r) => documentsBelow(cs, r.id, 0)))).flat();

  const customerWorkspaces = await Promise.all(
    ["C-1001", "C-1002", "C-1003"].map((boId) =>
      cs.workspaces.findWorkspaceByBusinessObject({ extSystemId: "CRM", boType: "Customer", boId }),
    ),
  );
  const letters = (await Promise.all(customerWorkspaces.map((ws) => workspaceCorrespondence(cs, ws)))).flat();
  const claim = await cs.workspaces.findWorkspaceByName({ name: "Claim" }, CASE["Claim Number"]);
  const caseLetters = await workspaceCorrespondence(cs, claim);
  const approved = async (name) => {
    const doc = await cs.nodes.findChildByName(FOLDERS.approvedContent, name);
    return doc ? (await cs.documents.listVersions(doc.id)).length : 0;
  };

  const ok = (j) => j.status === "complete";
  const batch = (j) => /^batch$/i.test(j.mode);
  const sum = (list) => list.reduce((n, j) => n + j.communications, 0);
  const failedJobs = jobs.filter((j) => ["error", "canceled"].includes(j.status));
  const ofModel = (re) => jobs.filter((j) => ok(j) && j.flowModels.some((m) => re.test(m)));
  const ondemandPolicy = ofModel(/Policy Change Confirmation/).filter((j) => !batch(j));
  const ondemandCase = ofModel(/Claim Decision|Missing Information|Settlement Notice/).filter((j) => !batch(j));
  const statements = ofModel(/Monthly Statement/);
  const policyBatches = ofModel(/Policy Change Confirmation/).filter(batch);
  // Every communication Exstream wrote to the output root: what the three output-watch flows (DF1, DF4, DF6) see.
  const outputCommunications = sum(jobs.filter(ok));
  const expectedOutput =
    VOLUME.statementCustomers +
    DF7_BATCH * traffic.policyBatches.length +
    traffic.letters.length +
    traffic.cases.length;

  const t = traffic;
  const row = (n, name, values, expected) => ({ n, name, ...values, expected, errors: errorsOf(n) });
  const tabOf = (n) => flows.find((f) => f.type === "tab" && new RegExp(`^DF${n}\\b`).test(f.label)).id;
  const errorsOf = (n) => errorLines(lines, { n, tab: tabOf(n) }).length;

  return [
    row(
      1,
      "Archive generated communications",
      { itemsIn: outputCommunications, archived: df1Docs.length, letters: sum(statements), workflows: null },
      { itemsIn: expectedOutput, archived: expectedOutput },
    ),
    row(
      2,
      "Workflow-triggered letter",
      {
        itemsIn: t.letters.length,
        archived: letters.filter((d) => d.name.startsWith("Policy Change Confirmation")).length,
        letters: ondemandPolicy.length,
        workflows: await completedStep(cs, t.letters, "Generate Letter"),
      },
      { archived: t.letters.length, letters: t.letters.length, workflows: t.letters.length },
    ),
    row(
      3,
      "Governed content to Exstream",
      {
        itemsIn: t.offers.length,
        archived: await approved(WORDINGS.offer.name),
        letters: null,
        workflows: await completedStep(cs, t.offers, "Publish to Exstream"),
      },
      { archived: t.offers.length, workflows: t.offers.length },
    ),
    row(
      4,
      "Delivery record",
      { itemsIn: outputCommunications, archived: records.length, letters: null, workflows: null },
      { itemsIn: expectedOutput, archived: expectedOutput },
    ),
    row(
      5,
      "Case correspondence",
      {
        itemsIn: t.cases.length,
        archived: caseLetters.length,
        letters: ondemandCase.length,
        workflows: await completedStep(cs, t.cases, "Generate Case Letter"),
      },
      { archived: t.cases.length, letters: t.cases.length, workflows: t.cases.length },
    ),
    row(
      6,
      "Variant retention",
      { itemsIn: outputCommunications, archived: variantDocs.length, letters: null, workflows: null },
      { itemsIn: expectedOutput, archived: expectedOutput },
    ),
    row(
      7,
      "Regulatory wording evidence",
      {
        itemsIn: t.disclosures.length + DF7_BATCH * t.policyBatches.length,
        archived: df7Docs.length + (await approved(WORDINGS.disclosure.name)),
        letters: sum(policyBatches),
        workflows: await completedStep(cs, t.disclosures, "Publish to Exstream"),
      },
      {
        archived: t.disclosures.length + DF7_BATCH * t.policyBatches.length,
        letters: DF7_BATCH * t.policyBatches.length,
        workflows: t.disclosures.length,
      },
    ),
  ].map((r) => ({
    ...r,
    failedJobs: failedJobs.length,
    recordDocuments: r.n === 4 ? recordDocs.length : undefined,
    complete: Object.entries(r.expected).every(([key, want]) => r[key] === want) && r.errors === 0,
  }));
}

function printTable(rows, elapsedMs) {
  const cell = (v) => (v === null || v === undefined ? "–" : String(v));
  const header = ["data flow", "items in", "documents archived", "letters generated", "workflows completed", "errors"];
  const body = rows.map((r) => [
    `DF${r.n} ${r.name}`,
    cell(r.itemsIn),
    cell(r.archived) + (r.expected.archived !== undefined ? `/${r.expected.archived}` : ""),
    cell(r.letters) + (r.expected.letters !== undefined ? `/${r.expected.letters}` : ""),
    cell(r.workflows) + (r.expected.workflows !== undefined ? `/${r.expected.workflows}` : ""),
    cell(r.errors),
    r.complete ? "ok" : "SHORT",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ");
  console.log("");
  console.log(line(header) + " |");
  console.log(widths.map((w) => "-".repeat(w)).join("-|-") + "-|");
  for (const b of body) console.log(line(b.slice(0, 6)) + " | " + b[6]);
  const df4 = rows.find((r) => r.n === 4);
  console.log("");
  console.log(
    `DF4 record folders hold ${df4.recordDocuments} documents (PDF, e-mail, SMS, delivery log); ` +
      `Exstream jobs failed: ${rows[0].failedJobs}; elapsed ${(elapsedMs / 1000).toFixed(1)} s`,
  );
}

async function main() {
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "exstream-xecm-demo-"));
  const cleanups = [];
  let nodeRed;
  try {
    const csSim = await startContentServerSimulator({ port: "0", seed: "demo", data: path.join(tmp, "cs") });
    cleanups.push(() => csSim.close());
    const exSim = await startExstreamSimulator({ port: "0", seed: "demo", output: path.join(tmp, "exstream-output") });
    cleanups.push(() => exSim.close());
    const port = await freePort();
    const userDir = path.join(tmp, "node-red");
    fs.mkdirSync(userDir);
    fs.copyFileSync(FLOWS_FILE, path.join(userDir, "flows.json"));
    const credentials = path.join(path.dirname(FLOWS_FILE), "flows_cred.json");
    if (fs.existsSync(credentials)) fs.copyFileSync(credentials, path.join(userDir, "flows_cred.json"));
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (/^(CS_|EXSTREAM_|NODE_RED_)/.test(name)) delete env[name];
    Object.assign(env, {
      CS_URL: csSim.url,
      CS_AUTH_MODE: "cs",
      CS_USERNAME: USERS.integration.username,
      CS_PASSWORD: USERS.integration.password,
      EXSTREAM_URL: exSim.url,
      EXSTREAM_TENANT: EXSTREAM.tenant,
      EXSTREAM_DOMAIN: EXSTREAM.domain,
      EXSTREAM_CLIENT_ID: EXSTREAM.clientId,
      EXSTREAM_CLIENT_SECRET: EXSTREAM.clientSecret,
      EXSTREAM_OUTPUT_ROOT: exSim.outputRoot,
      EXSTREAM_WORK_DIR: path.join(tmp, "exstream-work"),
      NODE_RED_CREDENTIAL_SECRET: crypto.randomBytes(16).toString("hex"),
      NODE_RED_HOST: "127.0.0.1",
      NODE_RED_PORT: String(port),
      NODE_RED_EDITOR: "0",
      NODE_RED_NODES_DIR: root,
    });
    console.log(`demo: Content Server simulator ${csSim.url}, Exstream simulator ${exSim.url}, data in ${tmp}`);
    nodeRed = startNodeRed(env, userDir);
    const exited = new Promise((resolve) => nodeRed.child.once("exit", resolve));
    cleanups.push(async () => {
      if (nodeRed.child.exitCode === null) nodeRed.child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (nodeRed.child.exitCode === null) nodeRed.child.kill("SIGKILL");
    });
    const nodeRedUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      "Node-RED to start the flows",
      () => {
        if (nodeRed.child.exitCode !== null) throw new Error(`Node-RED exited:\n${nodeRed.lines.join("\n")}`);
        return nodeRed.lines.some((l) => l.includes("Started flows"));
      },
      deadline,
    );
    console.log(`demo: Node-RED ${nodeRedUrl} (editor off) started the flows after ${Date.now() - started} ms`);

    const traffic = createDemoTraffic({
      csUrl: csSim.url,
      exstreamUrl: exSim.url,
      nodeRedUrl,
      log: (line) => console.log(`demo: ${line.replace(/^traffic: /, "")}`),
    });
    cleanups.push(() => traffic.close());
    const sent = { letters: [], cases: [], offers: [], disclosures: [], policyBatches: [] };
    await traffic.statementBatch(VOLUME.statementCustomers);
    for (let i = 0; i < VOLUME.letters; i++) sent.letters.push(await traffic.policyChangeLetter());
    for (let i = 0; i < VOLUME.cases; i++) sent.cases.push(await traffic.caseLetter());
    for (let i = 0; i < VOLUME.offers; i++) sent.offers.push(await traffic.approvedWording("offer"));
    for (let i = 0; i < VOLUME.disclosures; i++) sent.disclosures.push(await traffic.approvedWording("disclosure"));
    for (let i = 0; i < VOLUME.policyBatches; i++) if (await traffic.policyChangeBatch()) sent.policyBatches.push(i);

    const cs = new ContentServerClient({ baseUrl: csSim.url, authMode: "cs", credentials: { ...USERS.author } });
    cleanups.push(() => cs.close());
    const exstream = new ExstreamClient({
      baseUrl: exSim.url,
      domain: EXSTREAM.domain,
      auth: {
        grantType: "client_credentials",
        tenant: EXSTREAM.tenant,
        clientId: EXSTREAM.clientId,
        clientSecret: EXSTREAM.clientSecret,
      },
    });
    cleanups.push(() => exstream.close());

    const runtimeUrl = `${exSim.url}/orchestration/api/v1/runtime/${EXSTREAM.domain}`;
    const look = () => measure({ cs, exstream, runtimeUrl, traffic: sent, lines: nodeRed.lines });
    let rows;
    for (;;) {
      rows = await look();
      if (rows.every((r) => r.complete)) {
        console.log(`demo: every data flow complete after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    // A last look a moment later: nothing archived twice, no late error.
    await sleep(1500);
    rows = await look();
    const done = nodeRed.lines.filter((l) => /\[debug:[^\]]*\] DF\d/.test(l) && !/failed|dead letter/.test(l));
    console.log(`demo: ${done.length} completed-item lines in Node-RED's log, e.g.`);
    for (const l of done.slice(0, 3)) console.log(`  ${l}`);
    printTable(rows, Date.now() - started);
    const short = rows.filter((r) => !r.complete);
    if (short.length) {
      console.log(`demo: FELL SHORT: ${short.map((r) => `DF${r.n}`).join(", ")}`);
      const errors = nodeRed.lines.filter((l) => /\[(error|warn)\]|failed|dead letter/.test(l));
      for (const l of errors.slice(0, 20)) console.log(`  ${l}`);
      return 1;
    }
    console.log("demo: all seven data flows complete");
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo: ${err.stack || err.message}`);
    process.exit(2);
  },
);
