/*
 * Fault injection (simulator-only): forced HTTP errors, a slow engine, jobs that end in "error". Driven by
 * `/sim/faults`, CLI flags and the programmatic API of ExstreamSimulator.
 */
import { randomUUID } from "node:crypto";
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
  | { type: "http"; status: number; path?: string; method?: string; times?: number; message?: string }
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

  /** Throws the forced error for this request, if a rule applies (consuming one of its `times`). */
  checkRequest(method: string, path: string): void {
    for (const fault of this.state.http) {
      if (fault.method && fault.method !== method) continue;
      if (fault.path ? !path.includes(fault.path) : TOKEN_PATH.test(path)) continue;
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) this.state.http = this.state.http.filter((f) => f !== fault);
      }
      throw new SimHttpError(fault.status, fault.message ?? `Simulated fault: HTTP ${fault.status}`);
    }
    if (this.state.failRate > 0 && !TOKEN_PATH.test(path) && Math.random() < this.state.failRate) {
      throw new SimHttpError(500, "Simulated fault: random failure");
    }
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
