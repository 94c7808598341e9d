export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
  /** Growth per attempt (2 doubles the delay). */
  factor?: number;
}

/**
 * "Full jitter" exponential backoff: a uniformly random wait between 0 and min(cap, base·factor^attempt),
 * so many clients that failed together do not retry together.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const factor = policy.factor ?? 2;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(ceiling * random());
}

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds; undefined when absent or invalid. */
export function parseRetryAfterMs(header: string | undefined | null, now: number = Date.now()): number | undefined {
  if (header === undefined || header === null || header === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
