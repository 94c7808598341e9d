/** Columns of unsigned integers per slot, in typed arrays sized to what their values need. */

const TWO_POW_32 = 2 ** 32;
export const UINT48_LIMIT = 2 ** 48;

/** Integers below 2^48 (journal offsets, epoch milliseconds) in six bytes each. */
export class Uint48Column {
  private low = new Uint32Array(0);
  private high = new Uint16Array(0);

  get(slot: number): number {
    return this.high[slot] * TWO_POW_32 + this.low[slot];
  }

  set(slot: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0 || value >= UINT48_LIMIT) {
      throw new RangeError(`${value} is not an integer from 0 to 2^48`);
    }
    this.low[slot] = value % TWO_POW_32;
    this.high[slot] = Math.floor(value / TWO_POW_32);
  }

  resize(capacity: number): void {
    this.low = resized(this.low, new Uint32Array(capacity));
    this.high = resized(this.high, new Uint16Array(capacity));
  }
}

/**
 * Integers that are almost always small (attempt counts, record lengths) in one or two bytes each; the rare larger
 * ones are kept in a map, their slot marked with the column's largest value.
 */
export class SmallUintColumn {
  private values: Uint8Array | Uint16Array;
  private readonly large = new Map<number, number>();
  private readonly mark: number;

  constructor(private readonly bytes: 1 | 2) {
    this.values = this.make(0);
    this.mark = 2 ** (8 * bytes) - 1;
  }

  get(slot: number): number {
    const value = this.values[slot];
    return value === this.mark ? this.large.get(slot)! : value;
  }

  set(slot: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a natural number`);
    if (value < this.mark) {
      if (this.values[slot] === this.mark) this.large.delete(slot);
      this.values[slot] = value;
    } else {
      this.values[slot] = this.mark;
      this.large.set(slot, value);
    }
  }

  resize(capacity: number): void {
    this.values = resized(this.values, this.make(capacity));
  }

  private make(capacity: number): Uint8Array | Uint16Array {
    return this.bytes === 1 ? new Uint8Array(capacity) : new Uint16Array(capacity);
  }
}

/** `next` (at least as long) holding `old`'s values at their places, the rest zero. */
export function resized<A extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(old: A, next: A): A {
  next.set(old);
  return next;
}
