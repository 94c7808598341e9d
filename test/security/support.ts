/*
 * Security test helpers: a pass-through HTTP proxy that records every secret crossing it (OTCSTicket / OTDSTicket
 * headers, bearer tokens, tickets and tokens in answers), and a scanner that fails on any secret in a text.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";

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
