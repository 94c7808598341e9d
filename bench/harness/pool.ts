/** The driver of the throughput benchmarks: a fixed number of lanes, each taking the next item when done. */

/** Runs `task(i)` for i = 0..count-1 with at most `concurrency` in flight; resolves with every result in order. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}
