/** The Exstream client's own default (lib/exstream/http.ts), for a connection whose settings cannot be read. */
const DEFAULT_MAX_CONCURRENT = 4;

/** How many generations a connection runs at once: its "concurrent requests" setting. */
export function generationSlotsOf(connection: { clientOptions(): { maxConcurrent?: number } }): number {
  try {
    return connection.clientOptions().maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  } catch {
    return DEFAULT_MAX_CONCURRENT;
  }
}
