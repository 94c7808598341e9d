/** Asynchronous generation: submit to a named HTTP input channel, then follow the job until it ends. */
import { ExstreamError } from "./errors";
import { seg, unwrap, type ExstreamContext } from "./context";
import { withEpochDates } from "./dates";
import { detectDriverType } from "./ondemand";
import { getJob } from "./runtime";
import type { BatchSubmitRequest, FlowInstance, Job, WaitForJobOptions } from "./types";

const DEFAULT_JOB_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_MAX_POLL_INTERVAL_MS = 5_000;
const POLL_GROWTH = 1.5;
const TERMINAL_FAILURES = new Set(["error", "canceled", "deleted"]);
/** The route seen in real deployments; no specification documents it, so it is configurable. */
export const DEFAULT_BATCH_INPUT_PATH = "/inputs/batch/{domain}/{channel}";

/** The batch input URL: `{domain}` and `{channel}` of the configured path replaced by encoded segments. */
export function batchInputUrl(ctx: ExstreamContext, domain: string, channel: string): string {
  const path = ctx.batchInputPath.replace(/\{(domain|channel)\}/g, (_m, name: string) =>
    seg(name === "domain" ? domain : channel),
  );
  return `${ctx.orchestrationUrl}${path.startsWith("/") ? path : `/${path}`}`;
}

/** Returns one flow instance per flow model listening on the channel (each carries the `jobId`). */
export async function submitBatch(ctx: ExstreamContext, req: BatchSubmitRequest): Promise<FlowInstance[]> {
  let body: string | Buffer;
  let contentType = req.contentType;
  if (typeof req.body === "string" || Buffer.isBuffer(req.body)) {
    body = req.body;
    contentType ??= detectDriverType(req.body) ?? "application/octet-stream";
  } else {
    body = JSON.stringify(req.body);
    contentType ??= "application/json";
  }
  const res = await ctx.transport.request<unknown>({
    operation: "batch submit",
    method: "POST",
    url: batchInputUrl(ctx, req.domain ?? ctx.domain, req.channel),
    headers: { ...req.headers, "Content-Type": contentType },
    body,
    idempotent: false, // a repeated submit would start a second job
    csrf: true,
  });
  const data = unwrap<unknown>(res.data);
  const instances = (Array.isArray(data) ? data : data ? [data] : []).map(withEpochDates) as FlowInstance[];
  if (instances.length === 0 || !instances[0].jobId) {
    throw new ExstreamError({ operation: "batch submit", status: res.status, serverMessage: "no job was started" });
  }
  return instances;
}

/**
 * Polls the job (backoff ×1.5 between polls) until it is `complete` (returned), ends in `error`/`canceled`/`deleted`
 * (ExstreamError with the job's message) or the deadline passes (ExstreamError code `EDEADLINE`).
 */
export async function waitForJob(ctx: ExstreamContext, jobId: string, options: WaitForJobOptions = {}): Promise<Job> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS);
  const maxInterval = options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS;
  let interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  for (;;) {
    if (options.signal?.aborted) throw new ExstreamError({ operation: "batch job", code: "EABORTED" });
    const job = await getJob(ctx, jobId, options.domain);
    options.onPoll?.(job);
    if (job.status === "complete") return job;
    if (TERMINAL_FAILURES.has(job.status)) {
      throw new ExstreamError({
        operation: "batch job",
        serverMessage: job.msg ? String(job.msg) : `job ${jobId} ended ${job.status}`,
        details: `status ${job.status}`,
      });
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ExstreamError({
        operation: "batch job",
        code: "EDEADLINE",
        details: `job ${jobId} still ${job.status} at the deadline`,
      });
    }
    await delay(Math.min(interval, left), options.signal);
    interval = Math.min(maxInterval, interval * POLL_GROWTH);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
