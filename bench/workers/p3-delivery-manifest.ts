/**
 * P3 worker: writes an engine-shaped delivery manifest, or parses one — with our streaming parser or with a
 * whole-document xml2js parse — and reports time and memory. One process per parse, so each peak RSS is its own.
 */
import { createWriteStream, promises as fsp } from "node:fs";
import { once } from "node:events";
import { parseStringPromise } from "xml2js";
import { openDeliveryManifest, sniffManifestEncoding } from "../../nodes/lib/exstream/delivery-manifest";
import {
  manifestBytes,
  type DeliveryManifest,
  type ManifestCustomer,
} from "../../sim/exstream/engine/delivery-manifest";
import { RssSampler, workerMain } from "../harness/child";

export type P3Parser = "ours" | "xml2js";

export type P3WorkerInput =
  | { task: "generate"; file: string; customers: number }
  | { task: "parse"; parser: P3Parser; warmupFile: string; file: string };

export interface P3WorkerResult {
  bytes: number;
  customers: number;
  files: number;
  seconds: number;
  rss: { startBytes: number; peakBytes: number };
}

const OUT = "/var/opt/exstream/Demo/jobs/J-bench/F1/docgen/D1/output";

/** The engine's layout: print, e-mail and SMS queues, one file per customer each, plus one delivery-log report. */
function engineManifest(count: number): DeliveryManifest {
  const customer = (n: number, extra: Record<string, string> = {}): ManifestCustomer => ({
    number: n,
    keys: {
      AccountNumber: `ACC${String(n).padStart(7, "0")}`,
      CustomerId: `C-${100000 + n}`,
      Language: n % 3 === 0 ? "de" : "en",
      Jurisdiction: n % 2 === 0 ? "DE" : "US",
      CommunicationId: "c0000000-0000-4000-8000-000000000001",
      ...extra,
    },
  });
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  const perCustomer = (queue: string, extension: string, extra: (n: number) => Record<string, string> = () => ({})) =>
    numbers.map((n) => ({
      name: `${OUT}/${queue}/ACC${String(n).padStart(7, "0")}_STMT.${extension}`,
      customers: [customer(n, extra(n))],
      pageCount: 2,
      fileSize: 48_211,
    }));
  return {
    transactions: 0,
    customersProcessed: count,
    pagesProcessed: count * 4,
    queues: [
      { name: "Print_PDF", mimeType: "application/pdf", pdl: "PDF", files: perCustomer("Queue_1_Print_PDF", "pdf") },
      {
        name: "Email_HTML",
        mimeType: "text/html",
        pdl: "HTML",
        files: perCustomer("Queue_2_Email_HTML", "html", (n) => ({ EmailAddress: `customer${n}@example.test` })),
      },
      {
        name: "SMS_Text",
        mimeType: "text/plain",
        pdl: "TEXT",
        files: perCustomer("Queue_3_SMS_Text", "txt", (n) => ({ Phone: `+49 30 ${1000000 + n}` })),
      },
    ],
    reports: [
      {
        queueName: "Delivery_Log",
        name: `${OUT}/Report_4_Delivery_Log/delivery_log.xml`,
        dataFile: "Delivery_Log",
        mimeType: "text/xml",
        reportType: "report",
        customers: numbers.map((n) => customer(n)),
      },
    ],
  };
}

async function generate(file: string, customers: number): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of manifestBytes(engineManifest(customers))) {
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** Ours: open (validating pass + spill) and iterate every customer, as the nodes do. */
async function parseOurs(file: string): Promise<{ customers: number; files: number }> {
  const manifest = await openDeliveryManifest(file);
  let customers = 0;
  let files = 0;
  for await (const c of manifest.customers()) {
    customers++;
    files += c.files.length;
  }
  return { customers, files };
}

interface XmlCustomer {
  $: { number: string };
  key?: Array<{ _: string; $: { name: string } }>;
}
interface XmlContainer {
  $: { name: string };
  customer?: XmlCustomer[];
}
interface XmlQueue {
  $: Record<string, string>;
  file?: XmlContainer[];
  reportFile?: XmlContainer[];
}
interface XmlOccurrence {
  queue: string;
  file: string;
  keys: Record<string, string>;
}

/** Baseline: decode the whole document, xml2js it, then group the customer occurrences the same way. */
async function parseXml2js(file: string): Promise<{ customers: number; files: number }> {
  const bytes = await fsp.readFile(file);
  const { encoding, bomLength } = sniffManifestEncoding(bytes.subarray(0, 4));
  // Buffer's own UTF-16 LE decoding: TextDecoder refuses inputs of this size.
  const body = bytes.subarray(bomLength);
  const text = encoding === "utf-16le" ? body.toString("utf16le") : new TextDecoder(encoding).decode(body);
  const doc = (await parseStringPromise(text)) as { outputList: { queue: XmlQueue[] } };
  const grouped = new Map<string, { files: XmlOccurrence[]; reports: XmlOccurrence[] }>();
  const add = (queue: XmlQueue, container: XmlContainer, kind: "files" | "reports") => {
    for (const c of container.customer ?? []) {
      const keys: Record<string, string> = {};
      for (const k of c.key ?? []) keys[k.$.name] = k._ ?? "";
      let entry = grouped.get(c.$.number);
      if (!entry) grouped.set(c.$.number, (entry = { files: [], reports: [] }));
      entry[kind].push({ queue: queue.$.name, file: container.$.name, keys });
    }
  };
  for (const queue of doc.outputList.queue) {
    for (const f of queue.file ?? []) add(queue, f, "files");
    for (const r of queue.reportFile ?? []) add(queue, r, "reports");
  }
  let files = 0;
  for (const entry of grouped.values()) files += entry.files.length;
  return { customers: grouped.size, files };
}

workerMain<P3WorkerInput, P3WorkerResult>(async (input) => {
  if (input.task === "generate") {
    const started = performance.now();
    await generate(input.file, input.customers);
    const bytes = (await fsp.stat(input.file)).size;
    return {
      bytes,
      customers: input.customers,
      files: 0,
      seconds: (performance.now() - started) / 1000,
      rss: { startBytes: 0, peakBytes: 0 },
    };
  }
  const parse = input.parser === "ours" ? parseOurs : parseXml2js;
  await parse(input.warmupFile);
  const bytes = (await fsp.stat(input.file)).size;
  const sampler = new RssSampler(50);
  const started = performance.now();
  const counted = await parse(input.file);
  const seconds = (performance.now() - started) / 1000;
  return { bytes, ...counted, seconds, rss: sampler.stop() };
});
