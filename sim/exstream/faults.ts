/*
 * Fault injection (simulator-only): forced HTTP errors, a slow engine, jobs that end in "error". Driven by
 * `/sim/faults`, CLI flags and the programmatic API of ExstreamSimulator.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { badRequest, SimHttpError } from "./errors";

export interface HttpFault {
  id: string;
  /** 401, 409, 500, 503 … */
  status: number;
  /** Applies when the request path contains this text (default: every path except the token endpoints and /sim). */
  path?: string;
  method?: string;
  /** How many requests fail; undefined = until cleared. */
  times?: number;
  message?: string;
  /** Run the request first (its change is stored), then lose the answer: answer `status` or drop the connection. */
  after?: boolean;
  /** Drop the connection instead of answering `status`. */
  reset?: boolean;
}

/** What a matching HTTP fault does to a request that still runs (an `after` fault). */
export interface LostAnswer {
  status: number;
  message?: string;
  reset: boolean;
}

export interface JobFault {
  message: string;
  times?: number;
}

export interface FaultState {
  http: HttpFault[];
  slowEngineMs: number;
  jobErrors: JobFault[];
  /** Probability (0..1) that any API request fails with 500. */
  failRate: number;
}

export type FaultSpec =
  | ({ type: "http" } & Omit<HttpFault, "id">)
  | { type: "slow-engine"; delayMs: number }
  | { type: "job-error"; message?: string; times?: number }
  | { type: "fail-rate"; rate: number };

const TOKEN_PATH = /\/oauth2\/token$/;

export class FaultInjector {
  private state: FaultState = { http: [], slowEngineMs: 0, jobErrors: [], failRate: 0 };

  snapshot(): FaultState {
    return structuredClone(this.state);
  }

  clear(): void {
    this.state = { http: [], slowEngineMs: 0, jobErrors: [], failRate: 0 };
  }

  add(spec: FaultSpec): FaultState {
    switch (spec.type) {
      case "http": {
        if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)
          throw badRequest("status must be 400..599");
        this.state.http.push({
          id: randomUUID(),
          status: spec.status,
          path: spec.path,
          method: spec.method?.toUpperCase(),
          times: spec.times,
          message: spec.message,
          after: spec.after === true || undefined,
          reset: spec.reset === true || undefined,
        });
        break;
      }
      case "slow-engine":
        if (!(spec.delayMs >= 0)) throw badRequest("delayMs must be >= 0");
        this.state.slowEngineMs = spec.delayMs;
        break;
      case "job-error":
        this.state.jobErrors.push({
          message: spec.message ?? "Engine run failed (simulated fault)",
          times: spec.times,
        });
        break;
      case "fail-rate":
        if (!(spec.rate >= 0 && spec.rate <= 1)) throw badRequest("rate must be between 0 and 1");
        this.state.failRate = spec.rate;
        break;
      default:
        throw badRequest(`unknown fault type "${(spec as { type?: string }).type ?? ""}"`);
    }
    return this.snapshot();
  }

  /**
   * Throws the forced error for this request, if a rule applies (consuming one of its `times`); a `reset` rule throws
   * {@link ConnectionReset}. An `after` rule lets the request run and returns what becomes of its answer.
   */
  checkRequest(method: string, path: string): LostAnswer | undefined {
    for (const fault of this.state.http) {
      if (fault.method && fault.method !== method) continue;
      if (fault.path ? !path.includes(fault.path) : TOKEN_PATH.test(path)) continue;
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) this.state.http = this.state.http.filter((f) => f !== fault);
      }
      if (fault.after) return { status: fault.status, message: fault.message, reset: fault.reset === true };
      if (fault.reset) throw new ConnectionReset();
      throw lostAnswerError({ status: fault.status, message: fault.message, reset: false });
    }
    if (this.state.failRate > 0 && !TOKEN_PATH.test(path) && Math.random() < this.state.failRate) {
      throw new SimHttpError(500, "Simulated fault: random failure");
    }
    return undefined;
  }

  get slowEngineMs(): number {
    return this.state.slowEngineMs;
  }

  /** The message the next engine run must fail with, if a job-error fault is armed (consumes one). */
  takeJobError(): string | undefined {
    const fault = this.state.jobErrors[0];
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times--;
      if (fault.times <= 0) this.state.jobErrors.shift();
    }
    return fault.message;
  }
}

/** Thrown when a fault drops the connection without an answer. */
export class ConnectionReset extends Error {
  constructor() {
    super("Simulated fault: connection reset");
  }
}

export function lostAnswerError(answer: LostAnswer): SimHttpError {
  return new SimHttpError(answer.status, answer.message ?? `Simulated fault: HTTP ${answer.status}`);
}

/** A response that swallows what a handler answers, for a request whose answer an `after` fault loses. */
export function discardingResponse(): ServerResponse {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() }) as Writable & Record<string, unknown>;
  const headers = new Map<string, unknown>();
  Object.assign(sink, {
    headersSent: false,
    statusCode: 200,
    setHeader: (name: string, value: unknown) => (headers.set(name.toLowerCase(), value), sink),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    hasHeader: (name: string) => headers.has(name.toLowerCase()),
    writeHead: (status: number) => Object.assign(sink, { statusCode: status, headersSent: true }),
  });
  return sink as unknown as ServerResponse;
}

export function parseFaultSpec(body: Record<string, unknown>): FaultSpec {
  const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" ? undefined : Number(v));
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  switch (body.type) {
    case "http":
      return {
        type: "http",
        status: num(body.status) ?? 500,
        path: str(body.path),
        method: str(body.method),
        times: num(body.times),
        message: str(body.message),
        after: body.after === true || body.after === "true",
        reset: body.reset === true || body.reset === "true",
      };
    case "slow-engine":
      return { type: "slow-engine", delayMs: num(body.delayMs) ?? 0 };
    case "job-error":
      return { type: "job-error", message: str(body.message), times: num(body.times) };
    case "fail-rate":
      return { type: "fail-rate", rate: num(body.rate) ?? 0 };
    default:
      throw badRequest(`"type" must be one of http, slow-engine, job-error, fail-rate`);
  }
}
