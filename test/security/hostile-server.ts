/*
 * A hostile HTTP server on 127.0.0.1 for the transfer-limit tests: it logs a client in (CS ticket, OTDS token) and
 * answers chosen paths by trickling, flooding or cutting the answer short. It counts the requests per route.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface HostileServer {
  origin: string;
  /** Answers requests whose path matches with `handler`. */
  route(path: RegExp, handler: Handler): void;
  /** Requests seen for a path. */
  count(path: RegExp): number;
  close(): Promise<void>;
}

export async function startHostileServer(): Promise<HostileServer> {
  const routes: Array<{ path: RegExp; handler: Handler }> = [];
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    seen.push(path);
    req.resume();
    const route = routes.find((r) => r.path.test(path));
    if (route) return route.handler(req, res);
    if (req.method === "POST" && path.endsWith("/api/v1/auth")) return json(res, { ticket: "hostile-ticket-0001" });
    if (req.method === "POST" && path === "/token") {
      return json(res, { access_token: "hostile-token-0001", token_type: "Bearer", expires_in: 3600 });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (path, handler) => routes.unshift({ path, handler }),
    count: (path) => seen.filter((p) => path.test(p)).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: http.ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Sends `body` one byte every `everyMs` (with its full Content-Length announced), until done or disconnected. */
export function trickle(body: Buffer, everyMs: number, contentType = "application/json"): Handler {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": contentType, "Content-Length": body.length });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body.subarray(sent, ++sent));
    }, everyMs);
    res.on("close", () => clearInterval(timer));
  };
}

/** A JSON answer of `bytes` bytes, written as fast as the client reads it. */
export function floodJson(bytes: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": bytes });
    const chunk = Buffer.alloc(1024 * 1024, "a");
    let left = bytes - 12;
    res.write('{"data":"');
    const pump = () => {
      while (left > 0) {
        const piece = chunk.subarray(0, Math.min(chunk.length, left));
        left -= piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end('"} ');
    };
    res.on("close", () => (left = 0));
    pump();
  };
}

/** Announces `declared` bytes, sends `sent` bytes, then drops the connection. */
export function cutShort(declared: number, sent: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": declared });
    res.write(Buffer.alloc(sent, 7), () => setTimeout(() => res.socket?.destroy(), 20));
  };
}
