/**
 * P4 — exstream-output-watch: detection latency after the stability window, and a backlog of 20,000 communications
 * present at start (time to the first message, RSS over time).
 */
import path from "node:path";
import { runWorker } from "./harness/child";
import { writeSingleFileRun } from "./harness/output-tree";
import { fixed, median, MIB, percentile } from "./harness/stats";
import type { BenchContext, BenchmarkModule, BenchmarkReport, FigureTable } from "./harness/types";
import type { P4WorkerInput, P4WorkerResult, RssSample } from "./workers/p4-output-watch";
import type { P4LedgerInput, P4LedgerResult } from "./workers/p4-ledger-backlog";

const WORKER = path.join(__dirname, "workers", "p4-output-watch.ts");
const LEDGER_WORKER = path.join(__dirname, "workers", "p4-ledger-backlog.ts");
/** The ledger alone: backlogs of these sizes handed out and acknowledged (quick runs: a tenth). */
const LEDGER_BACKLOGS = [20_000, 200_000];
const LEDGER_IN_FLIGHT = 64;
const LEDGER_GROUP_COMMIT_MS = 5;
/** Recorded and drained in a ledger of their own first, so V8 has sized its heap for the work before the clock. */
const LEDGER_WARMUP_ITEMS = 20_000;
/** The node's default (and example 01's) stability window. */
const WINDOW_MS = 2000;
const START_DELAY_MS = 100;
const MAX_IN_FLIGHT = 8;
const TARGET_P95_OVER_WINDOW_MS = 300;
const TARGET_FIRST_MESSAGE_MS = 2000;
/** "Flat": the fitted growth over the measured span stays below this share of the RSS at its start. */
const FLAT_GROWTH_SHARE = 0.1;
const WORKER_TIMEOUT_MS = 8 * 60_000;

interface Sizes {
  runs: number;
  jobs: number;
  perJob: number;
}

function sizesFor(quick: boolean): Sizes {
  return quick ? { runs: 10, jobs: 2, perJob: 1000 } : { runs: 40, jobs: 10, perJob: 2000 };
}

export const p4: BenchmarkModule = {
  id: "p4",
  title: "P4 — exstream-output-watch: detection latency and a 20,000-file backlog",
  async run(ctx: BenchContext): Promise<BenchmarkReport> {
    const sizes = sizesFor(ctx.quick);
    ctx.log(`P4: latency of ${sizes.runs} runs`);
    const base = { stabilityWindowMs: WINDOW_MS, maxInFlight: MAX_IN_FLIGHT, timeoutMs: WORKER_TIMEOUT_MS - 30_000 };
    const latency = await runWorker<P4WorkerInput, P4WorkerResult>(
      WORKER,
      { ...base, mode: "latency", root: path.join(ctx.tmpDir, "p4-latency"), runs: sizes.runs, intervalMs: 250 },
      { timeoutMs: WORKER_TIMEOUT_MS },
    );
    const backlogRoot = path.join(ctx.tmpDir, "p4-backlog");
    const expected = sizes.jobs * sizes.perJob;
    ctx.log(`P4: writing a backlog of ${expected} communications in ${sizes.jobs} jobs`);
    for (let j = 0; j < sizes.jobs; j++) {
      await writeSingleFileRun({
        root: backlogRoot,
        jobId: `bench-p4-backlog-${j + 1}`,
        firstCustomer: 1_000_000 + j * sizes.perJob,
        customers: sizes.perJob,
        fileBytes: 1024,
      });
    }
    ctx.log(`P4: backlog`);
    const backlog = await runWorker<P4WorkerInput, P4WorkerResult>(
      WORKER,
      { ...base, mode: "backlog", root: backlogRoot, expected, rssSampleMs: 500 },
      { timeoutMs: WORKER_TIMEOUT_MS },
    );
    ctx.log(
      `P4: first message ${fixed(backlog.result.firstMessageMs ?? Number.NaN, 0)} ms, ` +
        `all ${backlog.result.messages} in ${fixed((backlog.result.lastMessageMs ?? Number.NaN) / 1000, 1)} s`,
    );
    const ledgerRuns: P4LedgerResult[] = [];
    for (const items of LEDGER_BACKLOGS.map((n) => (ctx.quick ? n / 10 : n))) {
      ctx.log(`P4: the ledger alone with a backlog of ${items}`);
      const run = await runWorker<P4LedgerInput, P4LedgerResult>(
        LEDGER_WORKER,
        {
          items,
          inFlight: LEDGER_IN_FLIGHT,
          groupCommitMs: LEDGER_GROUP_COMMIT_MS,
          rssSampleMs: 500,
          warmupItems: LEDGER_WARMUP_ITEMS / (ctx.quick ? 10 : 1),
        },
        { timeoutMs: WORKER_TIMEOUT_MS, nodeOptions: ["--expose-gc"] },
      );
      ledgerRuns.push(run.result);
    }
    const result = report(sizes, latency.result, backlog.result, backlog.memory.maxRssBytes);
    return withLedgerRuns(result, ledgerRuns);
  },
};

/** Fitted RSS growth over a run's samples, as for the Node-RED backlog (from the first minute, else the middle). */
function fittedGrowth(samples: RssSample[]): { growth: number; startRss: number; spanStart: number; end: number } {
  const end = samples[samples.length - 1]?.t ?? 0;
  const spanStart = end >= 120 ? 60 : end / 2;
  const span = samples.filter((s) => s.t >= spanStart);
  return { growth: slope(span) * (end - spanStart), startRss: span[0]?.rssBytes ?? Number.NaN, spanStart, end };
}

function withLedgerRuns(result: BenchmarkReport, runs: P4LedgerResult[]): BenchmarkReport {
  const rows = runs.map((run) => {
    const { growth, startRss, spanStart, end } = fittedGrowth(run.samples);
    const overall = run.samples[run.samples.length - 1].rssBytes - run.samples[0].rssBytes;
    const held = (m: P4LedgerResult["before"]) => m.heapUsedBytes + m.arrayBuffersBytes;
    const perItem = (held(run.filled) - held(run.before)) / run.items;
    return { run, growth, startRss, spanStart, end, overall, perItem };
  });
  for (const r of rows) {
    result.checks.push({
      what: `ledger alone, backlog of ${r.run.items}: RSS while handed out and acknowledged (fitted growth from ${fixed(r.spanStart, 0)} s to ${fixed(r.end, 0)} s)`,
      ours: `${fixed(r.growth / MIB, 1)} MiB`,
      baseline: `${fixed(r.startRss / MIB, 0)} MiB at ${fixed(r.spanStart, 0)} s`,
      ratio: fixed(r.growth / r.startRss),
      target: `flat (< ${FLAT_GROWTH_SHARE * 100} % growth)`,
      pass: r.growth <= FLAT_GROWTH_SHARE * r.startRss,
    });
  }
  result.tables.push({
    caption: `The ledger alone (OutputWatchLedger, group commit ${LEDGER_GROUP_COMMIT_MS} ms, ${LEDGER_IN_FLIGHT} handed out per round): memory before and after recording the backlog, and while it is handed out and acknowledged`,
    headers: [
      "backlog",
      "heap before → recorded → drained (after GC)",
      "index per item (heap + typed arrays)",
      "RSS before → recorded",
      "RSS at drain start → end",
      "fitted growth",
      "record / drain",
      "journal",
    ],
    rows: rows.map((r) => [
      String(r.run.items),
      `${fixed(r.run.before.heapUsedBytes / MIB, 1)} → ${fixed(r.run.filled.heapUsedBytes / MIB, 1)} → ${fixed(r.run.drained.heapUsedBytes / MIB, 1)} MiB`,
      `${fixed(r.perItem, 0)} B`,
      `${fixed(r.run.before.rssBytes / MIB, 0)} → ${fixed(r.run.filled.rssBytes / MIB, 0)} MiB`,
      `${fixed(r.run.samples[0].rssBytes / MIB, 0)} → ${fixed(r.run.samples[r.run.samples.length - 1].rssBytes / MIB, 0)} MiB`,
      `${fixed(r.growth / MIB, 1)} MiB (${fixed((100 * r.growth) / r.startRss, 1)} %)`,
      `${fixed(r.run.fillSeconds, 1)} s / ${fixed(r.run.drainSeconds, 1)} s`,
      `${fixed(r.run.journalBytes / MIB, 0)} MiB`,
    ]),
  });
  result.method.push(
    `Ledger alone (\`bench/workers/p4-ledger-backlog.ts\`, so 200,000 fit in a run): ${LEDGER_BACKLOGS.join(" and ")} communications shaped like the watch's (keys, job, two renditions, ids as long as the real ones) recorded as pending, then handed out ${LEDGER_IN_FLIGHT} at a time and acknowledged (group commit ${LEDGER_GROUP_COMMIT_MS} ms, one fsync per round) until none is left, after a warm-up of ${LEDGER_WARMUP_ITEMS} items in a ledger of their own (V8 grows its young generation to the allocation rate within the first seconds of such work, a one-time step a short drain would otherwise count as growth); heap and typed arrays (\`arrayBuffers\`) after a forced GC before and after recording (index cost per item: both, since the index lives in typed arrays) and after the drain (what it left live), RSS sampled every 500 ms while handing out; "flat" as above.`,
  );
  return result;
}

/** Least-squares slope (bytes per second) of RSS over the samples. */
function slope(samples: RssSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rssBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.rssBytes - mr);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The RSS sample closest to `t` seconds. */
function at(samples: RssSample[], t: number): RssSample {
  return samples.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), samples[0]);
}

function report(sizes: Sizes, latency: P4WorkerResult, backlog: P4WorkerResult, maxRssBytes: number): BenchmarkReport {
  const lat = latency.latenciesMs ?? [];
  const p50 = percentile(lat, 50);
  const p95 = percentile(lat, 95);
  const expected = sizes.jobs * sizes.perJob;
  const first = backlog.firstMessageMs ?? Number.NaN;
  const firstAfterWindow = first - WINDOW_MS - START_DELAY_MS;
  const total = (backlog.lastMessageMs ?? Number.NaN) / 1000;
  const samples = backlog.samples ?? [];
  const end = samples[samples.length - 1]?.t ?? 0;
  // After the first minute; a shorter run: its second half.
  const spanStart = end >= 120 ? 60 : end / 2;
  const span = samples.filter((s) => s.t >= spanStart);
  const growth = slope(span) * (end - spanStart);
  const startRss = span[0]?.rssBytes ?? Number.NaN;
  const flat = growth <= FLAT_GROWTH_SHARE * startRss;
  const peak = Math.max(...samples.map((s) => s.rssBytes));
  const points = [0.1, 0.25, 0.5, 0.75, 1].map((share) => at(samples, share * end));
  const latencyTable: FigureTable = {
    caption: `Detection latency after the stability window (${WINDOW_MS} ms), ${lat.length} runs written ${250} ms apart`,
    headers: ["p50 (ms)", "p95 (ms)", "max (ms)", "min (ms)", "median (ms)"],
    rows: [
      [fixed(p50, 0), fixed(p95, 0), fixed(Math.max(...lat), 0), fixed(Math.min(...lat), 0), fixed(median(lat), 0)],
    ],
  };
  const backlogTable: FigureTable = {
    caption: `Backlog of ${expected} single-file communications in ${sizes.jobs} jobs, present at start (acknowledged at once)`,
    headers: [
      "time to the first message",
      "of it after window + start delay",
      "all messages",
      "messages/s",
      "dead letters",
    ],
    rows: [
      [
        `${fixed(first / 1000, 2)} s`,
        `${fixed(firstAfterWindow / 1000, 2)} s`,
        `${backlog.messages} in ${fixed(total, 1)} s`,
        fixed(backlog.messages / total, 0),
        String(backlog.deadLetters),
      ],
    ],
  };
  const rssTable: FigureTable = {
    caption: `RSS of the Node-RED worker during the backlog (sampled every 500 ms, ${samples.length} samples)`,
    headers: ["at", ...points.map((p) => `${fixed(p.t, 0)} s`), "peak", "maxRSS"],
    rows: [
      [
        "RSS",
        ...points.map((p) => `${fixed(p.rssBytes / MIB, 0)} MiB`),
        `${fixed(peak / MIB, 0)} MiB`,
        `${fixed(maxRssBytes / MIB, 0)} MiB`,
      ],
      ["heap used", ...points.map((p) => `${fixed(p.heapUsedBytes / MIB, 0)} MiB`), "—", "—"],
    ],
  };
  const limits: string[] = [];
  if (!(p95 <= TARGET_P95_OVER_WINDOW_MS)) {
    limits.push(
      "Latency above window + 300 ms: a manifest in a job folder created after the watch started can be missed by " +
        "fs.watch until the rescan (every 5 s) finds it.",
    );
  }
  if (!flat) {
    limits.push(
      `RSS of the Node-RED worker grows over the backlog (fitted ${fixed(growth / MIB, 0)} MiB from ${fixed(spanStart, 0)} s to the end), though the ledger keeps only an index in memory (see the ledger-alone rows) and heap snapshots after a forced GC show no growth of the live heap: garbage promoted to V8's old generation (in-flight messages, the manifests' parse) waiting for the next full GC.`,
    );
  }
  return {
    id: "P4",
    title: p4.title,
    method: [
      `exstream-output-watch (folder mode, fs events + 5 s rescan, stability window ${WINDOW_MS} ms as shipped, maxInFlight ${MAX_IN_FLIGHT}) deployed to an embedded Node-RED runtime in a worker process (\`bench/workers/p4-output-watch.ts\`); a change node wired to its output acknowledges every message at once (sets msg.cs and sends the message back into the node's input, as cs-archive does); messages are counted in an onReceive hook, which keeps none of them. Not node-red-node-test-helper: its sinon spies on send, status and the log record every call, which the worker's RSS would count as the node's.`,
      `Latency: ${sizes.runs} single-communication runs (4 KiB file, hand-made UTF-16 manifest written last) written ${250} ms apart into new job folders while the node watches; latency = message arriving at the helper − end of the manifest's last write − stability window.`,
      `Backlog: ${sizes.jobs} jobs × ${sizes.perJob} single-file communications (1 KiB files) written before the node starts; time to the first message from loading the flow (the first message cannot come before the start delay of ${START_DELAY_MS} ms + the stability window, so the target is checked on the time after those); RSS and heap sampled every 500 ms until the last message.`,
      `"Flat" RSS: the least-squares growth of RSS from the first minute (a shorter run: from its middle) to the end stays below ${FLAT_GROWTH_SHARE * 100} % of the RSS at that point.`,
    ],
    checks: [
      {
        what: `detection latency p95 after the stability window (p50 ${fixed(p50, 0)} ms)`,
        ours: `${fixed(p95, 0)} ms`,
        baseline: `window ${WINDOW_MS} ms`,
        target: `≤ window + ${TARGET_P95_OVER_WINDOW_MS} ms`,
        pass: p95 <= TARGET_P95_OVER_WINDOW_MS,
      },
      {
        what: `backlog of ${expected}: time to the first message after window + start delay (raw ${fixed(first / 1000, 2)} s)`,
        ours: `${fixed(firstAfterWindow / 1000, 2)} s`,
        target: `≤ ${fixed(TARGET_FIRST_MESSAGE_MS / 1000, 0)} s`,
        pass: firstAfterWindow <= TARGET_FIRST_MESSAGE_MS,
      },
      {
        what: `backlog of ${expected}: RSS over time (fitted growth from ${fixed(spanStart, 0)} s to ${fixed(end, 0)} s)`,
        ours: `${fixed(growth / MIB, 1)} MiB`,
        baseline: `${fixed(startRss / MIB, 0)} MiB at ${fixed(spanStart, 0)} s`,
        ratio: fixed(growth / startRss),
        target: `flat (< ${FLAT_GROWTH_SHARE * 100} % growth)`,
        pass: flat,
      },
    ],
    tables: [latencyTable, backlogTable, rssTable],
    limits,
    notes: [],
  };
}
