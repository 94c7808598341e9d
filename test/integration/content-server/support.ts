/*
 * Shared set-up for the Content Server client tests: a seeded simulator over real HTTP, clients configured like the
 * cs-config node would, and the simulator's control API (faults, forced ticket expiry, counters).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import util from "node:util";
import type { SimulatorFlags } from "../../../sim/types";
import { ContentServerClient, type ContentServerClientOptions } from "../../../nodes/lib/content-server";
import {
  DEMO_INTEGRATION_LOGIN,
  DEMO_LOGIN,
  DEMO_OAUTH_CLIENT,
  startSeededContentServer,
  type ContentServerSimulator,
} from "../../helpers/content-server-sim";

export const ADMIN = DEMO_LOGIN;
export const INTEGRATION_USER = DEMO_INTEGRATION_LOGIN;
export const OAUTH_CLIENT = DEMO_OAUTH_CLIENT;
export const ENTERPRISE_WORKSPACE = 2000;

export interface TestSim {
  url: string;
  origin: string;
  sim: ContentServerSimulator;
  client(overrides?: Partial<ContentServerClientOptions>): ContentServerClient;
  control(method: string, route: string, body?: unknown): Promise<any>;
  addFault(rule: Record<string, unknown>): Promise<void>;
  clearFaults(): Promise<void>;
  expireTickets(): Promise<void>;
  counters(): Promise<{
    logins: { otcs: number; otds: number; oauth: number };
    exchanges: number;
    unauthorized: number;
    requests: number;
  }>;
  resetCounters(): Promise<void>;
  close(): Promise<void>;
}

const clients: ContentServerClient[] = [];

/** Fast retries so fault tests take milliseconds, not seconds. */
export const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50 };

export async function startSim(flags: SimulatorFlags = {}): Promise<TestSim> {
  const sim = await startSeededContentServer(flags);
  const url = sim.url;
  const origin = new URL(url).origin;
  const control = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}/__sim/${route}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator control ${method} ${route}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const testSim: TestSim = {
    url,
    origin,
    sim,
    client(overrides = {}) {
      const client = new ContentServerClient({
        baseUrl: url,
        credentials: { ...ADMIN },
        otdsUrl: sim.otdsUrl,
        retry: FAST_RETRY,
        timeoutMs: 10_000,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    control,
    addFault: async (rule) => void sim.addFault(rule),
    clearFaults: async () => sim.clearFaults(),
    expireTickets: async () => sim.expireAllTickets(),
    counters: async () => structuredClone(sim.counters),
    resetCounters: async () => sim.resetCounters(),
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
      await sim.close();
    },
  };
  return testSim;
}

/** A unique name per test run, so tests never collide with seeded items or each other. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  /** When the request arrived (`performance.now()` of this process). */
  at: number;
  /** Set once the upstream answered (not for intercepted requests). */
  responseHeaders?: http.IncomingHttpHeaders;
}

export interface Proxy {
  url: string;
  requests: RecordedRequest[];
  /** Return true to have handled the request yourself (answer `res`), false to forward it. */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Return a promise to forward the request only once it settles (e.g. to hold an answer back until X happened). */
  delay?: (req: http.IncomingMessage) => Promise<void> | undefined;
  close(): Promise<void>;
}

/**
 * A transparent recording reverse proxy between client and simulator: shows what actually goes over the wire and
 * can answer some requests itself (e.g. 429 with Retry-After).
 */
export async function startProxy(targetBaseUrl: string): Promise<Proxy> {
  const target = new URL(targetBaseUrl);
  const proxy: Proxy = { url: "", requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      contentType: String(req.headers["content-type"] ?? ""),
      headers: req.headers,
      at: performance.now(),
    };
    proxy.requests.push(record);
    if (proxy.intercept?.(req, res)) {
      req.resume();
      return;
    }
    const forward = () => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          record.responseHeaders = answer.headers;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    const delayed = proxy.delay?.(req);
    if (delayed) void delayed.then(forward, forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, "")}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** Fails when any of `secrets` shows in the error's message, stack, JSON form or inspection. */
export function assertNoSecret(err: unknown, secrets: string[]): void {
  const e = err as Error;
  const views = [e.message, String(e.stack), JSON.stringify(err), util.inspect(err, { depth: 10, showHidden: true })];
  for (const secret of secrets) {
    for (const view of views) assert.ok(!view.includes(secret), `secret leaked into: ${view.slice(0, 300)}`);
  }
}
