/**
 * P3 — delivery-manifest parsing: our streaming parser (openDeliveryManifest + every customer) against a
 * whole-document xml2js parse of the same UTF-16 manifest.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { runWorker, type WorkerOutcome } from "./harness/child";
import { each, fixed, interleaved, MB, median, MIB } from "./harness/stats";
import type { BenchContext, BenchmarkModule, BenchmarkReport, FigureTable, TargetCheck } from "./harness/types";
import type { P3Parser, P3WorkerInput, P3WorkerResult } from "./workers/p3-delivery-manifest";

const WORKER = path.join(__dirname, "workers", "p3-delivery-manifest.ts");
const TARGET_MIB_PER_S = 20;
const TARGET_PEAK_RSS_BYTES = 250 * MB;
const WARMUP_CUSTOMERS = 2_000;
/** xml2js holds the decoded text and the whole object tree: give it room rather than measuring an out-of-memory. */
const XML2JS_NODE_OPTIONS = ["--max-old-space-size=8192"];
const WORKER_TIMEOUT_MS = 5 * 60_000;

const PARSER_NAMES: Record<P3Parser, string> = {
  ours: "ours (streaming: sax → spill buckets → customers)",
  xml2js: "xml2js (whole document)",
};

interface Sizes {
  customers: number;
  repetitions: Record<P3Parser, number>;
}

function sizesFor(quick: boolean): Sizes {
  return quick
    ? { customers: 10_000, repetitions: { ours: 1, xml2js: 1 } }
    : { customers: 100_000, repetitions: { ours: 3, xml2js: 2 } };
}

export const p3: BenchmarkModule = {
  id: "p3",
  title: "P3 — delivery-manifest parsing (UTF-16)",
  async run(ctx: BenchContext): Promise<BenchmarkReport> {
    const sizes = sizesFor(ctx.quick);
    const dir = path.join(ctx.tmpDir, "p3");
    const file = path.join(dir, "_STDDELIVERYFILE.xml");
    const warmupFile = path.join(dir, "warmup", "_STDDELIVERYFILE.xml");
    await fsp.mkdir(path.dirname(warmupFile), { recursive: true });
    ctx.log(`P3: writing a ${sizes.customers}-customer manifest`);
    const generated = await runWorker<P3WorkerInput, P3WorkerResult>(
      WORKER,
      { task: "generate", file, customers: sizes.customers },
      { timeoutMs: WORKER_TIMEOUT_MS },
    );
    await runWorker<P3WorkerInput, P3WorkerResult>(
      WORKER,
      { task: "generate", file: warmupFile, customers: WARMUP_CUSTOMERS },
      { timeoutMs: WORKER_TIMEOUT_MS },
    );
    const outcomes: Record<P3Parser, Array<WorkerOutcome<P3WorkerResult>>> = { ours: [], xml2js: [] };
    const repetitions = Math.max(sizes.repetitions.ours, sizes.repetitions.xml2js);
    for (const { variant, repetition } of interleaved<P3Parser>(["ours", "xml2js"], repetitions)) {
      if (repetition >= sizes.repetitions[variant]) continue;
      ctx.log(`P3: ${variant}, repetition ${repetition + 1}/${sizes.repetitions[variant]}`);
      const outcome = await runWorker<P3WorkerInput, P3WorkerResult>(
        WORKER,
        { task: "parse", parser: variant, warmupFile, file },
        { timeoutMs: WORKER_TIMEOUT_MS, nodeOptions: variant === "xml2js" ? XML2JS_NODE_OPTIONS : [] },
      );
      if (outcome.result.customers !== sizes.customers || outcome.result.files !== sizes.customers * 3) {
        throw new Error(
          `P3: ${variant} found ${outcome.result.customers} customers / ${outcome.result.files} files, ` +
            `expected ${sizes.customers} / ${sizes.customers * 3}`,
        );
      }
      outcomes[variant].push(outcome);
    }
    return report(sizes, generated.result.bytes, outcomes);
  },
};

function report(
  sizes: Sizes,
  bytes: number,
  outcomes: Record<P3Parser, Array<WorkerOutcome<P3WorkerResult>>>,
): BenchmarkReport {
  const rates = (parser: P3Parser) => outcomes[parser].map((o) => bytes / MIB / o.result.seconds);
  const peaks = (parser: P3Parser) => outcomes[parser].map((o) => o.memory.maxRssBytes);
  const oursRate = median(rates("ours"));
  const baseRate = median(rates("xml2js"));
  const oursPeak = Math.max(...peaks("ours"));
  const basePeak = Math.max(...peaks("xml2js"));
  const table: FigureTable = {
    caption: `${sizes.customers.toLocaleString("en")} customers × 3 channel files + 1 delivery-log report, ${fixed(bytes / MIB, 1)} MiB UTF-16 LE with BOM`,
    headers: [
      "parser",
      "seconds (each run)",
      "MiB/s (median)",
      "RSS before the parse",
      "peak RSS during the parse (sampled every 50 ms)",
      "peak RSS of the process (maxRSS, highest run)",
    ],
    rows: (["ours", "xml2js"] as P3Parser[]).map((parser) => [
      PARSER_NAMES[parser],
      each(outcomes[parser].map((o) => o.result.seconds)),
      fixed(median(rates(parser)), 1),
      `${fixed(median(outcomes[parser].map((o) => o.result.rss.startBytes)) / MIB, 0)} MiB`,
      `${fixed(Math.max(...outcomes[parser].map((o) => o.result.rss.peakBytes)) / MIB, 0)} MiB`,
      `${fixed(Math.max(...peaks(parser)) / MIB, 0)} MiB`,
    ]),
  };
  const checks: TargetCheck[] = [
    {
      what: "parse rate (manifest MiB/s), ours vs xml2js",
      ours: fixed(oursRate, 1),
      baseline: fixed(baseRate, 1),
      ratio: fixed(oursRate / baseRate),
      target: `≥ ${TARGET_MIB_PER_S} MB/s`,
      pass: oursRate >= TARGET_MIB_PER_S,
    },
    {
      what: "peak RSS of the parsing process",
      ours: `${fixed(oursPeak / MB, 0)} MB`,
      baseline: `${fixed(basePeak / MB, 0)} MB`,
      ratio: fixed(oursPeak / basePeak),
      target: `≤ ${TARGET_PEAK_RSS_BYTES / MB} MB`,
      pass: oursPeak <= TARGET_PEAK_RSS_BYTES,
    },
  ];
  const limits: string[] = [];
  if (oursRate < TARGET_MIB_PER_S) {
    limits.push(
      "Below the rate target: the time goes to `sax` (a character-by-character JavaScript parser) in the first " +
        "pass; the JSON-line spill and the per-bucket grouping of the second pass come after it.",
    );
  }
  if (oursPeak > TARGET_PEAK_RSS_BYTES) limits.push("Peak RSS above the target: see the sampled figures.");
  return {
    id: "P3",
    title: p3.title,
    method: [
      `Manifest written by the Exstream simulator's own writer (\`manifestBytes\` of \`sim/exstream/engine/delivery-manifest.ts\`: UTF-16 LE, BOM, \`encoding="UTF-16"\` prolog, queue → file → customer → key), one file per customer in each of a print, an e-mail and an SMS queue, plus a delivery-log report listing every customer.`,
      `Ours: \`openDeliveryManifest(file)\` (validating pass with spill to bucket files) and iterating \`customers()\` to the end, counting customers and files. Baseline: \`fs.readFile\` + UTF-16 decode + \`xml2js.parseStringPromise\` (default options) + grouping the occurrences per customer number. Both checked for ${sizes.customers.toLocaleString("en")} customers and ${(sizes.customers * 3).toLocaleString("en")} files.`,
      `Each parse in a fresh worker process after a warm-up parse of a ${WARMUP_CUSTOMERS.toLocaleString("en")}-customer manifest in the same process; runs alternate; ours ${sizes.repetitions.ours}×, xml2js ${sizes.repetitions.xml2js}× (medians of the rate, highest peak RSS). The xml2js worker runs with \`${XML2JS_NODE_OPTIONS.join(" ")}\`; peak RSS = \`process.resourceUsage().maxRSS\` of the worker.`,
    ],
    checks,
    tables: [table],
    limits,
    notes: [],
  };
}
