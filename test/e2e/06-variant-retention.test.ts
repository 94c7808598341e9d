/*
 * Example 06 · variant retention (DF6), end to end: a Monthly Statement batch for N customers in four variant
 * profiles (language × jurisdiction × segment × product); the example flow files each rendered statement under
 * Communications/Variants/<variant> with the variant metadata, the content versions used and the RM classification
 * "Customer Correspondence".
 */
import assert from "node:assert/strict";
import {
  categoryValues,
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
import { pdfText } from "../helpers/workflow-letters";

const N = 24;
const VARIANTS = "Communications/Variants";
const CUSTOMER_CORRESPONDENCE = 2051; // the demo seed's RM classification "Customer Correspondence"

/** Content blocks of the demo seed (version 1 each): which one each profile must have received. */
const block = (n: number) => `b1000000-0000-4000-8000-${String(n).padStart(12, "0")}@1`;
const EXPECTED: Record<string, { variant: string; blocks: number[]; wording: string }> = {
  "en/US": { variant: "en-US", blocks: [1, 11, 21, 31, 41, 51], wording: "laws of the State of New York" },
  "de/DE": { variant: "de-DE-premium", blocks: [1, 12, 22, 33, 43, 53], wording: "Recht der Bundesrepublik" },
  "en/UK": { variant: "en-UK-premium", blocks: [1, 11, 21, 32, 42, 52], wording: "laws of England and Wales" },
  "de/AT": { variant: "de-AT", blocks: [1, 12, 22, 31, 44, 54], wording: "österreichisches Recht" },
};

// The engine joins ContentVersions with ";" or "," (a designer's choice): the example reads both.
for (const separator of ["semicolon", "comma"])
  describe(`example 06 · variant retention (DF6), content versions split at ${separator}`, function () {
    this.timeout(60_000);
    let env: DemoEnvironment;
    let nr: EmbeddedNodeRed | undefined;
    let cs: CsReadback;

    beforeEach(async () => {
      env = await startDemoEnvironment({ exstream: { "content-versions-separator": separator } });
      cs = readBack(env);
    });
    afterEach(async () => {
      await nr?.stop();
      nr = undefined;
      await env.close();
    });

    it(`files ${N} statements by variant with language, jurisdiction, content versions and RM classification`, async () => {
      nr = await env.startNodeRed();
      const done = env.collect(nr, "df06-done");
      const errors = env.collect(nr, "df06-errors");
      // The example as shipped, waits shortened (see withShortWaits).
      await nr.deploy(withShortWaits(loadExample("06-variant-retention")));
      const customers = statementCustomers(N);
      const jobId = await runBatch(env, customers);
      await env.waitUntil(`${N} log lines`, () => done.length >= N || errors.length > 0, 40_000);
      assert.deepEqual(
        errors.map((m) => m.payload),
        [],
      );

      const sources = sourceFilesOf(env.outputRoot, jobId);
      const docs = await documentsBelow(cs, VARIANTS);
      assert.equal(docs.length, N, `exactly ${N} documents below ${VARIANTS}`);
      assert.equal(new Set(docs.map((d) => d.name)).size, N, "none twice");
      const perVariant = new Map<string, number>();
      const textChecked = new Set<string>();
      for (const [i, customer] of customers.entries()) {
        const expected = EXPECTED[`${customer.Language}/${customer.Jurisdiction}`];
        const name = `Statement ${customer.CustomerId} ${jobId}-${i + 1}.pdf`;
        const doc = docs.find((d) => d.name === name);
        assert.ok(doc, `${name} archived`);
        assert.equal(doc.folder, expected.variant, `${name} filed under its variant`);
        perVariant.set(expected.variant, (perVariant.get(expected.variant) ?? 0) + 1);

        const values = await categoryValues(cs, doc.id);
        assert.equal(values["Customer ID"], customer.CustomerId);
        assert.equal(values.Variant, expected.variant);
        assert.equal(values.Language, customer.Language);
        assert.equal(values.Jurisdiction, customer.Jurisdiction);
        assert.equal(values.Segment, customer.Segment);
        assert.equal(values.Product, customer.Product);
        assert.equal(values["Communication ID"], "c0000000-0000-4000-8000-000000000001");
        assert.equal(values["Communication Version"], "1");
        assert.deepEqual(
          [...(values["Content Versions"] as string[])].sort(),
          expected.blocks.map(block).sort(),
          `${name}: the content blocks of variant ${expected.variant}`,
        );
        assert.equal(values["Retention Class"], "Customer Correspondence");
        const source = sources.get(`${customer.AccountNumber}_Statement_${i + 1}.pdf`);
        assert.equal(values["SHA-256"], source?.sha256, `${name}: SHA-256 of the rendered file`);

        const rm = await cs.rmClassifications(doc.id);
        assert.deepEqual(
          rm.map((c) => Number(c.rmclassification_id)),
          [CUSTOMER_CORRESPONDENCE],
          `${name}: RM classification Customer Correspondence`,
        );
        // The retained rendition is the variant it says it is (one statement per variant read back).
        if (!textChecked.has(expected.variant)) {
          textChecked.add(expected.variant);
          const text = await pdfText(cs, doc.id);
          assert.ok(text.includes(expected.wording), `${name} contains "${expected.wording}":\n${text}`);
        }
      }
      assert.deepEqual(
        Object.fromEntries([...perVariant].sort()),
        { "de-AT": N / 4, "de-DE-premium": N / 4, "en-UK-premium": N / 4, "en-US": N / 4 },
        "four variants, equally many customers each",
      );

      assert.equal(done.length, N);
      for (const msg of done) {
        assert.match(
          msg.payload,
          /^DF6 archived C-\d{4} variant [a-zA-Z-]+: Statement C-\d{4} .+\.pdf → node \d+ \(created\)$/,
        );
      }
      const ledger = readWatchLedger(env.userDir, "df06-watch");
      assert.equal(ledger.length, N);
      assert.ok(ledger.every((e) => e.state === "done"));
    });
  });
