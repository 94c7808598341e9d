/**
 * The answer kept in `cache` under `key`, else the one `load` starts, kept there. A failed answer is dropped, so the
 * next caller asks again instead of meeting the same failure for good.
 */
export function cachedPromise<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let pending = cache.get(key);
  if (!pending) {
    pending = load();
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}
