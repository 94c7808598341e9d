/**
 * The simulators run in processes of their own (`sim/cli.ts` through tsx), so their CPU and memory are never counted
 * as the client's, and both sides of a comparison talk to the same server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { REPO_ROOT, WORKER_EXEC_ARGV } from "./child";

export interface SimulatorProcess {
  url: string;
  pid: number;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export function startSimulatorProcess(
  kind: "content-server" | "exstream",
  flags: Record<string, string> = {},
): Promise<SimulatorProcess> {
  const args = [...WORKER_EXEC_ARGV, "sim/cli.ts", kind, "--port", "0"];
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, value);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => fail(new Error(`${kind} simulator did not start: ${stderr}`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    child.once("exit", (code) => fail(new Error(`${kind} simulator exited (${code}): ${stderr}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolve({ url: match[1], pid: child.pid!, close: () => stop(child) });
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    // SIGTERM: the simulator closes its server and removes its temp directories.
    child.kill("SIGTERM");
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN where that cannot be read. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
      .replace(/^.*\) /s, "")
      .split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux kernel configuration in use. */
const CLOCK_TICKS_PER_S = 100;
