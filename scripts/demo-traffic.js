"use strict";
/*
 * Demo traffic for the seven data flows, through the systems' REAL REST APIs (the compiled clients in dist/), the way
 * people and upstream systems would cause it. Shared by `npm start` (scripts/start.js, a round every DEMO_INTERVAL_MS)
 * and `npm run demo` (scripts/demo.js, a fixed number of rounds).
 *
 *   DF1/DF4/DF6  a batch job on the Exstream input channel "MonthlyStatementBatch" (Orchestration API): its output
 *                lands in the output root that the three exstream-output-watch nodes watch
 *   DF2          a user starts the CS workflow "Letter Generation" for a customer (policy change attributes)
 *   DF5          a user starts "Case Correspondence" for the claim CLM-2024-0001 (letter types in turn)
 *   DF3          legal puts new wording of "Customer Offer (standard).txt" into Content Governance (upload / new
 *                version), starts "Template Approval" with it attached, and the approver approves "Approve Template"
 *   DF7          the same for "Regulatory Disclosure (US).txt" in Content Governance/Regulatory Wording, plus a press
 *                of the flow's inject button "Next Policy Change letters" (Node-RED admin API), which generates a
 *                Policy Change batch that is archived with the content versions as evidence
 *
 * Only meant for the simulators' demo seed (names, users and ids below are the seed's), never for real servers.
 */
/* global fetch */
const { Buffer } = require("node:buffer");
const path = require("node:path");

const dist = path.resolve(__dirname, "..", "dist");
const { ContentServerClient } = require(path.join(dist, "nodes", "lib", "content-server"));
const { findWorkflowMapByName } = require(path.join(dist, "nodes", "lib", "content-server", "workflows"));
const { ExstreamClient } = require(path.join(dist, "nodes", "lib", "exstream"));

/** The demo seed's people and folders (sim/content-server/seed/demo.ts). */
const USERS = {
  author: { username: "Admin", password: "livelink" },
  approver: { username: "jdoe", password: "livelink" },
  integration: { username: "otintegration", password: "integration" },
};
const FOLDERS = { enterprise: 2000, contentGovernance: 2400, approvedContent: 2401, regulatoryWording: 2403 };

/** The Exstream demo seed's identities (sim/exstream/seed). */
const EXSTREAM = {
  tenant: "demo",
  domain: "Demo",
  clientId: "exstream-sim",
  clientSecret: "exstream-sim-secret",
  statementChannel: "MonthlyStatementBatch",
};

/**
 * Monthly Statement driver records (DF1/DF4/DF6): the Exstream demo seed's customers (the same customers as the CS
 * demo seed's workspaces) with the communication's sample statement fields.
 */
const STATEMENT_CUSTOMERS = (() => {
  const { DEMO_SEED } = require(path.resolve(__dirname, "..", "sim", "dist", "exstream"));
  const statement = DEMO_SEED.communications.find((c) => c.name === "Monthly Statement");
  const fields = statement ? statement.sampleFields : [];
  return DEMO_SEED.customers.map((customer, i) => ({
    ...customer,
    ...(fields.length ? fields[i % fields.length] : {}),
  }));
})();

/** Policy changes (DF2) for the customers that have a business workspace in the CS demo seed. */
const POLICY_CHANGES = [
  {
    "Customer ID": "C-1001",
    "Customer Name": "Acme Corporation",
    Language: "en",
    Jurisdiction: "US",
    Channel: "Print",
    "Policy Number": "POL-2001",
    "Change Description": "additional driver added",
    "New Premium": "84.20",
    Currency: "USD",
  },
  {
    "Customer ID": "C-1002",
    "Customer Name": "Globex Ltd",
    Language: "en",
    Jurisdiction: "UK",
    Channel: "Print",
    "Policy Number": "POL-5002",
    "Change Description": "business premises added",
    "New Premium": "312.00",
    Currency: "GBP",
  },
  {
    "Customer ID": "C-1003",
    "Customer Name": "Initech GmbH",
    Language: "de",
    Jurisdiction: "DE",
    Channel: "Email",
    "Policy Number": "POL-7003",
    "Change Description": "Versicherungssumme erhöht",
    "New Premium": "42.00",
    Currency: "EUR",
  },
];

/** The claim of the CS demo seed and the letters a case handler asks for (DF5). */
const CASE = {
  "Claim Number": "CLM-2024-0001",
  "Customer ID": "C-1001",
  "Customer Name": "Acme Corporation",
  Language: "en",
  Jurisdiction: "US",
};
const CASE_LETTERS = [
  { "Letter Type": "Missing Information Request", "Missing Items": "police report, repair estimate" },
  {
    "Letter Type": "Claim Decision",
    Decision: "approved",
    "Decision Reason": "The damage is covered by the policy.",
    Amount: "2,400.00",
    Currency: "USD",
  },
  { "Letter Type": "Settlement Notice", Amount: "2,400.00", Currency: "USD" },
];

/** Governed wording (DF3, DF7): the CS document, its folder and the Template Approval attributes. */
const WORDINGS = {
  offer: {
    folderId: FOLDERS.contentGovernance,
    name: "Customer Offer (standard).txt",
    resourceType: "Text Block",
    text: (n) => `Manage your policies in the customer portal, day and night (offer ${n}).`,
  },
  disclosure: {
    folderId: FOLDERS.regulatoryWording,
    name: "Regulatory Disclosure (US).txt",
    resourceType: "Regulatory Disclosure",
    text: (n) => `Insurance products are supervised by the NYS Department of Financial Services (revision ${n}).`,
  },
};

const isoDate = (offsetDays) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/**
 * @param {object} options
 * @param {string} options.csUrl         Content Server simulator, e.g. http://127.0.0.1:8181/cs/cs
 * @param {string} options.exstreamUrl   Exstream simulator, e.g. http://127.0.0.1:8282
 * @param {string} [options.nodeRedUrl]  Node-RED admin API (for DF7's inject button); skipped when absent
 * @param {(line: string) => void} [options.log]
 */
function createDemoTraffic(options) {
  const log = options.log || (() => {});
  const cs = (user) =>
    new ContentServerClient({ baseUrl: options.csUrl, authMode: "cs", credentials: { ...USERS[user] } });
  const author = cs("author");
  const approver = cs("approver");
  const exstream = new ExstreamClient({
    baseUrl: options.exstreamUrl,
    domain: EXSTREAM.domain,
    auth: {
      grantType: "client_credentials",
      tenant: EXSTREAM.tenant,
      clientId: EXSTREAM.clientId,
      clientSecret: EXSTREAM.clientSecret,
    },
  });
  const maps = new Map();
  const counters = { statements: 0, letters: 0, cases: 0, offers: 0, disclosures: 0, policyBatches: 0 };

  async function mapId(name) {
    if (!maps.has(name)) {
      const map = await findWorkflowMapByName(author, name);
      if (!map) throw new Error(`no workflow map "${name}" in Content Server`);
      maps.set(name, map.id);
    }
    return maps.get(name);
  }

  /** DF1/DF4/DF6: a Monthly Statement batch for `count` customers (Orchestration API batch input). */
  async function statementBatch(count = 2) {
    const customers = [];
    for (let i = 0; i < count; i++) {
      const customer = STATEMENT_CUSTOMERS[counters.statements++ % STATEMENT_CUSTOMERS.length];
      customers.push({ ...customer, StatementDate: isoDate(0), DueDate: isoDate(15) });
    }
    const [instance] = await exstream.submitBatch({ channel: EXSTREAM.statementChannel, body: customers });
    log(
      `traffic: Monthly Statement batch for ${customers.map((c) => c.CustomerId).join(", ")} → job ${instance.jobId}`,
    );
    return { jobId: instance.jobId, customers: customers.length };
  }

  /** DF2: a policy change is finalized; the user starts "Letter Generation". */
  async function policyChangeLetter() {
    const change = POLICY_CHANGES[counters.letters++ % POLICY_CHANGES.length];
    const attributes = { ...change, "Letter Type": "Policy Change", "Effective Date": isoDate(14) };
    const { processId } = await author.workflows.startWorkflow({
      mapId: await mapId("Letter Generation"),
      attributes,
      title: `Policy change ${change["Policy Number"]}`,
    });
    log(`traffic: Letter Generation started for ${change["Customer ID"]} → process ${processId}`);
    return processId;
  }

  /** DF5: the claim needs a letter; the case handler starts "Case Correspondence". */
  async function caseLetter() {
    const letter = CASE_LETTERS[counters.cases++ % CASE_LETTERS.length];
    const attributes = { ...CASE, ...letter, "Response Deadline": isoDate(21), "Payment Date": isoDate(7) };
    const { processId } = await author.workflows.startWorkflow({
      mapId: await mapId("Case Correspondence"),
      attributes,
      title: `${letter["Letter Type"]} ${CASE["Claim Number"]}`,
    });
    log(`traffic: Case Correspondence (${letter["Letter Type"]}) started → process ${processId}`);
    return processId;
  }

  /** DF3/DF7: new wording into CS, "Template Approval" started with it, approved by the approver. */
  async function approvedWording(kind) {
    const wording = WORDINGS[kind];
    const n = kind === "offer" ? ++counters.offers : ++counters.disclosures;
    const text = Buffer.from(wording.text(`${n}, ${new Date().toISOString()}`), "utf8");
    const content = { buffer: text, fileName: wording.name, mimeType: "text/plain" };
    const existing = await author.nodes.findChildByName(wording.folderId, wording.name);
    const docId = existing
      ? (await author.documents.addVersion(existing.id, { content }), existing.id)
      : (await author.documents.uploadDocument({ parentId: wording.folderId, name: wording.name, content })).id;
    const { processId } = await author.workflows.startWorkflow({
      mapId: await mapId("Template Approval"),
      attributes: { "Template Name": wording.name, "Resource Type": wording.resourceType },
      docIds: [docId],
      comment: "Please approve the new wording",
    });
    const task = (await approver.workflows.listMyAssignments()).find(
      (a) => a.processId === processId && a.name === "Approve Template",
    );
    if (!task) throw new Error(`no "Approve Template" task of process ${processId} for the approver`);
    await approver.workflows.completeTask(task, { customAction: "Approve", comment: "Approved." });
    log(`traffic: Template Approval of ${wording.name} approved → process ${processId}`);
    return processId;
  }

  /** DF7: the "Next Policy Change letters" inject of the flow, pressed through the Node-RED admin API. */
  async function policyChangeBatch() {
    if (!options.nodeRedUrl) return false;
    const res = await fetch(`${options.nodeRedUrl.replace(/\/$/, "")}/inject/df7-generate-now`, { method: "POST" });
    if (!res.ok) throw new Error(`inject df7-generate-now: HTTP ${res.status}`);
    counters.policyBatches++;
    log("traffic: DF7 Policy Change batch requested (inject)");
    return true;
  }

  /** One of everything; failures are reported per item and do not stop the others. */
  async function round(sizes = {}) {
    const steps = [
      ["statements", () => statementBatch(sizes.statements ?? 2)],
      ["letter", policyChangeLetter],
      ["case", caseLetter],
      ["offer", () => approvedWording("offer")],
      ["disclosure", () => approvedWording("disclosure")],
      ["policyBatch", policyChangeBatch],
    ];
    const result = {};
    for (const [name, step] of steps) {
      try {
        result[name] = await step();
      } catch (err) {
        result[name] = err;
        log(`traffic: ${name} failed: ${err.message}`);
      }
    }
    return result;
  }

  async function close() {
    exstream.close();
    await Promise.allSettled([author.close(), approver.close()]);
  }

  return {
    counters,
    statementBatch,
    policyChangeLetter,
    caseLetter,
    approvedWording,
    policyChangeBatch,
    round,
    close,
  };
}

module.exports = {
  createDemoTraffic,
  USERS,
  FOLDERS,
  EXSTREAM,
  STATEMENT_CUSTOMERS,
  POLICY_CHANGES,
  CASE,
  CASE_LETTERS,
  WORDINGS,
};
