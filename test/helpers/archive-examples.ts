/*
 * What the end-to-end tests of the archive examples (01, 04, 06) share: driver data for N customers, a batch job
 * submitted to the Exstream simulator through its Orchestration API as an integrator would, the files the engine
 * wrote (with their SHA-256), the documents that ended up below a Content Server folder path with their categories
 * by NAME (read back over raw HTTP, see cs-readback.ts), and the state of an exstream-output-watch ledger as its
 * journal on disk records it.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CsReadback, type ReadDocument } from "./cs-readback";
import type { DemoEnvironment } from "./example-flows";
import { EXSTREAM_DEMO } from "./exstream-sim";

/** The Enterprise Workspace of the demo repository, where the examples' folder paths start. */
export const ENTERPRISE_WORKSPACE = 2000;

/** The four variant profiles of the demo content (greeting, closing, offer, disclaimer, disclosure blocks). */
const PROFILES = [
  { Language: "en", Jurisdiction: "US", Segment: "retail", Product: "auto", Currency: "USD", Country: "US" },
  { Language: "de", Jurisdiction: "DE", Segment: "premium", Product: "home", Currency: "EUR", Country: "DE" },
  { Language: "en", Jurisdiction: "UK", Segment: "premium", Product: "life", Currency: "GBP", Country: "UK" },
  { Language: "de", Jurisdiction: "AT", Segment: "retail", Product: "auto", Currency: "EUR", Country: "AT" },
] as const;

export type DriverRecord = Record<string, string>;

/**
 * Driver data of the Monthly Statement for `n` customers C-2001…, cycling through the four variant profiles. Every
 * fifth customer has no phone number (its SMS is undeliverable, says the delivery log).
 */
export function statementCustomers(n: number): DriverRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const number = 2001 + i;
    const profile = PROFILES[i % PROFILES.length];
    const record: DriverRecord = {
      CustomerId: `C-${number}`,
      AccountNumber: `ACC-${number}`,
      FirstName: "Customer",
      LastName: String(number),
      Email: `customer${number}@example.test`,
      Phone: i % 5 === 4 ? "" : `+1 555 01${String(i).padStart(2, "0")}`,
      AddressLine1: `${i + 1} Main Street`,
      City: "Springfield",
      PostalCode: String(10000 + i),
      StatementDate: "2025-05-31",
      Balance: `${100 + i}.50`,
      DueDate: "2025-06-15",
      ...profile,
    };
    return record;
  });
}

/** POSTs the driver data to the batch input channel (Orchestration API) and waits for the job; returns its id. */
export async function runBatch(
  env: DemoEnvironment,
  customers: DriverRecord[],
  channel: string = EXSTREAM_DEMO.batchChannel,
): Promise<string> {
  const token = await env.exstream.token();
  // HTTP input channels take the CSRF cookie any orchestration response sets.
  const primer = await fetch(`${env.exstream.url}/orchestration/api/v1/version`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const cookie = (primer.headers.get("set-cookie") ?? "").split(";")[0];
  const res = await fetch(
    `${env.exstream.url}/orchestration/api/v1/inputs/batch/${EXSTREAM_DEMO.domain}/${encodeURIComponent(channel)}`,
    {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify(customers),
    },
  );
  if (!res.ok) throw new Error(`batch submit: HTTP ${res.status} ${await res.text()}`);
  const jobId = ((await res.json()) as { data: Array<{ jobId: string }> }).data[0].jobId;
  const job = await env.exstream.waitForJob(jobId, 30_000);
  if (job.status !== "complete") throw new Error(`batch job ${jobId} ended ${job.status}`);
  return jobId;
}

export interface SourceFile {
  path: string;
  name: string;
  sha256: string;
}

/** Every file the engine wrote for a job (below its output/ folders), by file name. */
export function sourceFilesOf(outputRoot: string, jobId: string): Map<string, SourceFile> {
  const files = new Map<string, SourceFile>();
  const walk = (dir: string, inJob: boolean): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, inJob || entry.name === jobId);
      else if (inJob && entry.isFile() && !entry.name.startsWith(".")) {
        const sha256 = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
        const name = entry.name;
        if (files.has(name) && files.get(name)!.sha256 !== sha256) throw new Error(`two different files ${name}`);
        files.set(name, { path: full, name, sha256 });
      }
    }
  };
  walk(outputRoot, false);
  return files;
}

/** The delivery manifest(s) the engine wrote for a job (one per flow instance and run). */
export function manifestsOf(outputRoot: string, jobId: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, inJob: boolean): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, inJob || entry.name === jobId);
      else if (inJob && entry.name === "_STDDELIVERYFILE.xml") found.push(full);
    }
  };
  walk(outputRoot, false);
  return found;
}

/** What landed in the demo repository, read back independently of the product's client (as Admin). */
export function readBack(env: DemoEnvironment): CsReadback {
  return new CsReadback(env.cs.url);
}

/** The whole content of a document's latest version, as text. */
export async function documentText(cs: CsReadback, nodeId: number): Promise<string> {
  return (await cs.content(nodeId)).toString("utf8");
}

/** Every document below a folder path of the Enterprise Workspace (recursively); [] when the path does not exist. */
export function documentsBelow(cs: CsReadback, folderPath: string): Promise<ReadDocument[]> {
  return cs.documentsBelow(ENTERPRISE_WORKSPACE, folderPath);
}

/** The category values of a node by attribute NAME ({} when the category is not applied). */
export async function categoryValues(
  cs: CsReadback,
  nodeId: number,
  categoryName = "Customer Communication",
): Promise<Record<string, unknown>> {
  return (await cs.categoryValues(nodeId, categoryName)) ?? {};
}

export interface LedgerView {
  id: string;
  state: "pending" | "in-flight" | "done" | "dead";
  attempts: number;
  reason?: string;
  outcome?: any;
  document: any;
}

/**
 * The communications of an exstream-output-watch ledger, replayed from its journal (read-only, so it can be read
 * while the node runs). The ledger folder is <userDir>/exstream-xecm/<ledger name or node id>.
 */
export function readWatchLedger(userDir: string, ledgerName: string): LedgerView[] {
  const file = path.join(userDir, "exstream-xecm", ledgerName, "communications.journal");
  if (!fs.existsSync(file)) return [];
  const entries = new Map<string, LedgerView>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let record: any;
    try {
      record = JSON.parse(line);
    } catch {
      continue; // a torn last line
    }
    if (record.op === "snapshot") {
      const e = record.entry;
      entries.set(e.id, { ...e, document: e.item.document });
    } else if (record.op === "add") {
      entries.set(record.id, { id: record.id, state: "pending", attempts: 0, document: record.item.document });
    } else {
      const e = entries.get(record.id);
      if (!e) continue;
      if (record.op === "take") {
        e.state = "in-flight";
        e.attempts++;
      } else if (record.op === "ack") {
        e.state = "done";
        e.outcome = record.outcome;
      } else if (record.op === "fail") {
        e.state = record.dead ? "dead" : "pending";
        e.reason = record.reason;
      } else if (record.op === "release") {
        e.state = "pending";
      }
    }
  }
  return [...entries.values()];
}

/**
 * The example as shipped, with the waits shortened for a test: the watch reads a manifest once it has been stable for
 * 100 ms (not 2 s), rescans every 200 ms, retries a failed communication after 200 ms (not 30 s); cs-archive looks an
 * ambiguous upload up after 100 ms (not 1 s); the connection retries after 50 ms (not 500 ms).
 */
export function withShortWaits(flow: any[]): any[] {
  return flow.map((n) => {
    if (n.type === "exstream-output-watch") {
      return { ...n, stabilityWindowMs: "100", scanIntervalMs: "200", retryDelayMs: "200" };
    }
    if (n.type === "cs-archive") return { ...n, ambiguousSettleMs: "100" };
    if (n.type === "cs-config") return { ...n, retryBaseDelayMs: "50", retryMaxDelayMs: "500" };
    return n;
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
