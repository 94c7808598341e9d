/**
 * The delivery-log report of a run, split per customer. The layout is the project's own (report data sources are
 * designer-defined, the Exstream help fixes no schema): `<deliveryLog …><customer number="1" …><queue name channel
 * file status [reason]/>…</customer>…</deliveryLog>`. Every element directly inside a `<customer>` is one entry holding
 * its attributes.
 *
 * A run's log names every customer of the run, so it is never handed on whole: {@link splitDeliveryLog} streams it
 * once and writes each customer's own extract (the root element with that customer's element only) as a small file,
 * holding one customer in memory at a time. A report in another format yields no extracts, never an error.
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import sax from "sax";
import { makePrivateDir, writePrivateFile } from "../reliability/private-files";
import type { DeliveryLogEntry } from "./types";

export type DeliveryLogIndex = Map<string, DeliveryLogEntry[]>;

/** A log nests three levels (log › customer › entry); far deeper is not a delivery log but a parser attack. */
const MAX_LOG_DEPTH = 32;
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * What a status word says, whatever the engine or the designer called it; the word itself is kept as it is. The words
 * include those of Exstream's delivery events (help: "Event JSON": `Exstream-Generated`, `Exstream-Email-Submit`,
 * `Exstream-<channel>-Failed`, `Exstream-Email-POST|OPEN|NDLV`, job status `success`).
 */
export type DeliveryOutcome = "delivered" | "sent" | "pending" | "failed" | "unknown";

const OUTCOME_WORDS: Array<[DeliveryOutcome, RegExp]> = [
  ["failed", /fail|error|undeliver|undelivered|bounce|reject|refus|ndlv|invalid|suppress|cancel|abort/],
  ["pending", /queue|pending|wait|schedul|defer|retry|hold|progress|generated/],
  ["sent", /sent|submit|accept|dispatch|handed|transmit/],
  ["delivered", /deliver|success|succeed|^ok$|done|complete|print|written|archiv|post|open/],
];

export function deliveryOutcomeOf(status: string | undefined): DeliveryOutcome {
  const word = (status ?? "").trim().toLowerCase();
  if (!word) return "unknown";
  for (const [outcome, pattern] of OUTCOME_WORDS) if (pattern.test(word)) return outcome;
  return "unknown";
}

/** Reads every customer's entries of a (small) log into memory: for one customer's extract, or a short log. */
export async function readDeliveryLog(file: string): Promise<DeliveryLogIndex> {
  const index: DeliveryLogIndex = new Map();
  try {
    await parseDeliveryLog(file, {
      customer: (number, entries) => {
        index.set(number, [...(index.get(number) ?? []), ...entries]);
      },
    });
  } catch {
    return new Map();
  }
  return index;
}

export interface DeliveryLogSplit {
  /** Folder holding one extract per customer. */
  dir: string;
  customers: number;
}

/** The extract of `customerNumber` below a split folder (whether or not the log named that customer). */
export function extractPathOf(dir: string, customerNumber: string): string {
  const readable = /^[A-Za-z0-9_-]{1,64}$/.test(customerNumber);
  const name = readable ? customerNumber : createHash("sha256").update(customerNumber).digest("hex").slice(0, 32);
  return path.join(dir, `customer-${name}.xml`);
}

/**
 * Streams `file` once and writes `<dir>/customer-<number>.xml` for every customer in it (owner-only files). A customer
 * listed twice is gathered into one extract. Throws on unreadable or malformed XML (the caller hands on no log then).
 */
export async function splitDeliveryLog(file: string, dir: string): Promise<DeliveryLogSplit> {
  await makePrivateDir(dir);
  const written = new Set<string>();
  const pending: Array<{ number: string; xml: string }> = [];
  let header = "";
  let footer = "";
  const writeExtract = async (number: string, xml: string) => {
    const target = extractPathOf(dir, number);
    if (!written.has(number)) {
      written.add(number);
      return writePrivateFile(target, `<?xml version="1.0" encoding="UTF-8"?>\n${header}\n${xml}${footer}\n`);
    }
    const before = await fsp.readFile(target, "utf8");
    await writePrivateFile(target, `${before.slice(0, before.lastIndexOf(footer))}${xml}${footer}\n`);
  };
  // The customers of one read chunk (a bounded number) are written side by side; one listed twice is merged first.
  const flush = async () => {
    const batch = new Map<string, string>();
    for (const { number, xml } of pending.splice(0)) batch.set(number, (batch.get(number) ?? "") + xml);
    await Promise.all([...batch].map(([number, xml]) => writeExtract(number, xml)));
  };
  await parseDeliveryLog(file, {
    root: (name, attributes) => {
      header = openTag(name, attributes);
      footer = `</${name}>`;
    },
    customer: (number, _entries, xml) => pending.push({ number, xml }),
    afterChunk: flush,
  });
  await flush();
  return { dir, customers: written.size };
}

/**
 * Splits each log once (by local path) and gives a customer its own extract and entries; without an extract (the log
 * does not name the customer, or cannot be read) there is no path, so nothing of the run's log is handed on.
 */
export class CustomerLogExtracts {
  private readonly splits = new Map<string, Promise<DeliveryLogSplit | undefined>>();

  /** `dir`: a private folder; each log's extracts go into a sub-folder of it. */
  constructor(private readonly dir: string) {}

  async extractOf(logFile: string, customerNumber: string): Promise<{ path?: string; entries: DeliveryLogEntry[] }> {
    let split = this.splits.get(logFile);
    if (!split) {
      split = splitDeliveryLog(logFile, path.join(this.dir, `log-${this.splits.size + 1}`)).catch(() => undefined);
      this.splits.set(logFile, split);
    }
    const done = await split;
    if (!done) return { entries: [] };
    const extract = extractPathOf(done.dir, customerNumber);
    const entries = (await readDeliveryLog(extract)).get(customerNumber);
    return entries ? { path: extract, entries } : { entries: [] };
  }
}

interface LogHandlers {
  root?: (name: string, attributes: Record<string, string>) => void;
  customer: (number: string, entries: DeliveryLogEntry[], xml: string) => void;
  afterChunk?: () => Promise<void>;
}

async function parseDeliveryLog(file: string, handlers: LogHandlers): Promise<void> {
  const parser = sax.parser(true, { trim: false, normalize: false });
  let failure: Error | undefined;
  let depth = 0;
  let open: { number: string; depth: number; entries: DeliveryLogEntry[]; xml: string } | undefined;
  parser.onerror = (err) => {
    failure ??= err;
    throw err;
  };
  parser.ondoctype = () => {
    failure ??= new Error("a delivery log with a DTD is refused");
    throw failure;
  };
  parser.onopentag = (tag) => {
    depth++;
    if (depth > MAX_LOG_DEPTH) {
      failure ??= new Error(`delivery log nests deeper than ${MAX_LOG_DEPTH} elements`);
      throw failure;
    }
    const attributes = tag.attributes as Record<string, string>;
    if (depth === 1) handlers.root?.(tag.name, attributes);
    if (!open && tag.name === "customer") {
      open = { number: (attributes.number ?? "").trim(), depth, entries: [], xml: "" };
    } else if (open && depth === open.depth + 1) {
      open.entries.push({ ...attributes });
    }
    if (open) open.xml += openTag(tag.name, attributes);
  };
  parser.ontext = (text) => {
    if (open) open.xml += escapeXml(text);
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = (name) => {
    if (open) open.xml += `</${name}>`;
    if (open && depth === open.depth) {
      handlers.customer(open.number, open.entries, `  ${open.xml}\n`);
      open = undefined;
    }
    depth--;
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: READ_CHUNK_BYTES })) {
    if (failure) throw failure;
    parser.write(chunk as string);
    await handlers.afterChunk?.();
  }
  parser.close();
  if (failure) throw failure;
}

function openTag(name: string, attributes: Record<string, string>): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(v)}"`);
  return `<${name}${attrs.join("")}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
