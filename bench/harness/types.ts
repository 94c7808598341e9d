/** What a benchmark module hands back to `bench/run.ts`, which turns it into a section of BENCHMARKS.md. */

export interface BenchContext {
  /** Smaller sizes and fewer repetitions: a smoke run, not figures to publish. */
  quick: boolean;
  /** A scratch directory of this run (removed at the end). */
  tmpDir: string;
  log(line: string): void;
}

/** One target: our figure against the baseline measured in the same run. */
export interface TargetCheck {
  what: string;
  ours: string;
  baseline?: string;
  ratio?: string;
  target: string;
  /** undefined = not evaluated (skipped, with the reason in `notes`). */
  pass: boolean | undefined;
}

export interface FigureTable {
  caption: string;
  headers: string[];
  rows: string[][];
}

export interface BenchmarkReport {
  id: string;
  title: string;
  /** How it was measured: one markdown line each. */
  method: string[];
  checks: TargetCheck[];
  tables: FigureTable[];
  /** Where a target is missed: what limits it. */
  limits: string[];
  notes: string[];
}

export interface BenchmarkModule {
  /** `p2`, as in `--only p2`. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchmarkReport>;
}
