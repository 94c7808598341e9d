export class QueueFullError extends Error {
  override name = "QueueFullError";
  /** The queue drains: the same item can be sent again later. */
  readonly permanent = false;
}

/**
 * Runs at most `maxConcurrent` tasks at once; further tasks wait in FIFO order.
 * `maxQueued` bounds the waiting line so a flood of messages cannot grow memory without limit.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError("maxConcurrent must be ≥ 1");
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(new QueueFullError(`more than ${this.maxQueued} requests waiting`));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
