/**
 * Node-RED in a child process of its own (`node_modules/node-red/red.js`), so the soak can SIGKILL it and start it
 * again on the same user dir. The package's nodes are loaded from their TypeScript sources through a shim package
 * (tsx/cjs in the child) — never from a possibly stale dist/, and without a build racing other work on the tree.
 * The editor is off, the admin API listens on 127.0.0.1 only, and every log line goes to a JSON-lines file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { REPO_ROOT } from "./flow";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the soak asked for it (SIGKILL or stop). */
  expected: boolean;
  at: number;
}

export interface NodeRedProcessOptions {
  /** Folder for settings, shim package, log and the user dir. */
  workDir: string;
  /** Environment the flows read (${CS_URL} …). */
  env: Record<string, string>;
  startTimeoutMs?: number;
}

export class NodeRedProcess {
  readonly userDir: string;
  readonly logFile: string;
  readonly stdioFile: string;
  readonly exits: ChildExit[] = [];
  starts = 0;
  private child?: ChildProcess;
  private expectingExit = false;
  private port = 0;
  private readonly settingsFile: string;

  constructor(private readonly options: NodeRedProcessOptions) {
    this.userDir = path.join(options.workDir, "node-red");
    this.logFile = path.join(options.workDir, "node-red.log.jsonl");
    this.stdioFile = path.join(options.workDir, "node-red.stdio.log");
    this.settingsFile = path.join(options.workDir, "settings.js");
    fs.mkdirSync(this.userDir, { recursive: true });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the runtime (same user dir every time) and resolves once it has started its flows — or, with
   * `untilExit`, once it has exited (a start that is expected to crash at an armed crash point).
   */
  async start(extraEnv: Record<string, string> = {}, untilExit = false): Promise<void> {
    if (this.running) throw new Error("Node-RED is already running");
    if (!this.port) {
      this.port = await freePort();
      writeSettings(this.settingsFile, this.port, this.logFile, writeShimPackage(this.options.workDir));
    }
    const logOffset = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    const stdio = fs.openSync(this.stdioFile, "a");
    const child = spawn(
      process.execPath,
      [
        "--require",
        "tsx/cjs",
        path.join(REPO_ROOT, "node_modules", "node-red", "red.js"),
        "--settings",
        this.settingsFile,
        "--userDir",
        this.userDir,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...this.options.env, ...extraEnv },
        stdio: ["ignore", stdio, stdio],
      },
    );
    fs.closeSync(stdio);
    this.child = child;
    this.starts++;
    this.expectingExit = false;
    child.once("exit", (code, signal) => {
      this.exits.push({ code, signal, expected: this.expectingExit, at: Date.now() });
    });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (!this.logSince(logOffset).includes('"Started flows"')) {
      if (!this.running && untilExit) return;
      if (!this.running) throw new Error(`Node-RED exited during start (see ${this.stdioFile})`);
      if (Date.now() > deadline) throw new Error(`Node-RED did not start its flows (see ${this.logFile})`);
      await sleep(100);
    }
  }

  /** Full deploy through the admin API (credentials inline, as the editor sends them). */
  async deploy(flows: unknown[]): Promise<void> {
    const res = await fetch(`${this.url}/flows`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify(flows),
    });
    if (!res.ok) throw new Error(`deploy: HTTP ${res.status} ${await res.text()}`);
  }

  /** Resolves when the child has exited (e.g. killed itself at a crash point); rejects after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<ChildExit> {
    const deadline = Date.now() + timeoutMs;
    while (this.running) {
      if (Date.now() > deadline) throw new Error(`Node-RED still running after ${timeoutMs} ms`);
      await sleep(50);
    }
    while (this.exits.length < this.starts) await sleep(10);
    return this.exits.at(-1)!;
  }

  /** SIGKILL: no shutdown hooks, no flush, no release of in-flight items. */
  kill(): Promise<void> {
    return this.signal("SIGKILL", 10_000);
  }

  /** Graceful stop (SIGINT: Node-RED closes its nodes), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.signal("SIGINT", 20_000).catch(() => this.signal("SIGKILL", 10_000));
  }

  private signal(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve();
    this.expectingExit = true;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Node-RED did not exit on ${signal}`)), timeoutMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  }

  private logSince(offset: number): string {
    if (!fs.existsSync(this.logFile)) return "";
    const fd = fs.openSync(this.logFile, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A package whose `node-red.nodes` entries require the TypeScript sources (compiled by tsx/cjs in the child); each
 * node's editor HTML and locales are copied beside its entry, where Node-RED looks for them.
 */
function writeShimPackage(workDir: string): string {
  const packageDir = path.join(workDir, "package-under-test");
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
  const nodes: Record<string, string> = {};
  for (const type of Object.keys(manifest["node-red"].nodes)) {
    const source = path.join(REPO_ROOT, "nodes", type);
    const target = path.join(packageDir, type);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(
      path.join(target, `${type}.js`),
      `"use strict";\nconst mod = require(${JSON.stringify(path.join(source, `${type}.ts`))});\nmodule.exports = mod.default ?? mod;\n`,
    );
    fs.copyFileSync(path.join(source, `${type}.html`), path.join(target, `${type}.html`));
    fs.cpSync(path.join(source, "locales"), path.join(target, "locales"), { recursive: true });
    nodes[type] = `${type}/${type}.js`;
  }
  fs.writeFileSync(
    path.join(packageDir, "package.json"),
    JSON.stringify({ name: "package-under-test", version: manifest.version, "node-red": { nodes } }, null, 2),
  );
  return packageDir;
}

/** Editor off, admin API on loopback, every log line (all levels down to info) appended to a JSON-lines file. */
function writeSettings(file: string, port: number, logFile: string, nodesDir: string): void {
  const settings = `"use strict";
const fs = require("fs");
const LOG = ${JSON.stringify(logFile)};
function text(value) {
  if (value instanceof Error) return value.stack || String(value);
  if (typeof value === "string") return value;
  try { return JSON.stringify(value); } catch { return String(value); }
}
module.exports = {
  uiHost: "127.0.0.1",
  uiPort: ${port},
  flowFile: "flows.json",
  credentialSecret: "soak-credential-secret",
  disableEditor: true,
  httpAdminRoot: "/",
  httpNodeRoot: "/api",
  nodesDir: [${JSON.stringify(nodesDir)}],
  editorTheme: { projects: { enabled: false } },
  diagnostics: { enabled: false },
  runtimeState: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  logging: {
    console: { level: "off", metrics: false, audit: false },
    soakFile: {
      level: "info",
      metrics: false,
      audit: false,
      handler: () => (msg) => {
        // Synchronous: a line logged before a SIGKILL is on disk.
        fs.appendFileSync(LOG, JSON.stringify({ t: msg.timestamp, pid: process.pid, level: msg.level, type: msg.type, id: msg.id, msg: text(msg.msg) }) + "\\n");
      },
    },
  },
};
`;
  fs.writeFileSync(file, settings);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
