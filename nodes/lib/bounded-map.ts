/**
 * Sets `key` as the most recently used entry of `map` (a Map keeps insertion order) and forgets the least recently
 * used ones beyond `max`: a small bounded cache without a class of its own.
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
