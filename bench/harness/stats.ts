/** Small statistics and formatting helpers shared by the benchmark modules. */

export const MIB = 1024 * 1024;

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile, `p` in 0..100. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function mib(bytes: number, digits = 0): string {
  return `${(bytes / MIB).toFixed(digits)} MiB`;
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** `values` as "a / b / c" (each repetition), for the figure tables. */
export function each(values: number[], digits = 1): string {
  return values.map((v) => v.toFixed(digits)).join(" / ");
}

/** Alternating order of `variants` per repetition, so a slow drift of the machine hits all of them alike. */
export function interleaved<T>(variants: T[], repetitions: number): Array<{ variant: T; repetition: number }> {
  const order: Array<{ variant: T; repetition: number }> = [];
  for (let r = 0; r < repetitions; r++) {
    const rotated = [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)];
    for (const variant of rotated) order.push({ variant, repetition: r });
  }
  return order;
}

/** A target written in MB is checked against 10^6 bytes: the stricter reading (150 MB = 143 MiB). */
export const MB = 1_000_000;
