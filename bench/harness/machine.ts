/** The facts about the machine and the versions that make figures comparable. */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./child";

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  nodeRed: string;
  packageName: string;
  packageVersion: string;
}

export function machineFacts(): MachineFacts {
  const pkg = readJson(path.join(REPO_ROOT, "package.json"));
  const nodeRed = readJson(require.resolve("node-red/package.json"));
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${osName()} (${os.type()} ${os.release()}, ${os.arch()})`,
    node: process.version,
    nodeRed: String(nodeRed.version),
    packageName: String(pkg.name),
    packageVersion: String(pkg.version),
  };
}

/** 1-, 5- and 15-minute load averages. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}

function osName(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}
