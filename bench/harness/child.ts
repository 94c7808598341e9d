/**
 * Measured work runs in a child process of its own, so the peak RSS of one measurement is not the leftover of
 * another. Parent side: `runWorker(file, input)`. Worker side: `workerMain(async (input) => result)`.
 *
 * Workers load TypeScript through `tsx/cjs` (CommonJS hooks only: about 20 MB less resident memory than the ESM
 * loader, whose worker thread would otherwise count against every RSS figure).
 */
import { fork } from "node:child_process";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const WORKER_EXEC_ARGV = ["--require", "tsx/cjs"];

/** What every worker reports besides its own result. */
export interface WorkerMemory {
  /** Peak resident set size of the worker process over its whole life (`process.resourceUsage().maxRSS`). */
  maxRssBytes: number;
}

export interface WorkerOutcome<O> {
  result: O;
  memory: WorkerMemory;
}

type WorkerMessage<O> = { ok: true; result: O; memory: WorkerMemory } | { ok: false; error: string };

export function runWorker<I, O>(
  workerFile: string,
  input: I,
  options: { timeoutMs: number; nodeOptions?: string[] },
): Promise<WorkerOutcome<O>> {
  return new Promise((resolve, reject) => {
    const child = fork(workerFile, [JSON.stringify(input)], {
      cwd: REPO_ROOT,
      execArgv: [...WORKER_EXEC_ARGV, ...profilerArgv(), ...(options.nodeOptions ?? [])],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let message: WorkerMessage<O> | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(workerFile)} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.on("message", (m) => (message = m as WorkerMessage<O>));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (message?.ok) resolve({ result: message.result, memory: message.memory });
      else if (message) reject(new Error(`${path.basename(workerFile)}: ${message.error}`));
      else reject(new Error(`${path.basename(workerFile)} exited (${signal ?? code}) without a result`));
    });
  });
}

/**
 * `BENCH_CPU_PROF_DIR=<dir>`: every worker writes a V8 CPU profile (`--cpu-prof`) there, to find what limits a
 * figure (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
function profilerArgv(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/** Runs `handler` with the JSON input the parent passed, reports its result and the peak RSS, then exits. */
export function workerMain<I, O>(handler: (input: I) => Promise<O>): void {
  const input = JSON.parse(process.argv[2] ?? "{}") as I;
  const reply = (message: WorkerMessage<O>, code: number) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      process.exit(code);
    }
    process.send(message, () => process.exit(code));
  };
  handler(input).then(
    (result) => reply({ ok: true, result, memory: { maxRssBytes: process.resourceUsage().maxRSS * 1024 } }, 0),
    (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 1),
  );
}

/** Samples `process.memoryUsage().rss` while the measured work runs (the window's own peak, unlike maxRSS). */
export class RssSampler {
  readonly startBytes = process.memoryUsage().rss;
  private peak = this.startBytes;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }

  stop(): { startBytes: number; peakBytes: number } {
    clearInterval(this.timer);
    this.sample();
    return { startBytes: this.startBytes, peakBytes: this.peak };
  }
}
