import assert from "node:assert/strict";
import { createWriteStream, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import {
  forEachManifestCustomer,
  openDeliveryManifest,
  sniffManifestEncoding,
  type CustomerCommunication,
} from "../../../nodes/lib/exstream/delivery-manifest";
import { ManifestError } from "../../../nodes/lib/exstream/errors";

const OUT = "/sim/demo/Demo/jobs/J1/F1/docgen/D1/output";

/** A manifest shaped like the engine writes it: queue → file → customer, one customer spread over three queues. */
const SAMPLE = `<?xml version="1.0" encoding="UTF-16" standalone="no" ?>
<!DOCTYPE outputList>
<outputList transactions="0" customersProcessed="3" pagesProcessed="7">
  <queue name="Print_PDF" mimeType="application/pdf" pdl="PDF">
    <file name="${OUT}/Queue_1_Print_PDF/ACC001_STMT.pdf">
      <customer number="1">
        <key name="AccountNumber">ACC001</key>
        <key name="CustomerId">C-77</key>
        <key name="Language">de</key>
      </customer>
      <pageCount>3</pageCount>
      <fileSize>48211</fileSize>
    </file>
    <file name="${OUT}/Queue_1_Print_PDF/batch_0002.pdf">
      <customer number="2"><key name="AccountNumber">ACC002</key><key name="Name">Zoë &amp; Jürgen 日本</key></customer>
      <customer number="3"><key name="AccountNumber">ACC003</key></customer>
      <pageCount>4</pageCount>
      <fileSize>60000</fileSize>
    </file>
  </queue>
  <queue name="Email_HTML" mimeType="text/html" pdl="HTML">
    <file name="${OUT}/Queue_2_Email_HTML/ACC001_STMT.html">
      <customer number="1"><key name="AccountNumber">ACC001</key><key name="EmailAddress">a@example.test</key></customer>
      <pageCount>1</pageCount><fileSize>9120</fileSize>
    </file>
  </queue>
  <queue name="Delivery_Log" mimeType="application/pdf" pdl="PDF">
    <reportFile name="${OUT}/Report_4_Delivery_Log/delivery_log.xml" dataFile="Delivery_Log" mimeType="text/xml" reportType="report">
      <customer number="1"><key name="AccountNumber">ACC001</key></customer>
      <customer number="3"><key name="AccountNumber">ACC003</key></customer>
    </reportFile>
  </queue>
</outputList>
`;

function utf16be(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

const ENCODINGS: Array<[string, () => Buffer]> = [
  ["UTF-16 LE with BOM", () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, "utf16le")])],
  ["UTF-16 LE without BOM", () => Buffer.from(SAMPLE, "utf16le")],
  ["UTF-16 BE with BOM", () => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(SAMPLE)])],
  ["UTF-16 BE without BOM", () => utf16be(SAMPLE)],
  ["UTF-8 with BOM", () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE, "utf8")])],
  ["UTF-8 without BOM", () => Buffer.from(SAMPLE, "utf8")],
];

async function collect(source: string | Buffer, bucketBytes?: number): Promise<CustomerCommunication[]> {
  const out: CustomerCommunication[] = [];
  await forEachManifestCustomer(source, (c) => void out.push(c), { bucketBytes });
  return out;
}

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "manifest-test-"));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe("delivery manifest parser", () => {
  describe("encodings", () => {
    for (const [label, make] of ENCODINGS) {
      it(`groups each customer's files across queues from ${label}`, async () => {
        const file = path.join(tmp, `${label.replace(/\W+/g, "_")}.xml`);
        await fsp.writeFile(file, make());
        const manifest = await openDeliveryManifest(file);
        assert.equal(manifest.summary.customersProcessed, 3);
        assert.equal(manifest.summary.pagesProcessed, 7);
        assert.deepEqual(
          manifest.summary.queues.map((q) => [q.name, q.fileCount]),
          [
            ["Print_PDF", 2],
            ["Email_HTML", 1],
            ["Delivery_Log", 1],
          ],
        );
        const customers: CustomerCommunication[] = [];
        for await (const c of manifest.customers()) customers.push(c);
        assert.deepEqual(
          customers.map((c) => c.customerNumber),
          ["1", "2", "3"],
        );
        const [one, two, three] = customers;
        assert.deepEqual(one.files, [
          {
            queueName: "Print_PDF",
            mimeType: "application/pdf",
            pdl: "PDF",
            fileName: `${OUT}/Queue_1_Print_PDF/ACC001_STMT.pdf`,
            pageCount: 3,
            fileSize: 48211,
            keys: { AccountNumber: "ACC001", CustomerId: "C-77", Language: "de" },
          },
          {
            queueName: "Email_HTML",
            mimeType: "text/html",
            pdl: "HTML",
            fileName: `${OUT}/Queue_2_Email_HTML/ACC001_STMT.html`,
            pageCount: 1,
            fileSize: 9120,
            keys: { AccountNumber: "ACC001", EmailAddress: "a@example.test" },
          },
        ]);
        assert.deepEqual(one.reports, [
          {
            queueName: "Delivery_Log",
            fileName: `${OUT}/Report_4_Delivery_Log/delivery_log.xml`,
            dataFile: "Delivery_Log",
            mimeType: "text/xml",
            reportType: "report",
            keys: { AccountNumber: "ACC001" },
          },
        ]);
        assert.equal(two.files.length, 1);
        assert.equal(two.files[0].keys.Name, "Zoë & Jürgen 日本");
        assert.equal(two.files[0].pageCount, 4, "a shared print file's facts reach every customer in it");
        assert.equal(three.files[0].fileName, `${OUT}/Queue_1_Print_PDF/batch_0002.pdf`);
        assert.equal(two.reports.length, 0);
        assert.equal(three.reports.length, 1);
        assert.deepEqual(manifest.summary.reportFiles, [
          {
            queueName: "Delivery_Log",
            fileName: `${OUT}/Report_4_Delivery_Log/delivery_log.xml`,
            dataFile: "Delivery_Log",
            mimeType: "text/xml",
            reportType: "report",
            customerCount: 2,
          },
        ]);
      });
    }

    it("sniffs the encoding from the BOM or the zero-byte pattern", () => {
      assert.deepEqual(sniffManifestEncoding(Buffer.from([0xff, 0xfe, 0x3c, 0])), {
        encoding: "utf-16le",
        bomLength: 2,
      });
      assert.deepEqual(sniffManifestEncoding(Buffer.from([0x3c, 0, 0x3f, 0])), { encoding: "utf-16le", bomLength: 0 });
      assert.deepEqual(sniffManifestEncoding(Buffer.from([0, 0x3c, 0, 0x3f])), { encoding: "utf-16be", bomLength: 0 });
      assert.deepEqual(sniffManifestEncoding(Buffer.from("<?xm")), { encoding: "utf-8", bomLength: 0 });
    });

    it("accepts a Buffer as well as a path", async () => {
      const fromBuffer = await collect(Buffer.from(SAMPLE, "utf16le"));
      assert.equal(fromBuffer.length, 3);
    });
  });

  describe("incomplete or hostile input", () => {
    async function rejection(source: string | Buffer): Promise<ManifestError> {
      const yielded: CustomerCommunication[] = [];
      try {
        await forEachManifestCustomer(source, (c) => void yielded.push(c));
      } catch (err) {
        assert.ok(err instanceof ManifestError, `expected ManifestError, got ${String(err)}`);
        assert.equal(yielded.length, 0, "nothing may be yielded from a manifest that is not complete");
        return err;
      }
      assert.fail("manifest was accepted");
    }

    it("refuses a manifest that is still being written, wherever it is cut", async () => {
      const full = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, "utf16le")]);
      const closing = full.length - Buffer.byteLength("</outputList>\n", "utf16le");
      for (const cut of [10, 200, 700, Math.floor(full.length / 2), closing - 2, closing + 6]) {
        const file = path.join(tmp, `partial-${cut}.xml`);
        await fsp.writeFile(file, full.subarray(0, cut));
        const err = await rejection(file);
        assert.equal(err.reason, "truncated", `cut at ${cut}: ${err.message}`);
      }
    });

    it("refuses an empty file and a file of only a prolog", async () => {
      const empty = path.join(tmp, "empty.xml");
      await fsp.writeFile(empty, "");
      assert.equal((await rejection(empty)).reason, "empty");
      assert.equal((await rejection(Buffer.from('<?xml version="1.0"?>\n   '))).reason, "empty");
    });

    it("refuses an internal DTD subset (entity expansion, billion laughs)", async () => {
      const lol = `<?xml version="1.0"?><!DOCTYPE outputList [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
        <outputList><queue name="&b;"/></outputList>`;
      const err = await rejection(Buffer.from(lol));
      assert.equal(err.reason, "unsafe");
    });

    it("refuses external entities (XXE)", async () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE outputList SYSTEM "file:///etc/passwd"><outputList>&xxe;</outputList>`;
      assert.equal((await rejection(Buffer.from(xxe))).reason, "unsafe");
      const undeclared = `<outputList><queue name="q"><file name="f"><customer number="1"><key name="k">&xxe;</key></customer></file></queue></outputList>`;
      assert.equal((await rejection(Buffer.from(undeclared))).reason, "unsafe");
    });

    it("refuses malformed XML and a foreign root element", async () => {
      assert.equal((await rejection(Buffer.from("<outputList><queue></file></outputList>"))).reason, "malformed");
      assert.equal((await rejection(Buffer.from("<html><body/></html>"))).reason, "malformed");
    });

    it("reports a missing file as ManifestError", async () => {
      assert.equal((await rejection(path.join(tmp, "nope.xml"))).reason, "io");
    });
  });

  describe("spilling to buckets", () => {
    it("yields the same customers, in ascending order, as the in-memory path and cleans up its spill files", async () => {
      const file = path.join(tmp, "medium.xml");
      await writeLargeManifest(file, 3000);
      const before = await spillDirs();
      const inMemory = await collect(file, 64 * 1024 * 1024);
      const spilled = await collect(file, 64 * 1024);
      assert.equal(spilled.length, 3000);
      assert.deepEqual(spilled, inMemory);
      assert.deepEqual(
        spilled.slice(0, 3).map((c) => c.customerNumber),
        ["1", "2", "3"],
      );
      assert.equal(spilled[2999].customerNumber, "3000");
      assert.deepEqual(
        spilled[41].files.map((f) => f.queueName),
        ["Print_PDF", "Email_HTML", "SMS_Text"],
      );
      assert.equal(spilled[41].reports.length, 1);
      assert.deepEqual(await spillDirs(), before);
    });

    it("removes its spill files when the consumer stops early", async () => {
      const file = path.join(tmp, "abandon.xml");
      await writeLargeManifest(file, 2000);
      const before = await spillDirs();
      const manifest = await openDeliveryManifest(file, { bucketBytes: 64 * 1024 });
      assert.ok((await spillDirs()).length > before.length, "a multi-bucket manifest spills to disk");
      for await (const c of manifest.customers()) {
        if (c.customerNumber === "10") break;
      }
      assert.deepEqual(await spillDirs(), before);
    });

    it("parses a 100,000-customer manifest with bounded memory", async function () {
      this.timeout(600_000); // a hang guard only: under heavy CPU contention the two passes took over 120 s
      const customers = 100_000;
      const file = path.join(tmp, "large.xml");
      await writeLargeManifest(file, customers);
      const sizeBytes = (await fsp.stat(file)).size;
      // Live memory = heap after a full collection; sampled at fixed points of the work (not of the clock), so a
      // fast or a slow machine takes the same samples: every 16th chunk of the first pass, every 5,000th customer.
      const gc = exposeGc();
      gc();
      const baseHeap = process.memoryUsage().heapUsed;
      const baseRss = process.memoryUsage().rss;
      let peakHeap = baseHeap;
      let peakRss = baseRss;
      const sample = (): void => {
        gc();
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      };
      const started = Date.now();
      let count = 0;
      let fileCount = 0;
      let last = 0;
      let chunks = 0;
      let samples = 0;
      const sampleEvery = (n: number, every: number) => {
        if (n % every === 0) {
          sample();
          samples++;
        }
      };
      const manifest = await openDeliveryManifest(file, { onProgress: () => sampleEvery(++chunks, 16) });
      for await (const c of manifest.customers()) {
        count++;
        fileCount += c.files.length;
        const n = Number(c.customerNumber);
        assert.ok(n > last, "ascending customer order");
        last = n;
        sampleEvery(count, 5_000);
      }
      assert.equal(samples, Math.floor(chunks / 16) + customers / 5_000, "memory sampled in both passes");
      const heapGrowthMb = (peakHeap - baseHeap) / 2 ** 20;
      const rssGrowthMb = (peakRss - baseRss) / 2 ** 20;
      console.log(
        `      100k-customer manifest: ${(sizeBytes / 2 ** 20).toFixed(1)} MiB UTF-16, ${customers} customers, ` +
          `${fileCount} files, ${Date.now() - started} ms; peak live-heap growth ${heapGrowthMb.toFixed(1)} MiB, ` +
          `peak RSS growth ${rssGrowthMb.toFixed(1)} MiB`,
      );
      assert.equal(count, customers);
      assert.equal(fileCount, customers * 3);
      // The text alone (decoded to JS strings) is about the file size; an object graph of it several times more.
      assert.ok(heapGrowthMb < 32, `live heap grew ${heapGrowthMb.toFixed(1)} MiB`);
      assert.ok(heapGrowthMb * 2 ** 20 < sizeBytes / 3, "heap growth well below the manifest size");
    });
  });
});

async function spillDirs(): Promise<string[]> {
  return (await fsp.readdir(os.tmpdir())).filter((n) => n.startsWith("exstream-manifest-")).sort();
}

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Writes an engine-shaped UTF-16 LE manifest (with BOM): print, e-mail and SMS queues plus one delivery-log report. */
async function writeLargeManifest(file: string, customers: number): Promise<void> {
  const out = createWriteStream(file);
  let failed: Error | undefined;
  out.on("error", (err) => (failed = err));
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      if (out.write(Buffer.from(text, "utf16le"))) resolve();
      else out.once("drain", resolve);
    });
  out.write(Buffer.from([0xff, 0xfe]));
  await write(
    `<?xml version="1.0" encoding="UTF-16" standalone="no" ?>\n<!DOCTYPE outputList>\n` +
      `<outputList transactions="0" customersProcessed="${customers}" pagesProcessed="${customers * 2}">\n`,
  );
  const queues: Array<[string, string, string, string]> = [
    ["Print_PDF", "application/pdf", "PDF", "pdf"],
    ["Email_HTML", "text/html", "HTML", "html"],
    ["SMS_Text", "text/plain", "TXT", "txt"],
  ];
  const block = 500;
  for (const [qi, [name, mime, pdl, ext]] of queues.entries()) {
    await write(`  <queue name="${name}" mimeType="${mime}" pdl="${pdl}">\n`);
    for (let start = 1; start <= customers; start += block) {
      let text = "";
      for (let n = start; n < start + block && n <= customers; n++) {
        const acc = `ACC${String(n).padStart(7, "0")}`;
        text +=
          `<file name="${OUT}/Queue_${qi + 1}_${name}/${acc}.${ext}"><customer number="${n}">` +
          `<key name="AccountNumber">${acc}</key><key name="Language">${n % 2 ? "en" : "de"}</key></customer>` +
          `<pageCount>2</pageCount><fileSize>${40000 + (n % 977)}</fileSize></file>\n`;
      }
      await write(text);
    }
    await write(`  </queue>\n`);
  }
  await write(
    `  <queue name="Delivery_Log" mimeType="application/pdf" pdl="PDF">\n` +
      `    <reportFile name="${OUT}/Report_4_Delivery_Log/delivery_log.xml" dataFile="Delivery_Log" mimeType="text/xml" reportType="report">\n`,
  );
  for (let start = 1; start <= customers; start += block) {
    let text = "";
    for (let n = start; n < start + block && n <= customers; n++) {
      text += `      <customer number="${n}"><key name="AccountNumber">ACC${String(n).padStart(7, "0")}</key></customer>\n`;
    }
    await write(text);
  }
  await write(`    </reportFile>\n  </queue>\n</outputList>\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
