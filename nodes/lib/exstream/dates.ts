/**
 * Runtime dates arrive in two forms: the OpenAPI descriptions type them as ISO date-time strings, a real server's
 * responses carry epoch milliseconds. Both are read here, once, into epoch milliseconds.
 */

/** Fields of Job, FlowInstance and FlowStep that hold a date. */
const RUNTIME_DATE_FIELDS = ["startDate", "endDate", "expirationDate", "queueDate", "executeDate"] as const;

/** Epoch milliseconds from a number, a numeric string or an ISO date-time; undefined for null, blank or unreadable. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A copy of a runtime entity with every date field as epoch ms (null stays null, unreadable becomes null). */
export function withEpochDates<T>(item: T): T {
  if (!item || typeof item !== "object" || Array.isArray(item)) return item;
  const copy = { ...(item as Record<string, unknown>) };
  for (const field of RUNTIME_DATE_FIELDS) {
    if (!(field in copy) || copy[field] === null || copy[field] === undefined) continue;
    copy[field] = toEpochMs(copy[field]) ?? null;
  }
  return copy as T;
}
