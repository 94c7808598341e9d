import { ConcurrencyLimiter, QueueFullError } from "../reliability/limiter";

/**
 * One limiter per exstream-config node: every generate node using that connection shares its slots (as many as the
 * connection's "concurrent requests"), so a flood of messages never runs more generations at once than the
 * connection allows. The waiting line is bounded by each node's own `maxQueued`.
 */
const limiters = new WeakMap<object, ConcurrencyLimiter>();

export function limiterFor(configNode: object, maxConcurrent: number): ConcurrencyLimiter {
  let limiter = limiters.get(configNode);
  if (!limiter) {
    limiter = new ConcurrencyLimiter(Math.max(1, Math.floor(maxConcurrent) || 1));
    limiters.set(configNode, limiter);
  }
  return limiter;
}

/** Runs `task` in a slot, or fails at once with QueueFullError when `maxQueued` messages already wait. */
export function runBounded<T>(limiter: ConcurrencyLimiter, maxQueued: number, task: () => Promise<T>): Promise<T> {
  if (limiter.running >= limiter.maxConcurrent && limiter.queued >= maxQueued) {
    return Promise.reject(new QueueFullError(`${limiter.queued} generations already waiting (limit ${maxQueued})`));
  }
  return limiter.run(task);
}
