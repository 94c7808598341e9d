/** Renders the run as BENCHMARKS.md. */
import type { MachineFacts } from "./machine";
import type { BenchmarkReport, FigureTable } from "./types";

export interface RunRecord {
  machine: MachineFacts;
  command: string;
  startedAt: Date;
  durationS: number;
  quick: boolean;
  loadBefore: string;
  loadAfter: string;
  reports: BenchmarkReport[];
  failures: Array<{ id: string; error: string }>;
  /** Benchmarks of issue 8 without a module yet. */
  pending: string[];
}

export function renderMarkdown(run: RunRecord): string {
  const m = run.machine;
  const lines: string[] = [
    "# Benchmarks",
    "",
    "Figures written by `npm run bench` (`bench/run.ts`); each benchmark is a ratio or a bound against a baseline",
    'measured in the same run. Targets and what they mean: issue 8, section "Benchmarks".',
    "",
    run.quick ? "> **Quick run** (smaller sizes, one repetition): a smoke test, not figures to compare.\n" : "",
    "## Run",
    "",
    `- Command: \`${run.command}\``,
    `- Date: ${run.startedAt.toISOString()} (took ${Math.round(run.durationS)} s)`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB memory, ${m.os}`,
    `- Versions: Node ${m.node}, Node-RED ${m.nodeRed}, ${m.packageName} ${m.packageVersion}`,
    `- Load average (1 / 5 / 15 min) before: ${run.loadBefore}; after: ${run.loadAfter}` +
      " (other work on the machine shares the cores: compare ratios, not absolute figures)",
    "- Units: KiB / MiB / GiB = 2^10 / 2^20 / 2^30 bytes. A memory target in MB is checked against 10^6 bytes " +
      "(150 MB = 143 MiB), a rate target in MB/s against MiB/s: the stricter reading in both cases.",
    "",
    "## Summary",
    "",
    "| benchmark | what | ours | baseline | ratio | target | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of run.reports) {
    for (const c of r.checks) {
      lines.push(row([r.id, c.what, c.ours, c.baseline ?? "—", c.ratio ?? "—", c.target, verdict(c.pass)]));
    }
  }
  for (const f of run.failures) lines.push(row([f.id.toUpperCase(), "did not complete", "—", "—", "—", "—", "error"]));
  for (const p of run.pending) lines.push(row([p, "not measured yet (module pending)", "—", "—", "—", "—", "—"]));
  lines.push("");
  for (const r of run.reports) {
    lines.push(`## ${r.title}`, "", "How it is measured:", "", ...r.method.map((l) => `- ${l}`), "");
    for (const t of r.tables) lines.push(...table(t), "");
    if (r.limits.length) lines.push("What limits it:", "", ...r.limits.map((l) => `- ${l}`), "");
    if (r.notes.length) lines.push("Notes:", "", ...r.notes.map((l) => `- ${l}`), "");
  }
  for (const f of run.failures) {
    lines.push(`## ${f.id.toUpperCase()} — error`, "", "```", f.error, "```", "");
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n");
}

function verdict(pass: boolean | undefined): string {
  if (pass === undefined) return "not evaluated";
  return pass ? "**pass**" : "**miss**";
}

function table(t: FigureTable): string[] {
  return [`${t.caption}:`, "", row(t.headers), row(t.headers.map(() => "---")), ...t.rows.map(row)];
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
}
