/**
 * How long and how much one HTTP exchange may take. A socket timeout alone does not bound a call: a server sending
 * one byte now and then keeps the socket busy forever. So every JSON/text exchange also has an overall deadline and a
 * size cap, and every content stream a minimum rate besides its idle timeout.
 */
import { pipeline, Transform, type Readable } from "node:stream";

export interface TransferLimits {
  /** Longest silence on the connection, also while a content stream is read. */
  timeoutMs: number;
  /** Longest a JSON/text exchange may take as a whole, from connecting to the last byte (0: no deadline). */
  deadlineMs: number;
  /**
   * Slowest accepted transfer: a content stream must deliver at least this many bytes per second in every period of
   * `timeoutMs`; an upload extends the deadline by its size at this rate (0: no minimum).
   */
  minBytesPerSecond: number;
  /** Largest JSON/text answer held in memory. */
  maxResponseBytes: number;
}

export const MIB = 1024 * 1024;

export const DEFAULT_TRANSFER_LIMITS: TransferLimits = {
  timeoutMs: 60_000,
  deadlineMs: 300_000,
  minBytesPerSecond: 1024,
  maxResponseBytes: 32 * MIB,
};

/**
 * The bytes of `source` when they are at most `maxBytes`; undefined when there are more (the rest is not read: leaving
 * the loop destroys a stream).
 */
export async function readAtMost(source: AsyncIterable<unknown>, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Fills the unset limits with the defaults. */
export function transferLimits(given: Partial<TransferLimits> = {}): TransferLimits {
  const limits = { ...DEFAULT_TRANSFER_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof TransferLimits>) {
    const value = given[key];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) limits[key] = value;
  }
  return limits;
}

export type TransferLimitKind = "deadline" | "idle" | "rate" | "length" | "size";

/**
 * A limit ended the exchange. `code` is what the clients' retry rules read: a deadline, idle or rate breach is a
 * timeout and a short body incomplete (both worth another attempt when the call is idempotent); an oversized answer
 * is permanent.
 */
export class TransferLimitError extends Error {
  override name = "TransferLimitError";
  readonly code: "ETIMEDOUT" | "ERR_INCOMPLETE" | "ERR_RESPONSE_TOO_LARGE";

  constructor(
    readonly kind: TransferLimitKind,
    message: string,
  ) {
    super(message);
    this.code = kind === "size" ? "ERR_RESPONSE_TOO_LARGE" : kind === "length" ? "ERR_INCOMPLETE" : "ETIMEDOUT";
  }

  static deadline(ms: number): TransferLimitError {
    return new TransferLimitError("deadline", `no complete answer within the deadline of ${ms} ms (deadlineMs)`);
  }

  static size(maxBytes: number): TransferLimitError {
    return new TransferLimitError(
      "size",
      `the answer is larger than the limit of ${formatBytes(maxBytes)} (maxResponseBytes); refused`,
    );
  }
}

/** Request bodies up to this size are covered by the plain deadline. */
export const SMALL_BODY_BYTES = MIB;

/** The deadline of one exchange; a large request body extends it by its size at the minimum rate. */
export function deadlineFor(limits: TransferLimits, uploadBytes = 0, timeoutMs = limits.timeoutMs): number {
  if (limits.deadlineMs <= 0) return 0;
  const large = uploadBytes > SMALL_BODY_BYTES;
  if (large && limits.minBytesPerSecond <= 0) return 0;
  const uploadMs = large ? Math.ceil((uploadBytes / limits.minBytesPerSecond) * 1000) : 0;
  // A per-call timeout longer than the deadline (slow on-demand generation) widens the deadline with it.
  return Math.max(limits.deadlineMs, timeoutMs) + uploadMs;
}

/** An AbortSignal that fires after `ms` (never when `ms` is 0); `clear()` once the exchange is over. */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer?: NodeJS.Timeout;
  private fired = false;

  constructor(readonly ms: number) {
    this.signal = this.controller.signal;
    if (ms > 0) {
      this.timer = setTimeout(() => {
        this.fired = true;
        this.controller.abort(TransferLimitError.deadline(ms));
      }, ms);
      this.timer.unref();
    }
  }

  get expired(): boolean {
    return this.fired;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/**
 * A content stream under watch: it fails with a {@link TransferLimitError} when nothing arrives for `timeoutMs`, when
 * a period of `timeoutMs` brings fewer than `minBytesPerSecond` × period bytes, or when it ends short of (or beyond)
 * `expectedBytes`. Time the consumer keeps data waiting (back-pressure) is not held against the server.
 */
export function guardedStream(
  source: Readable,
  limits: Pick<TransferLimits, "timeoutMs" | "minBytesPerSecond">,
  expectedBytes?: number,
): Readable {
  const periodMs = limits.timeoutMs;
  const minBytesPerPeriod = Math.ceil((limits.minBytesPerSecond * periodMs) / 1000);
  let bytes = 0;
  let bytesThisPeriod = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      bytesThisPeriod += chunk.length;
      idle?.refresh();
      callback(null, chunk);
    },
    flush(callback) {
      stop();
      if (expectedBytes !== undefined && bytes !== expectedBytes) {
        callback(new TransferLimitError("length", `received ${bytes} of ${expectedBytes} bytes (Content-Length)`));
      } else callback();
    },
  });
  // The consumer is waiting for data, so a silence or a slow period is the server's.
  const starved = () => guard.readableLength === 0;
  const fail = (err: TransferLimitError) => {
    stop();
    guard.destroy(err);
  };
  const idle =
    periodMs > 0
      ? setTimeout(function onIdle() {
          if (starved()) fail(new TransferLimitError("idle", `no data for ${periodMs} ms while receiving (timeoutMs)`));
          else idle?.refresh();
        }, periodMs)
      : undefined;
  const rate =
    periodMs > 0 && minBytesPerPeriod > 0
      ? setInterval(() => {
          if (bytesThisPeriod < minBytesPerPeriod && starved()) {
            const bytesPerSecond = Math.floor((bytesThisPeriod * 1000) / periodMs);
            fail(
              new TransferLimitError(
                "rate",
                `data arrived at ${bytesPerSecond} bytes/s, below the minimum of ${limits.minBytesPerSecond} bytes/s ` +
                  "(minBytesPerSecond)",
              ),
            );
          }
          bytesThisPeriod = 0;
        }, periodMs)
      : undefined;
  idle?.unref();
  rate?.unref();
  function stop() {
    if (idle) clearTimeout(idle);
    if (rate) clearInterval(rate);
  }
  guard.once("close", stop);
  // Either side failing or being destroyed ends both (and frees the socket).
  pipeline(source, guard, () => undefined);
  return guard;
}

function formatBytes(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}
