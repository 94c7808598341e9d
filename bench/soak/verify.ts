/**
 * What the soak checks afterwards, each from its own source of truth:
 *  - the Exstream output tree (what was produced): one communication per customer, its channel files and their SHA-256;
 *  - the output watch's ledger journals in the user dir (what Node-RED recorded): replayed here independently;
 *  - the Content Server repository (what was archived): documents, names, versions, the hash of the stored bytes and
 *    the SHA-256 category attribute.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ContentServerSimulator } from "../../sim/content-server";

// ————— the ledger, replayed read-only —————

export interface LedgerView {
  id: string;
  state: "pending" | "in-flight" | "done" | "dead";
  attempts: number;
  reason?: string;
  outcome?: any;
  item: any;
}

/** Replays a DurableLedger journal (snapshot/add/take/ack/fail/release/revive lines); a torn last line is ignored. */
export function readLedgerJournal(file: string): Map<string, LedgerView> {
  const entries = new Map<string, LedgerView>();
  if (!fs.existsSync(file)) return entries;
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (const line of lines) {
    if (!line.trim()) continue;
    let record: any;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record.op === "snapshot") {
      entries.set(record.entry.id, { ...record.entry });
      continue;
    }
    if (record.op === "add") {
      entries.set(record.id, { id: record.id, state: "pending", attempts: 0, item: record.item });
      continue;
    }
    const entry = entries.get(record.id);
    if (!entry) continue;
    if (record.op === "take") {
      entry.state = "in-flight";
      entry.attempts++;
    } else if (record.op === "ack") {
      entry.state = "done";
      entry.outcome = record.outcome;
    } else if (record.op === "fail") {
      entry.state = record.dead ? "dead" : "pending";
      entry.reason = record.reason;
    } else if (record.op === "release") {
      entry.state = "pending";
    } else if (record.op === "revive") {
      entry.state = "pending";
      entry.attempts = 0;
      delete entry.reason;
    }
  }
  return entries;
}

/** The communications journal of the (single) output watch under the user dir. */
export function findCommunicationsJournal(userDir: string): string | undefined {
  const base = path.join(userDir, "exstream-xecm");
  if (!fs.existsSync(base)) return undefined;
  for (const name of fs.readdirSync(base)) {
    const file = path.join(base, name, "communications.journal");
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

// ————— the output tree —————

export interface SourceCustomer {
  /** AccountNumber: the customer's identity across runs (unique per customer in the soak's driver data). */
  account: string;
  jobId: string;
  /** SHA-256 of each channel file, by queue folder (Queue_1_Print_PDF …). */
  files: Array<{ queue: string; path: string; sha256: string }>;
  /** SHA-256 of the run's delivery log, when there is one. */
  deliveryLogSha256?: string;
}

/** Every customer in every engine run below the output root (files named <AccountNumber>_<…>.<ext>). */
export function readOutputTree(outputRoot: string): SourceCustomer[] {
  const customers = new Map<string, SourceCustomer>();
  for (const outputDir of findOutputDirs(outputRoot)) {
    const jobId = jobIdOf(outputRoot, outputDir);
    let deliveryLogSha256: string | undefined;
    const queues: string[] = [];
    for (const entry of fs.readdirSync(outputDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.startsWith("Queue_")) queues.push(entry.name);
      const log = path.join(outputDir, entry.name, "delivery_log.xml");
      if (entry.name.startsWith("Report_") && fs.existsSync(log)) deliveryLogSha256 = sha256File(log);
    }
    for (const queue of queues.sort()) {
      for (const name of fs.readdirSync(path.join(outputDir, queue))) {
        const account = name.split("_")[0];
        const key = `${jobId}/${account}`;
        const customer = customers.get(key) ?? { account, jobId, files: [], deliveryLogSha256 };
        const file = path.join(outputDir, queue, name);
        customer.files.push({ queue, path: file, sha256: sha256File(file) });
        customers.set(key, customer);
      }
    }
  }
  return [...customers.values()];
}

function findOutputDirs(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const child = path.join(dir, entry.name);
    if (entry.name === "output" && fs.existsSync(path.join(child, "_STDDELIVERYFILE.xml"))) found.push(child);
    else found.push(...findOutputDirs(child));
  }
  return found;
}

/** …/<tenant>/<domain>/jobs/<jobId>/… */
function jobIdOf(root: string, outputDir: string): string {
  const parts = path.relative(root, outputDir).split(path.sep);
  return parts[parts.indexOf("jobs") + 1];
}

export function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

// ————— the verdict —————

export interface SoakFigures {
  communicationsSubmitted: number;
  communicationsInOutput: number;
  ledgerEntries: number;
  archived: number;
  deadLettered: number;
  deadWithoutReason: number;
  unfinished: number;
  ledgerWithoutSource: number;
  sourceWithoutLedger: number;
  ackWithoutCsNode: number;
  csDocumentsExpected: number;
  csDocumentsFound: number;
  /** Documents of dead-lettered communications (tolerated, partly archived before the dead letter). */
  csDocumentsOfDeadLetters: number;
  missing: number;
  unexpected: number;
  duplicateNames: number;
  duplicateSha256: number;
  sha256AttributeMismatches: number;
  extraVersions: number;
  /** Communications emitted more than once (after a failure, an ack timeout or a SIGKILL) and their archive outcomes. */
  emittedAgain: number;
  outcomes: Record<string, number>;
  deadLetters: Array<{ id: string; reason: string }>;
}

export interface VerifyInput {
  cs: ContentServerSimulator;
  /** Node ids that existed before the run (seed). */
  preexisting: Set<number>;
  customers: SourceCustomer[];
  ledger: Map<string, LedgerView>;
  communicationsSubmitted: number;
  archive: { related: string; includeDeliveryLog: boolean; category: string; checksumAttribute: string };
}

export function verify(input: VerifyInput): SoakFigures {
  const { cs, customers, ledger, archive } = input;
  const entries = [...ledger.values()];
  const byCustomer = new Map<string, LedgerView>();
  let ledgerWithoutSource = 0;
  const sourceKeys = new Set(customers.map((c) => `${c.jobId}/${c.account}`));
  for (const entry of entries) {
    const doc = entry.item?.document;
    const key = `${doc?.job?.jobId}/${doc?.keys?.AccountNumber}`;
    if (!sourceKeys.has(key)) ledgerWithoutSource++;
    else byCustomer.set(key, entry);
  }
  const done = entries.filter((e) => e.state === "done");
  const dead = entries.filter((e) => e.state === "dead");

  // Expected documents: the archived communications' files (primary only, or every channel + the delivery log).
  const expected = new Map<string, number>();
  const tolerated = new Map<string, number>();
  let sourceWithoutLedger = 0;
  for (const customer of customers) {
    const entry = byCustomer.get(`${customer.jobId}/${customer.account}`);
    if (!entry) sourceWithoutLedger++;
    const shas =
      archive.related === "none"
        ? customer.files.slice(0, 1).map((f) => f.sha256)
        : [
            ...customer.files.map((f) => f.sha256),
            ...(archive.includeDeliveryLog && customer.deliveryLogSha256 ? [customer.deliveryLogSha256] : []),
          ];
    // A dead-lettered communication may have been archived partly: its documents are tolerated, not required.
    const target = entry?.state === "dead" ? tolerated : expected;
    for (const sha of shas) target.set(sha, (target.get(sha) ?? 0) + 1);
  }

  const category = Object.values(cs.store.data.categories).find((c) => c.name === archive.category);
  const attribute = category?.attributes.find((a) => a.name === archive.checksumAttribute);
  if (!category || !attribute) throw new Error(`category attribute ${archive.category}:${archive.checksumAttribute}`);
  const attributeKey = `${category.id}_${attribute.id}`;

  const documents = Object.values(cs.store.data.nodes).filter(
    (node) => node.type === 144 && !input.preexisting.has(node.id),
  );
  const found = new Map<string, number>();
  const names = new Map<string, number>();
  let sha256AttributeMismatches = 0;
  let extraVersions = 0;
  for (const doc of documents) {
    const versions = doc.versions ?? [];
    const latest = versions[versions.length - 1];
    if (versions.length !== 1) extraVersions += Math.max(0, versions.length - 1);
    const stored = latest?.sha256 ?? "";
    const attributeValue = doc.categories[String(category.id)]?.values[attributeKey];
    if (!stored || attributeValue !== stored) sha256AttributeMismatches++;
    found.set(stored, (found.get(stored) ?? 0) + 1);
    names.set(doc.name, (names.get(doc.name) ?? 0) + 1);
  }

  let missing = 0;
  let duplicateSha256 = 0;
  let unexpected = 0;
  let ofDeadLetters = 0;
  for (const [sha, count] of expected) missing += Math.max(0, count - (found.get(sha) ?? 0));
  for (const [sha, count] of found) {
    const required = expected.get(sha) ?? 0;
    const allowed = required + (tolerated.get(sha) ?? 0);
    if (allowed === 0) unexpected += count;
    else duplicateSha256 += Math.max(0, count - allowed);
    ofDeadLetters += Math.min(Math.max(0, count - required), tolerated.get(sha) ?? 0);
  }
  let duplicateNames = 0;
  for (const count of names.values()) duplicateNames += count - 1;

  // Every acknowledgement names a CS node that holds the communication's primary file.
  let ackWithoutCsNode = 0;
  for (const entry of done) {
    const node = cs.store.findNode(Number(entry.outcome?.nodeId));
    const stored = node?.versions?.[node.versions.length - 1]?.sha256;
    if (!node || stored !== entry.item?.document?.sha256) ackWithoutCsNode++;
  }

  return {
    communicationsSubmitted: input.communicationsSubmitted,
    communicationsInOutput: customers.length,
    ledgerEntries: entries.length,
    archived: done.length,
    deadLettered: dead.length,
    deadWithoutReason: dead.filter((e) => !e.reason?.trim()).length,
    unfinished: entries.length - done.length - dead.length,
    ledgerWithoutSource,
    sourceWithoutLedger,
    ackWithoutCsNode,
    csDocumentsExpected: [...expected.values()].reduce((a, b) => a + b, 0),
    csDocumentsFound: documents.length,
    csDocumentsOfDeadLetters: ofDeadLetters,
    missing,
    unexpected,
    duplicateNames,
    duplicateSha256,
    sha256AttributeMismatches,
    extraVersions,
    emittedAgain: entries.filter((e) => e.attempts > 1).length,
    outcomes: done.reduce<Record<string, number>>((acc, e) => {
      const outcome = String(e.outcome?.outcome ?? "none");
      acc[outcome] = (acc[outcome] ?? 0) + 1;
      return acc;
    }, {}),
    deadLetters: dead.map((e) => ({ id: e.id, reason: e.reason ?? "" })),
  };
}

/** The figures that must be exactly zero / equal for the soak to pass; each failing one with a short explanation. */
export function problems(f: SoakFigures): string[] {
  const out: string[] = [];
  const check = (ok: boolean, text: string) => {
    if (!ok) out.push(text);
  };
  check(f.communicationsInOutput === f.communicationsSubmitted, "output tree ≠ communications submitted");
  check(f.ledgerEntries === f.communicationsSubmitted, "ledger entries ≠ communications submitted");
  check(f.archived + f.deadLettered === f.communicationsSubmitted, "archived + dead-lettered ≠ submitted");
  check(f.deadWithoutReason === 0, "dead letters without a reason");
  check(f.unfinished === 0, "communications neither archived nor dead-lettered");
  check(f.ledgerWithoutSource === 0 && f.sourceWithoutLedger === 0, "ledger and output tree disagree");
  check(f.ackWithoutCsNode === 0, "acknowledgements naming no matching CS document");
  check(f.csDocumentsFound === f.csDocumentsExpected + f.csDocumentsOfDeadLetters, "CS documents ≠ expected");
  check(f.missing === 0, "documents missing in CS");
  check(f.unexpected === 0, "CS documents matching no source file");
  check(f.duplicateNames === 0, "duplicate document names");
  check(f.duplicateSha256 === 0, "duplicate documents (same SHA-256)");
  check(f.sha256AttributeMismatches === 0, "SHA-256 attribute ≠ stored bytes");
  check(f.extraVersions === 0, "documents with more than one version");
  check(f.deadLettered === 0 || f.deadLetters.every((d) => d.reason), "dead letters must be listed with reasons");
  return out;
}
