import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import sax from "sax";
import {
  renderCustomer,
  writeOutputTree,
  type EngineCommunication,
  type EngineDocument,
  type EngineRun,
} from "../../../sim/exstream/engine";
import { BLOCKS, CUSTOMERS, STATEMENT, tempDir } from "./fixtures";

interface Node {
  name: string;
  attributes: Record<string, string>;
  children: Node[];
  text: string;
}

/** Parses the manifest strictly (sax), requiring the UTF-16LE BOM and the real prolog + DOCTYPE. */
function readManifest(file: string): { root: Node; doctype: string; text: string } {
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe], "UTF-16LE byte order mark");
  const text = new TextDecoder("utf-16le", { fatal: true }).decode(bytes.subarray(2));
  assert.ok(
    text.startsWith('<?xml version="1.0" encoding="UTF-16" standalone="no" ?>\n<!DOCTYPE outputList>\n'),
    text.slice(0, 120),
  );
  const parser = sax.parser(true);
  const stack: Node[] = [];
  let root: Node | undefined;
  let doctype = "";
  parser.onerror = (err) => {
    throw err;
  };
  parser.ondoctype = (d) => (doctype = d.trim());
  parser.onopentag = (tag) => {
    const node: Node = { name: tag.name, attributes: tag.attributes as Record<string, string>, children: [], text: "" };
    if (stack.length) stack[stack.length - 1].children.push(node);
    else root = node;
    stack.push(node);
  };
  parser.ontext = (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  };
  parser.onclosetag = () => void stack.pop();
  parser.write(text).close();
  assert.ok(root);
  return { root, doctype, text };
}

const kids = (node: Node, name: string): Node[] => node.children.filter((c) => c.name === name);
const keysOf = (customer: Node): Record<string, string> =>
  Object.fromEntries(kids(customer, "key").map((k) => [k.attributes.name, k.text]));

async function renderAll(comm: EngineCommunication, customers: Record<string, unknown>[]): Promise<EngineDocument[]> {
  const docs: EngineDocument[] = [];
  for (const [i, customer] of customers.entries()) docs.push(...(await renderCustomer(comm, BLOCKS, customer, i + 1)));
  return docs;
}

function run(root: string, overrides: Partial<EngineRun> = {}): EngineRun {
  return {
    outputRoot: root,
    tenant: "demo",
    domain: "Demo",
    jobId: "job-1",
    flowInstanceId: "fi-1",
    runId: "run-1",
    writeMode: "atomic",
    ...overrides,
  };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((p) => p.split(path.sep).join("/"));
}

/** Runs `look` on every turn of the event loop while `active()`; its first exception fails the test after writing. */
async function watch(active: () => boolean, look: () => void): Promise<void> {
  let failure: unknown;
  while (active()) {
    if (failure === undefined) {
      try {
        look();
      } catch (err) {
        failure = err;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  if (failure !== undefined) throw failure;
}

describe("sim/exstream engine — output tree and delivery manifest", function () {
  this.timeout(30000);
  let root: string;
  let docs: EngineDocument[];

  before(async () => {
    docs = await renderAll(STATEMENT, CUSTOMERS);
  });
  beforeEach(() => {
    root = tempDir("engine-out");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("lays out <root>/<tenant>/<domain>/jobs/<job>/<flow>/docgen/<run>/output with queue and report folders", async () => {
    const tree = await writeOutputTree(run(root), STATEMENT, docs);
    assert.equal(tree.outputDir, path.join(root, "demo", "Demo", "jobs", "job-1", "fi-1", "docgen", "run-1", "output"));
    assert.equal(tree.manifestPath, path.join(tree.outputDir, "_STDDELIVERYFILE.xml"));
    assert.deepEqual(tree.files.slice(0, 3), [
      "Queue_1_Print_PDF/ACC001_STMT_1.pdf",
      "Queue_2_Email_HTML/ACC001_STMT_1.html",
      "Queue_3_SMS_Text/ACC001_STMT_1.txt",
    ]);
    assert.equal(tree.files.length, CUSTOMERS.length * 3 + 1);
    assert.equal(tree.files.at(-1), "Report_4_Delivery_Log/delivery_log.xml");
    assert.deepEqual(
      listFiles(tree.outputDir)
        .filter((f) => !f.includes("/"))
        .sort(),
      [
        "ExstreamMessages.dat",
        "Queue_1_Print_PDF",
        "Queue_2_Email_HTML",
        "Queue_3_SMS_Text",
        "Report_4_Delivery_Log",
        "_STDDELIVERYFILE.xml",
      ],
    );
    for (const f of tree.files) assert.ok(fs.existsSync(path.join(tree.outputDir, f)), f);
    assert.deepEqual(fs.readFileSync(path.join(tree.outputDir, tree.files[0])), docs[0].content);
    assert.ok(!listFiles(tree.outputDir).some((f) => f.endsWith(".tmp")), "no temporary files left behind");
  });

  it("writes a UTF-16 manifest with the real element and attribute names and absolute paths that exist", async () => {
    const tree = await writeOutputTree(run(root), STATEMENT, docs);
    const { root: outputList, doctype } = readManifest(tree.manifestPath);
    assert.equal(doctype, "outputList");
    assert.equal(outputList.name, "outputList");
    const printPages = docs.filter((d) => d.queueName === "Print_PDF").reduce((n, d) => n + d.pageCount, 0);
    assert.deepEqual(outputList.attributes, {
      transactions: "0",
      customersProcessed: "4",
      pagesProcessed: String(printPages),
    });

    const queues = kids(outputList, "queue");
    assert.deepEqual(
      queues.map((q) => q.attributes),
      [
        { mimeType: "application/pdf", pdl: "PDF", name: "Print_PDF" },
        { mimeType: "text/html", pdl: "HTML", name: "Email_HTML" },
        { mimeType: "text/plain", pdl: "TEXT", name: "SMS_Text" },
        { mimeType: "text/xml", pdl: "XML", name: "Delivery_Log" },
      ],
    );
    for (const [qi, queue] of queues.slice(0, 3).entries()) {
      const files = kids(queue, "file");
      assert.equal(files.length, CUSTOMERS.length);
      for (const [ci, file] of files.entries()) {
        const doc = docs[ci * 3 + qi];
        assert.ok(path.isAbsolute(file.attributes.name), file.attributes.name);
        assert.equal(fs.statSync(file.attributes.name).size, Number(kids(file, "fileSize")[0].text));
        assert.equal(Number(kids(file, "fileSize")[0].text), doc.content.length);
        assert.equal(Number(kids(file, "pageCount")[0].text), doc.pageCount);
        const [customer] = kids(file, "customer");
        assert.equal(customer.attributes.number, String(ci + 1));
        assert.deepEqual(keysOf(customer), doc.keys);
      }
    }
    const [report] = kids(queues[3], "reportFile");
    assert.deepEqual(Object.keys(report.attributes), ["dataFile", "mimeType", "name", "reportType"]);
    assert.equal(report.attributes.dataFile, "Delivery_Log");
    assert.equal(report.attributes.reportType, "report");
    assert.ok(path.isAbsolute(report.attributes.name) && fs.existsSync(report.attributes.name));
    assert.deepEqual(keysOf(kids(report, "customer")[0]), { AccountNumber: "ACC001", CustomerId: "C-1" });
  });

  it("logs per customer and queue whether the document could be delivered", async () => {
    const tree = await writeOutputTree(run(root), STATEMENT, docs);
    const log = fs.readFileSync(path.join(tree.outputDir, "Report_4_Delivery_Log", "delivery_log.xml"), "utf8");
    assert.match(
      log,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<deliveryLog communicationId="comm-statement" communicationVersion="3" jobId="job-1" runId="run-1">/,
    );
    assert.match(
      log,
      /<customer number="1" accountNumber="ACC001" customerId="C-1">\n {4}<queue name="Print_PDF" channel="print" file="Queue_1_Print_PDF\/ACC001_STMT_1.pdf" status="delivered"\/>/,
    );
    assert.match(
      log,
      /<queue name="SMS_Text" channel="sms" file="Queue_3_SMS_Text\/ACC002_STMT_2.txt" status="undeliverable" reason="missing PhoneNumber"\/>/,
    );
    assert.match(
      log,
      /<queue name="Email_HTML" channel="email" file="Queue_2_Email_HTML\/ACC004_STMT_4.html" status="undeliverable" reason="missing EmailAddress"\/>/,
    );
  });

  it("with transmission statuses, logs print as queued, e-mail and SMS as sent, and a missing address as failed", async () => {
    const tree = await writeOutputTree(run(root, { deliveryStatuses: "transmission" }), STATEMENT, docs);
    const log = fs.readFileSync(path.join(tree.outputDir, "Report_4_Delivery_Log", "delivery_log.xml"), "utf8");
    assert.match(log, /<queue name="Print_PDF" channel="print" file="[^"]+ACC001_STMT_1.pdf" status="queued"\/>/);
    assert.match(log, /<queue name="Email_HTML" channel="email" file="[^"]+ACC001_STMT_1.html" status="sent"\/>/);
    assert.match(
      log,
      /<queue name="SMS_Text" channel="sms" file="[^"]+ACC002_STMT_2.txt" status="failed" reason="missing PhoneNumber"\/>/,
    );
    assert.doesNotMatch(log, /status="(delivered|undeliverable)"/);
  });

  it("joins the ContentVersions key's items with the separator it is told (semicolon by default, or comma)", async () => {
    const [semicolon] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 1);
    const [comma] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 1, { contentVersionsSeparator: "," });
    const items = semicolon.keys.ContentVersions.split(";");
    assert.ok(items.length >= 2 && items.every((item) => /^[^,;]+@\d+$/.test(item)), semicolon.keys.ContentVersions);
    assert.equal(comma.keys.ContentVersions, items.join(","));
  });

  it("escapes every value in the manifest and drops characters XML forbids", async () => {
    const nasty = { ...CUSTOMERS[0], AccountNumber: `A<&>"'\u0001Z`, CustomerId: "x]]>y" };
    const comm: EngineCommunication = {
      ...STATEMENT,
      queues: [{ name: 'Q "<1>"', channel: "sms" }],
      reportName: undefined,
    };
    const tree = await writeOutputTree(run(root), comm, await renderAll(comm, [nasty]));
    const { root: outputList } = readManifest(tree.manifestPath);
    const [queue] = kids(outputList, "queue");
    assert.equal(queue.attributes.name, 'Q "<1>"');
    assert.deepEqual(tree.files, ["Queue_1_Q_1/A_Z_STMT_1.txt"]);
    const keys = keysOf(kids(kids(queue, "file")[0], "customer")[0]);
    assert.equal(keys.AccountNumber, `A<&>"'Z`);
    assert.equal(keys.CustomerId, "x]]>y");
    assert.ok(
      !fs.existsSync(path.join(tree.outputDir, "Report_2_Delivery_Log")),
      "no report folder without a report name",
    );
  });

  it("never overwrites one document with another of the same file name", async () => {
    const twin = docs.slice(0, 3).map((d) => ({ ...d, customerNumber: 99 }));
    const tree = await writeOutputTree(run(root), STATEMENT, [...docs.slice(0, 3), ...twin]);
    assert.deepEqual(tree.files.slice(0, 6), [
      "Queue_1_Print_PDF/ACC001_STMT_1.pdf",
      "Queue_2_Email_HTML/ACC001_STMT_1.html",
      "Queue_3_SMS_Text/ACC001_STMT_1.txt",
      "Queue_1_Print_PDF/ACC001_STMT_1_2.pdf",
      "Queue_2_Email_HTML/ACC001_STMT_1_2.html",
      "Queue_3_SMS_Text/ACC001_STMT_1_2.txt",
    ]);
  });

  it("accepts documents from an async generator", async () => {
    async function* stream(): AsyncGenerator<EngineDocument> {
      for (const [i, c] of CUSTOMERS.entries()) yield* await renderCustomer(STATEMENT, BLOCKS, c, i + 1);
    }
    const tree = await writeOutputTree(run(root), STATEMENT, stream());
    assert.equal(kids(readManifest(tree.manifestPath).root, "queue")[0].children.length, CUSTOMERS.length);
  });

  it("refuses path segments that would escape the output root and documents for unknown queues", async () => {
    await assert.rejects(
      writeOutputTree(run(root, { jobId: "../evil" }), STATEMENT, docs),
      /invalid output path segment/,
    );
    await assert.rejects(
      writeOutputTree(run(root), STATEMENT, [{ ...docs[0], queueName: "Nope" }]),
      /unknown queue "Nope"/,
    );
  });

  it("slow mode: files and manifest exist half-written for a while, the manifest appears last", async () => {
    const observed = { partialFile: false, partialManifest: false, manifestBeforeFiles: false };
    const expected = new Map<string, number>();
    const tree = run(root, { writeMode: "slow", chunkDelayMs: 15 });
    const outputDir = path.join(root, "demo", "Demo", "jobs", "job-1", "fi-1", "docgen", "run-1", "output");
    const manifestPath = path.join(outputDir, "_STDDELIVERYFILE.xml");
    for (const d of docs) expected.set(`${d.queueName}/${d.fileName}`, d.content.length);
    let writing = true;
    const watcher = watch(
      () => writing,
      () => {
        for (const f of listFiles(outputDir)) {
          const m = /^Queue_\d+_([^/]+)\/(.+)$/.exec(f);
          if (!m) continue;
          const full = expected.get(`${m[1]}/${m[2]}`);
          const size = fs.statSync(path.join(outputDir, f)).size;
          if (full !== undefined && size < full) observed.partialFile = true;
        }
        if (fs.existsSync(manifestPath)) {
          const bytes = fs.readFileSync(manifestPath);
          if (!bytes.subarray(-30).toString("utf16le").includes("</outputList>")) observed.partialManifest = true;
          const filesOnDisk = listFiles(outputDir).filter((f) => f.startsWith("Queue_") && f.includes("/")).length;
          if (filesOnDisk < docs.length) observed.manifestBeforeFiles = true;
        }
      },
    );
    const result = await writeOutputTree(tree, STATEMENT, docs).finally(() => (writing = false));
    await watcher;
    assert.ok(observed.partialFile, "a queue file was seen before it was complete");
    assert.ok(observed.partialManifest, "the manifest was seen before it was complete");
    assert.ok(!observed.manifestBeforeFiles, "the manifest is written after every output file");
    readManifest(result.manifestPath);
    for (const f of result.files) assert.ok(fs.statSync(path.join(result.outputDir, f)).size > 0);
  });

  it("atomic mode: a file under its final name is always complete, the manifest appears last and whole", async () => {
    const many = await renderAll(
      { ...STATEMENT, queues: STATEMENT.queues.slice(0, 2) },
      Array.from({ length: 40 }, (_, i) => CUSTOMERS[i % CUSTOMERS.length]),
    );
    const content = new Map(many.map((d) => [`${d.queueName}/${d.fileName}`, d.content]));
    const outputDir = path.join(root, "demo", "Demo", "jobs", "job-1", "fi-1", "docgen", "run-1", "output");
    const manifestPath = path.join(outputDir, "_STDDELIVERYFILE.xml");
    const seen = { checks: 0, partial: [] as string[], manifestBeforeFiles: false, manifestReads: 0 };
    let writing = true;
    const watcher = watch(
      () => writing,
      () => {
        for (const f of listFiles(outputDir)) {
          const m = /^Queue_\d+_([^/]+)\/([^.].*)$/.exec(f);
          if (!m) continue;
          const want = content.get(`${m[1]}/${m[2]}`);
          if (!want) continue;
          seen.checks++;
          if (!fs.readFileSync(path.join(outputDir, f)).equals(want)) seen.partial.push(f);
        }
        if (fs.existsSync(manifestPath)) {
          seen.manifestReads++;
          readManifest(manifestPath);
          const finals = listFiles(outputDir).filter((f) => /^Queue_\d+_[^/]+\/[^.]/.test(f)).length;
          if (finals < many.length) seen.manifestBeforeFiles = true;
        }
      },
    );
    await writeOutputTree(run(root), { ...STATEMENT, queues: STATEMENT.queues.slice(0, 2) }, many).finally(
      () => (writing = false),
    );
    await watcher;
    assert.ok(seen.checks > 0, "the watcher looked at files while they were being written");
    assert.deepEqual(seen.partial, []);
    assert.ok(!seen.manifestBeforeFiles);
  });
});
