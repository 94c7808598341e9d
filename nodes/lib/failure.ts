/**
 * The failure contract between nodes: what a failing node puts into `msg.failure` before `done(err)`, so that the
 * source (output-watch, workflow-trigger) can retry the item or dead-letter it.
 */
export interface Failure {
  reason: string;
  /** True when the same input will fail again (validation, mapping, missing file): dead-letter at once. */
  permanent: boolean;
}

/**
 * Every error class of the clients says itself whether it is permanent (`permanent`) and how it reads in a node
 * status (`statusText`, e.g. "upload: HTTP 400"). An error without `permanent` is transient, except a TypeError:
 * that is bad input, and the same input fails again.
 */
export function failureOf(err: unknown): Failure {
  const reason = err instanceof Error ? err.message : String(err);
  const permanent = (err as { permanent?: unknown } | null)?.permanent;
  return { reason, permanent: typeof permanent === "boolean" ? permanent : err instanceof TypeError };
}

/** The error's own short status text, when it has one. */
export function statusTextOf(err: unknown): string | undefined {
  const text = (err as { statusText?: unknown } | null)?.statusText;
  return typeof text === "string" && text ? text : undefined;
}
