/**
 * A real PostgreSQL server for tests: Debian's `postgresql` package, `initdb` into a temporary folder owned by the
 * `postgres` user (when the tests run as root), listening on 127.0.0.1 on a free port, started and stopped by the
 * test (`pg_ctl`). Nothing system-wide is started or changed.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Pool } from "pg";
import { requirePrerequisite } from "./prerequisites";

export interface PostgresServer {
  /** postgresql://postgres@127.0.0.1:<port>/postgres (trust authentication, no TLS). */
  url: string;
  port: number;
  stop(): void;
  start(): void;
  /** Stops and removes the data folder. */
  destroy(): void;
}

/** The newest installed server's bin folder, or undefined. */
export function postgresBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], "bin") : undefined;
}

const asRoot = process.getuid?.() === 0;

export function postgresAvailable(): boolean {
  if (!postgresBinDir()) return false;
  if (!asRoot) return true;
  try {
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface PostgresStartOptions {
  /** fsync and synchronous commit (a benchmark wants them; tests that restart cleanly do not need them). */
  durable?: boolean;
  maxConnections?: number;
}

export async function startPostgres(options: PostgresStartOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-"));
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? "runuser" : path.join(bin, tool);
    const full = asRoot ? ["-u", "postgres", "--", path.join(bin, tool), ...args] : args;
    try {
      execFileSync(command, full, { cwd: dir, stdio: "pipe", timeout: 60_000 });
    } catch (err) {
      const detail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "";
      throw new Error(`${tool} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}\n${detail}`, {
        cause: err,
      });
    }
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${options.maxConnections ?? 100}`,
    ...(options.durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
  ].join(" ");
  const server: PostgresServer = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", settings]),
    stop: () => run("pg_ctl", ["stop", "-w", "-t", "60", "-D", data, "-m", "fast"]),
    destroy: () => {
      try {
        server.stop();
      } catch {
        // not running
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Records the text of every statement the pool's `query` sends from now on: what a store costs in round trips. */
export function recordStatements(pool: Pool): string[] {
  const statements: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
    statements.push(text);
    return query(...args);
  };
  return statements;
}

/**
 * Makes a schema's work items `ms` older. Leases and retry delays run in database time, which a fake clock cannot
 * move: a test moves the rows instead of waiting, so a lease that "still runs" does so however slow the machine is.
 */
export async function ageWorkItems(pool: Pool, schema: string, ms: number): Promise<void> {
  await pool.query(
    `UPDATE "${schema}".work_items SET updated_at = updated_at - $1 * interval '1 millisecond', ` +
      "lease_until = lease_until - $1 * interval '1 millisecond'",
    [ms],
  );
}

export interface PostgresSuite {
  /** The suite's server, started before its tests. */
  readonly server: PostgresServer;
  /** A fresh temporary folder for the running test, removed after it. */
  readonly dir: string;
  /** A new pool on the server (its errors ignored: tests stop the server), ended after the suite. */
  pool(max?: number): Pool;
}

/**
 * Registers the hooks of a suite on one real PostgreSQL server (call it inside `describe`); without the server
 * binaries the suite is skipped, or fails under CI.
 */
export function postgresSuite(tmpPrefix: string): PostgresSuite {
  let server: PostgresServer | undefined;
  let dir: string | undefined;
  const pools: Pool[] = [];
  before(async function () {
    requirePrerequisite(this, postgresAvailable(), "PostgreSQL server (Debian package postgresql)");
    server = await startPostgres();
  });
  after(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    server?.destroy();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  });
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get server() {
      return server!;
    },
    get dir() {
      return dir!;
    },
    pool(max = 4) {
      const created = new Pool({ connectionString: server!.url, max });
      created.on("error", () => undefined);
      pools.push(created);
      return created;
    },
  };
}
