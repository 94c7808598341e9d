/*
 * Security test helpers: a pass-through HTTP proxy that records every secret crossing it (OTCSTicket / OTDSTicket
 * headers, bearer tokens, tickets and tokens in answers), a scanner that fails on any secret in a text, a listener
 * of an attacker's choosing, and child processes (Node-RED, npm start) started in a clean environment.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";

export interface RecordingProxy {
  /** Proxy origin + the target's path, e.g. http://127.0.0.1:<port>/cs/cs */
  url: string;
  origin: string;
  /** Ticket and token values seen in requests and answers. */
  readonly seen: Set<string>;
  close(): Promise<void>;
}

const SECRET_FIELDS = /"(ticket|token|access_token|refresh_token|id_token)"\s*:\s*"([^"]{8,})"/g;

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const seen = new Set<string>();
  const noteHeader = (name: string, value: string | string[] | undefined) => {
    for (const v of [value ?? []].flat()) {
      if (/^(otcsticket|otdsticket)$/i.test(name) && v.length >= 8) seen.add(v);
      const bearer = /^bearer\s+(\S+)/i.exec(v);
      if (name.toLowerCase() === "authorization" && bearer) seen.add(bearer[1]);
    }
  };
  const server = http.createServer((req, res) => {
    for (const [name, value] of Object.entries(req.headers)) noteHeader(name, value);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        for (const [name, value] of Object.entries(answer.headers)) noteHeader(name, value);
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          if (/json/i.test(String(answer.headers["content-type"] ?? ""))) {
            for (const match of body.toString("utf8").matchAll(SECRET_FIELDS)) seen.add(match[2]);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${upstream.pathname.replace(/\/$/, "")}`,
    origin,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A distinctive secret for a scan: the label plus 12 random characters. */
export const uniqueSecret = (label: string): string => `${label}-${randomBytes(9).toString("base64url")}`;

/** Fails naming where a secret was found (the secret itself is not printed). */
export function assertNoSecrets(where: string, text: string, secrets: Map<string, string>): void {
  for (const [label, secret] of secrets) {
    assert.ok(!text.includes(secret), `${label} found in ${where}`);
    const encoded = encodeURIComponent(secret);
    assert.ok(encoded === secret || !text.includes(encoded), `${label} (URL-encoded) found in ${where}`);
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Listener {
  origin: string;
  readonly requests: RecordedRequest[];
  /** Everything received (request lines, headers, bodies) as one text, for secret scans. */
  text(): string;
  close(): Promise<void>;
}

/** A server of an attacker's choosing: records every request and answers `status` with `body` (JSON). */
export async function startListener(status = 401, body: unknown = { error: "listener" }): Promise<Listener> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    text: () => requests.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join("\n"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free loopback port (for a child process that cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The caller's environment without its CS_*, EXSTREAM_*, NODE_RED_* and DEMO_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(CS_|EXSTREAM_|NODE_RED_|DEMO_)/.test(name)) delete env[name];
  delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

export interface StartedProcess {
  child: ChildProcess;
  /** "ready" once `ready` appeared in its output, or its exit code when it ended before. */
  outcome: "ready" | number;
  output: string;
}

/** Runs `node <args>` and resolves when its output (stdout + stderr) matches `ready` or when it exits. */
export function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  cwd: string,
): Promise<StartedProcess> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args[0]} neither got ready nor exited:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, outcome: "ready", output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ child, outcome: code ?? -1, output });
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process has ended. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
