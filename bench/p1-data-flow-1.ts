/**
 * P1 — data flow 1 (exstream-output-watch → metadata-map → cs-archive, example 01 as shipped) in Node-RED against a
 * plain loop uploading the same files to the same Content Server simulator at the same concurrency.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DEMO_INTEGRATION_LOGIN } from "../test/helpers/content-server-sim";
import { runWorker } from "./harness/child";
import { writeSingleFileRun, QUEUE } from "./harness/output-tree";
import { processCpuMs, startSimulatorProcess } from "./harness/simulators";
import { each, fixed, interleaved, median, MIB } from "./harness/stats";
import type { BenchContext, BenchmarkModule, BenchmarkReport, FigureTable } from "./harness/types";
import type { P1Mode, P1WorkerInput, P1WorkerResult } from "./workers/p1-data-flow-1";

const WORKER = path.join(__dirname, "workers", "p1-data-flow-1.ts");
const ENTERPRISE_WORKSPACE_ID = 2000;
const FILE_BYTES = 100 * 1024;
/** cs-config maxConcurrent of example 01 (the worker checks it). */
const CONCURRENCY = 4;
const TARGET_RATIO = 0.85;
const WORKER_TIMEOUT_MS = 6 * 60_000;
const MODE_NAMES: Record<P1Mode, string> = {
  flow: "data flow 1 in Node-RED (watch → metadata-map → cs-archive)",
  plain: "plain loop (our CS client, one multipart POST per file)",
};

interface Sizes {
  documents: number;
  jobs: number;
  repetitions: number;
}

function sizesFor(quick: boolean): Sizes {
  return quick ? { documents: 200, jobs: 2, repetitions: 1 } : { documents: 2000, jobs: 4, repetitions: 3 };
}

export const p1: BenchmarkModule = {
  id: "p1",
  title: "P1 — data flow 1 in Node-RED against a plain upload loop",
  async run(ctx: BenchContext): Promise<BenchmarkReport> {
    const sizes = sizesFor(ctx.quick);
    const outputRoot = path.join(ctx.tmpDir, "p1-output");
    const perJob = Math.ceil(sizes.documents / sizes.jobs);
    const files: string[] = [];
    for (let j = 0; j < sizes.jobs; j++) {
      const jobId = `bench-p1-job-${j + 1}`;
      const customers = Math.min(perJob, sizes.documents - j * perJob);
      const firstCustomer = 100_000 + j * perJob;
      const manifest = await writeSingleFileRun({
        root: outputRoot,
        jobId,
        firstCustomer,
        customers,
        fileBytes: FILE_BYTES,
      });
      for (let i = 0; i < customers; i++) {
        files.push(path.join(path.dirname(manifest), `Queue_1_${QUEUE}`, `${jobId}-${firstCustomer + i}.pdf`));
      }
    }
    ctx.log(
      `P1: ${files.length} × ${FILE_BYTES / 1024} KiB in ${sizes.jobs} jobs; ${sizes.repetitions} run(s) per mode`,
    );
    const filesList = path.join(ctx.tmpDir, "p1-files.json");
    writeFileSync(filesList, JSON.stringify(files));
    const folderPath = `Communications/Archive/Statement/${new Date().toISOString().slice(0, 4)}`;
    const results: P1Run[] = [];
    for (const { variant: mode } of interleaved<P1Mode>(["flow", "plain"], sizes.repetitions)) {
      // A fresh simulator per run: every run uploads into an empty repository (no duplicates, same folder sizes).
      const sim = await startSimulatorProcess("content-server", { seed: "demo" });
      try {
        const input: P1WorkerInput = {
          mode,
          csUrl: sim.url,
          username: DEMO_INTEGRATION_LOGIN.username,
          password: DEMO_INTEGRATION_LOGIN.password,
          outputRoot,
          filesList,
          rootId: ENTERPRISE_WORKSPACE_ID,
          folderPath,
          concurrency: CONCURRENCY,
          timeoutMs: WORKER_TIMEOUT_MS - 30_000,
        };
        const cpuBefore = processCpuMs(sim.pid);
        const outcome = await runWorker<P1WorkerInput, P1WorkerResult>(WORKER, input, { timeoutMs: WORKER_TIMEOUT_MS });
        const simulatorCpuMs = processCpuMs(sim.pid) - cpuBefore;
        const r = { ...outcome.result, csRequests: await csRequests(sim.url), simulatorCpuMs };
        ctx.log(`P1 ${mode}: ${r.documents} in ${fixed(r.seconds)} s (${fixed(r.documents / r.seconds, 1)}/s)`);
        if (r.errors.length) throw new Error(`P1 ${mode}: errors in the flow: ${r.errors.join(" | ")}`);
        results.push(r);
      } finally {
        await sim.close();
      }
    }
    return report(sizes, files.length, results);
  },
};

/** Requests the simulator answered in the run (login, folder resolution and start-up included). */
async function csRequests(url: string): Promise<number> {
  const res = await fetch(`${url}/__sim/counters`);
  return res.ok ? Number(((await res.json()) as { requests?: number }).requests) : Number.NaN;
}

/** simulatorCpuMs: CPU the simulator used during the worker's run (start-up and set-up included). */
type P1Run = P1WorkerResult & { csRequests: number; simulatorCpuMs: number };

function report(sizes: Sizes, documents: number, results: P1Run[]): BenchmarkReport {
  const of = (mode: P1Mode) => results.filter((r) => r.mode === mode);
  const rate = (r: P1Run) => r.documents / r.seconds;
  const medianRate = (mode: P1Mode) => median(of(mode).map(rate));
  const flow = medianRate("flow");
  const plain = medianRate("plain");
  const ratio = flow / plain;
  const mibPerS = (mode: P1Mode) => (medianRate(mode) * FILE_BYTES) / MIB;
  const table: FigureTable = {
    caption: `${documents} documents × ${FILE_BYTES / 1024} KiB, concurrency ${CONCURRENCY}, ${sizes.repetitions} run(s) per mode, alternating`,
    headers: [
      "mode",
      "seconds (each run)",
      "documents/s (median)",
      "MiB/s (median)",
      "peak RSS of the worker",
      "÷ plain",
    ],
    rows: (["flow", "plain"] as P1Mode[]).map((mode) => [
      MODE_NAMES[mode],
      each(
        of(mode).map((r) => r.seconds),
        1,
      ),
      fixed(medianRate(mode), 1),
      fixed(mibPerS(mode), 1),
      `${fixed(Math.max(...of(mode).map((r) => r.rss.peakBytes)) / MIB, 0)} MiB`,
      fixed(medianRate(mode) / plain),
    ]),
  };
  const outcomes = of("flow").map((r) =>
    Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", "),
  );
  const startup = of("flow").map((r) => r.startupSeconds ?? Number.NaN);
  const limits: string[] = [];
  if (ratio < TARGET_RATIO) {
    limits.push(
      `Not the requests: cs-archive sends one upload per new document (categories and SHA-256 in it; the name is ` +
        `looked up only when CS refuses it as taken), plus a set-up shared by the run (see the requests per document ` +
        `below). Not the hashing twice: each file is hashed once, by the watch; cs-archive reuses that SHA-256 while ` +
        `the file's size and modification time are unchanged. Not the thread-pool file calls any more: the watch's ` +
        `look-up and SHA-256, cs-archive's allowed-folder look and the upload's read are one request each to a file ` +
        `thread (before: a dozen thread-pool round trips per document, about 40 % of the flow worker's time). Where the ` +
        `time goes (--cpu-prof of the flow worker's main thread over a timed 2,000-document run, 2026-12-03, native ` +
        `calls counted with the code that made them): the flow's main thread is busy about 2.9 ms per document, 85 % ` +
        `of the run; the plain loop's about 1.15 ms, and it waits for the simulator 45 % of its run (the simulator, ` +
        `one process, is what bounds the plain loop). Per document the flow adds: the ledger 0.35 ms (a hand-out and ` +
        `its acknowledgement are on disk before they are sent or confirmed: about 0.8 fsync per document, each handed ` +
        `to the thread pool costs the event loop about 0.15 ms on this 2-core machine, plus three journal appends), ` +
        `Node-RED 0.34 ms (delivery through the example's nodes, the clone for cs-archive's second wire, the change ` +
        `and debug nodes with their JSONata and console line), the watch and its manifests 0.18 ms, cs-archive's ` +
        `request (name template, allowed-folder check, JSONata folder path) 0.17 ms, metadata-map's 15 rules 0.12 ms, ` +
        `one more file-thread request 0.07 ms; and the same HTTP work as in the plain loop costs 0.31 ms more while ` +
        `both cores are saturated (every frame about 1.4 times slower). The target needs about 2.3 ms of main thread ` +
        `per document: the durable hand-out and Node-RED's own delivery alone are 0.7 ms of the 1.75 ms between the ` +
        `two. The plain loop sends one POST per file and nothing else. Run-to-run spread on this busy machine is ` +
        `large: compare the runs.`,
    );
  }
  return {
    id: "P1",
    title: p1.title,
    method: [
      `Output tree written before the runs: ${sizes.jobs} jobs of single-file communications (one ${FILE_BYTES / 1024} KiB PDF-like file per customer in a print queue, random content), the files first and the UTF-16 \`_STDDELIVERYFILE.xml\` last (hand-made manifest of test/helpers/output-tree.ts).`,
      "Flow: `examples/01-archive-generated-communications.json` as shipped, deployed to an embedded Node-RED in a worker process (`bench/workers/p1-data-flow-1.ts`), config nodes pointed at the simulator through the variables the example reads (CS_URL, CS_AUTH_MODE=cs, CS_USERNAME=otintegration, EXSTREAM_OUTPUT_ROOT …); the watch's ledger is new in every run.",
      `Plain loop: our CS client (\`documents.uploadDocument\`, one multipart POST per file, maxConcurrent ${CONCURRENCY}) uploading the same files into the flow's folder (\`${"Communications/Archive/Statement/<year>"}\`, created before the clock starts) with ${CONCURRENCY} lanes.`,
      `Same concurrency: the example's cs-config has maxConcurrent ${CONCURRENCY}. Content Server simulator (\`sim/cli.ts content-server --seed demo\`) in its own process, a fresh one for every run (empty archive folder).`,
      "Clock: flow from the first message reaching cs-archive to the last acknowledgement (cs-archive output arriving at the line node); plain loop from the first upload to the last answer. Start-up (runtime, deploy, login, stability window of the watch) is outside both.",
    ],
    checks: [
      {
        what: "throughput (documents/s), flow ÷ plain upload loop",
        ours: fixed(flow, 1),
        baseline: fixed(plain, 1),
        ratio: fixed(ratio),
        target: `≥ ${fixed(TARGET_RATIO)}`,
        pass: ratio >= TARGET_RATIO,
      },
    ],
    tables: [table],
    limits,
    notes: [
      "Issue 16, third pass (profiled): every asynchronous file call is a round trip through the thread pool that cost the flow worker 0.1–0.3 ms of main-thread time per call on this machine, and a document took about a dozen (realpath twice, stat three times, open, reads and close twice). Now they are three requests to a file thread (`nodes/lib/files/file-thread.ts`, synchronous calls on a worker thread): the watch's real path + stat + read + SHA-256 of a small file, cs-archive's allowed-folder look (whose size and modification time also decide the reuse of the SHA-256, so the archiver does not look again), and the upload's read, made straight into the multipart body. Before/after in back-to-back runs: flow 8.8–11.0 s → 7.6–8.6 s for 2,000 documents.",
      "Issue 16, second pass (profiled): the output watch's ledger fsync'd every add, hand-out and acknowledgement on the event loop (a third of the flow worker's time); now the fsync runs on the thread pool, appends made while one runs share the next, the next hand-out is claimed in the turn of an acknowledgement (one fsync for both), and nothing is sent or confirmed before its record is on disk. Also: JSONata inputs of cs-archive (the folder path) compiled once per node instead of per message, the real paths of the watched and allowed roots looked up every 5 s instead of per file, i18n status texts memoized, metadata-map's attribute lookup built once per category definition.",
      "Issue 16: cs-archive uploads first (was: look the name up, then upload) and reuses the watch's SHA-256 (was: hashed every file again): 2.01 → about 1.1 Content Server requests per document at 2000 documents, one SHA-256 pass per file instead of two (test/e2e/01 and test/integration/content-server/archiver-requests.test.ts count both).",
      "Fixed after the first run (flow 0.30 of the plain loop, 200 documents): cs-archive resolved its folder path anew for every message (GET the root + one child lookup per segment: 5 of its 7 requests per document). `nodes/lib/archive/targets.ts` now caches resolved path targets per client (256 entries, least recently used out, 60 s); an archive that fails forgets its cached folder, and one that fails with NOT_FOUND after using it resolves the path anew and retries once.",
      `Content Server requests per document (all requests of the run ÷ documents): flow ${each(
        of("flow").map((r) => r.csRequests / r.documents),
        2,
      )}, plain loop ${each(
        of("plain").map((r) => r.csRequests / r.documents),
        2,
      )}.`,
      `Content Server simulator CPU per document (its user + system time during the run, set-up included, ÷ documents): flow ${each(
        of("flow").map((r) => r.simulatorCpuMs / r.documents),
        2,
      )} ms, plain loop ${each(
        of("plain").map((r) => r.simulatorCpuMs / r.documents),
        2,
      )} ms.`,
      `Flow outcomes per run (cs.outcome of every acknowledgement): ${outcomes.join(" / ")}.`,
      `Flow start-up, from deploy to the first message at cs-archive (stability window of 2 s included, not timed): ${each(startup, 1)} s.`,
    ],
  };
}
