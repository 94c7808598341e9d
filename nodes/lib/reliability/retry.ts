import { backoffDelayMs, type BackoffPolicy } from "./backoff";

export interface RetryPolicy extends BackoffPolicy {
  /** Total attempts including the first one; 1 means "never retry". */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, factor: 2 };

/** What to do with a failure: give up, or try again (optionally not before `afterMs`, e.g. from Retry-After). */
export type RetryDecision = { retry: false } | { retry: true; afterMs?: number };

/** Network failures that say nothing about the request's validity: worth another attempt. */
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_SOCKET",
]);

export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/** HTTP statuses that are transient by nature; 500 is decided by each protocol (CS uses it for permanent errors too). */
export function isTransientHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}

export interface RetryOptions {
  policy: RetryPolicy;
  decide(err: unknown, attempt: number): RetryDecision;
  /** Called before each wait; handy for logging and status. */
  onRetry?(err: unknown, attempt: number, delayMs: number): void;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, `decide` says stop, or the policy's attempts are used up. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      const decision = options.decide(err, attempt);
      if (!decision.retry || attempt + 1 >= options.policy.maxAttempts) throw err;
      const delayMs = Math.min(
        options.policy.maxDelayMs,
        decision.afterMs ?? backoffDelayMs(attempt, options.policy, options.random),
      );
      options.onRetry?.(err, attempt, delayMs);
      await wait(delayMs);
    }
  }
}
