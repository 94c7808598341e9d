/*
 * npm run bench [-- --quick] [-- --only p2,p3] [-- --out FILE]
 *
 * Runs each benchmark module in turn (the measured work of each in child processes of its own) and writes the figures
 * to BENCHMARKS.md. A full run writes BENCHMARKS.md; a quick or partial run prints the report and writes it only
 * with `--out`, so a smoke run never replaces the published figures. A new benchmark is one more module in BENCHMARKS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./harness/child";
import { loadAverage, machineFacts } from "./harness/machine";
import { renderMarkdown, type RunRecord } from "./harness/report";
import type { BenchmarkModule, BenchmarkReport } from "./harness/types";
import { p1 } from "./p1-data-flow-1";
import { p2 } from "./p2-cs-client";
import { p3 } from "./p3-delivery-manifest";
import { p4 } from "./p4-output-watch";
import { p5 } from "./p5-exstream-generate";
import { p6 } from "./p6-scale-out";
import { p7 } from "./p7-data-flow-2";
import { footprint } from "./footprint";

/** In report order. */
const BENCHMARKS: BenchmarkModule[] = [p1, p2, p3, p4, p5, p6, p7, footprint];
const PLANNED = ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "footprint"];

interface Args {
  quick: boolean;
  only?: string[];
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (name === "--quick") args.quick = true;
    else if (name === "--only") args.only = value().toLowerCase().split(",").filter(Boolean);
    else if (name === "--out") args.out = value();
    else throw new Error(`unknown argument "${arg}" (use --quick, --only p2,p3, --out FILE)`);
  }
  const unknown = args.only?.filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown?.length) throw new Error(`no benchmark ${unknown.join(", ")} (have ${BENCHMARKS.map((b) => b.id)})`);
  return args;
}

function commandLine(argv: string[]): string {
  const viaNpm = process.env.npm_lifecycle_event === "bench";
  const rest = argv.join(" ");
  if (viaNpm) return rest ? `npm run bench -- ${rest}` : "npm run bench";
  return `tsx bench/run.ts${rest ? ` ${rest}` : ""}`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const selected = BENCHMARKS.filter((b) => !args.only || args.only.includes(b.id));
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "ccm-bench-"));
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const log = (line: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s] ${line}`);
  log(`benchmarks: ${selected.map((b) => b.id).join(", ")}${args.quick ? " (quick)" : ""}; load ${loadBefore}`);
  const reports: BenchmarkReport[] = [];
  const failures: RunRecord["failures"] = [];
  try {
    for (const benchmark of selected) {
      log(`${benchmark.title}`);
      try {
        reports.push(await benchmark.run({ quick: args.quick, tmpDir, log }));
      } catch (err) {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${benchmark.id} failed: ${error}`);
        failures.push({ id: benchmark.id, error });
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const markdown = renderMarkdown({
    machine: machineFacts(),
    command: commandLine(argv),
    startedAt,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    quick: args.quick,
    loadBefore,
    loadAfter: loadAverage(),
    reports,
    failures,
    pending: PLANNED.filter((id) => !BENCHMARKS.some((b) => b.id === id)).map((id) => id.toUpperCase()),
  });
  const partial = args.quick || args.only !== undefined;
  const out = args.out ?? (partial ? undefined : path.join(REPO_ROOT, "BENCHMARKS.md"));
  if (out) {
    writeFileSync(out, markdown);
    log(`written ${path.relative(process.cwd(), out) || out}`);
  } else {
    console.log(`\n${markdown}`);
  }
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);
