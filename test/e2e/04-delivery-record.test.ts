/*
 * Example 04 · delivery record (DF4), end to end: a Monthly Statement batch for N customers, each rendered to print
 * (PDF), e-mail (HTML) and SMS (text), plus the run's delivery log; the example flow files one communication-record
 * folder per customer under Communications/Delivery Records/Statement holding all four as separate documents, with the
 * delivery outcome per channel as category values. The delivery log in a record folder is that customer's own extract:
 * it names no other customer. Run against both ways an engine may word its log (final outcomes, or hand-off words)
 * and both ContentVersions separators.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  categoryValues,
  documentText,
  documentsBelow,
  readBack,
  readWatchLedger,
  runBatch,
  sourceFilesOf,
  statementCustomers,
  withShortWaits,
} from "../helpers/archive-examples";
import type { CsReadback } from "../helpers/cs-readback";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";

const N = 20;
const RECORDS = "Communications/Delivery Records";

/** How the simulated engine words its delivery log, and what the record says for a customer with / without a phone. */
const ENGINE_STYLES = [
  {
    flags: { "delivery-statuses": "final", "content-versions-separator": "semicolon" },
    status: (hasPhone: boolean) =>
      hasPhone
        ? "print: delivered; email: delivered; sms: delivered"
        : "print: delivered; email: delivered; sms: undeliverable (missing PhoneNumber)",
  },
  {
    flags: { "delivery-statuses": "transmission", "content-versions-separator": "comma" },
    status: (hasPhone: boolean) =>
      hasPhone
        ? "print: queued; email: sent; sms: sent"
        : "print: queued; email: sent; sms: failed (missing PhoneNumber)",
  },
];

for (const style of ENGINE_STYLES)
  describe(`example 04 · delivery record (DF4), engine log ${style.flags["delivery-statuses"]}, content versions split at ${style.flags["content-versions-separator"]}`, function () {
    this.timeout(60_000);
    let env: DemoEnvironment;
    let nr: EmbeddedNodeRed | undefined;
    let cs: CsReadback;

    beforeEach(async () => {
      env = await startDemoEnvironment({ exstream: style.flags });
      cs = readBack(env);
    });
    afterEach(async () => {
      await nr?.stop();
      nr = undefined;
      await env.close();
    });

    it(`stores the PDF, e-mail proof, SMS text and its own delivery-log extract of each of ${N} customers in one record folder each`, async () => {
      nr = await env.startNodeRed();
      const done = env.collect(nr, "df04-done");
      const errors = env.collect(nr, "df04-errors");
      // The example as shipped, waits shortened (see withShortWaits).
      await nr.deploy(withShortWaits(loadExample("04-delivery-record")));
      const customers = statementCustomers(N);
      const jobId = await runBatch(env, customers);
      await env.waitUntil(`${N} log lines`, () => done.length >= N || errors.length > 0, 40_000);
      assert.deepEqual(
        errors.map((m) => m.payload),
        [],
      );

      const sources = sourceFilesOf(env.outputRoot, jobId);
      const channelFiles = [...sources.keys()].filter((name) => /\.(pdf|html|txt)$/.test(name));
      assert.equal(channelFiles.length, 3 * N, "the engine wrote three channel files per customer");
      assert.ok(sources.has("delivery_log.xml"), "and the run's delivery log");
      const docs = await documentsBelow(cs, RECORDS);
      assert.equal(
        docs.length,
        4 * N,
        `exactly ${4 * N} documents: every channel file and the delivery log, once each`,
      );
      const folders = new Map<string, typeof docs>();
      for (const doc of docs) folders.set(doc.folder, [...(folders.get(doc.folder) ?? []), doc]);
      assert.equal(folders.size, N, "one record folder per communication");

      for (const [i, customer] of customers.entries()) {
        const folder = `Statement/${customer.CustomerId} Statement ${jobId}-${i + 1}`;
        const record = folders.get(folder);
        assert.ok(record, `record folder ${folder}`);
        const stem = `${customer.AccountNumber}_Statement_${i + 1}`;
        assert.deepEqual(
          record.map((d) => d.name).sort(),
          [`${stem}.html`, `${stem}.pdf`, `${stem}.txt`, "delivery_log.xml"],
          `${folder}: primary, e-mail proof, SMS text, delivery log`,
        );
        const hasPhone = customer.Phone !== "";
        // The log in the record holds this customer's entries only: no other customer's account or number.
        const log = record.find((d) => d.name === "delivery_log.xml")!;
        const text = await documentText(cs, log.id);
        assert.equal((text.match(/<customer /g) ?? []).length, 1, `${folder}: one customer in its delivery log`);
        assert.match(text, new RegExp(`<customer number="${i + 1}" accountNumber="${customer.AccountNumber}"`));
        assert.equal((text.match(/<queue /g) ?? []).length, 3, "its three channels");
        for (const other of customers.filter((c) => c !== customer)) {
          assert.ok(!text.includes(other.AccountNumber), `${folder}: no trace of ${other.AccountNumber}`);
        }
        const extractSha256 = createHash("sha256").update(text, "utf8").digest("hex");
        for (const doc of record) {
          const values = await categoryValues(cs, doc.id);
          const sha256 = doc === log ? extractSha256 : sources.get(doc.name)!.sha256;
          assert.equal(values["SHA-256"], sha256, `${folder}/${doc.name}: SHA-256 of the file`);
          assert.equal(values["Customer ID"], customer.CustomerId);
          assert.equal(values["Account Number"], customer.AccountNumber);
          assert.equal(values["Document Type"], "Statement");
          assert.equal(values["Job ID"], jobId);
          assert.equal(values.Language, customer.Language);
          // What the delivery log says about this customer's channels: every channel tried, each with its status.
          assert.equal(values.Channel, "print, email, sms");
          assert.equal(values["Delivery Status"], style.status(hasPhone));
          assert.ok((values["Content Versions"] as string[]).length >= 5, "content versions split into items");
          assert.ok(
            (values["Content Versions"] as string[]).every((v) => /^[^,;]+@\d+$/.test(v)),
            String(values["Content Versions"]),
          );
          assert.equal((await cs.versions(doc.id)).length, 1);
        }
      }
      assert.equal(customers.filter((c) => c.Phone === "").length, N / 5, "some SMS were undeliverable");

      // One line per record; every communication acknowledged in the watch's ledger.
      assert.equal(done.length, N);
      for (const msg of done) {
        assert.match(
          msg.payload,
          /^DF4 record of C-\d{4}: ACC-\d{4}_Statement_\d+\.pdf \+ 3 renditions in folder \d+ \(created\)$/,
        );
      }
      const ledger = readWatchLedger(env.userDir, "df04-watch");
      assert.equal(ledger.length, N);
      assert.ok(ledger.every((e) => e.state === "done" && e.outcome.related.length === 3));
    });
  });
