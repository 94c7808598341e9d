import type { DateOrder } from "./types";

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  januar: 1,
  jän: 1,
  feb: 2,
  february: 2,
  februar: 2,
  mar: 3,
  march: 3,
  mär: 3,
  märz: 3,
  apr: 4,
  april: 4,
  may: 5,
  mai: 5,
  jun: 6,
  june: 6,
  juni: 6,
  jul: 7,
  july: 7,
  juli: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  okt: 10,
  oktober: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
  dez: 12,
  dezember: 12,
};

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

/**
 * Parses the date notations that turn up in driver data, manifests and workflow forms and writes them the way
 * Content Server stores dates ("2026-11-26T00:00:00"). Values with a UTC offset are converted to UTC; values
 * without one are taken as written. Returns an explanation instead of a value when the input is not a date or is
 * ambiguous (03/04/2026 without a configured day/month order).
 */
export function toContentServerDate(input: unknown, order?: DateOrder): { value: string } | { problem: string } {
  const parts = parse(input, order);
  if ("problem" in parts) return parts;
  const { year, month, day, hour = 0, minute = 0, second = 0 } = parts;
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { problem: `"${String(input)}" is not a valid calendar date` };
  }
  return { value: check.toISOString().slice(0, 19) };
}

function fromDate(date: Date): DateParts {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

function parse(input: unknown, order?: DateOrder): DateParts | { problem: string } {
  if (input instanceof Date)
    return Number.isNaN(input.getTime()) ? { problem: "invalid Date object" } : fromDate(input);
  if (typeof input === "number") return fromEpoch(input);
  if (typeof input !== "string") return { problem: `expected a date, got ${typeof input}` };
  const text = input.trim();
  let m: RegExpMatchArray | null;

  if (/^\d{10}$|^\d{13}$/.test(text)) return fromEpoch(Number(text));
  if ((m = text.match(/^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/)))
    return numbers(m[1], m[2], m[3], m[4], m[5], m[6]);

  m = text.match(/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i);
  if (m) {
    if (m[7]) {
      const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}${normalizeOffset(m[7])}`);
      return Number.isNaN(date.getTime()) ? { problem: `"${text}" is not a valid date` } : fromDate(date);
    }
    return numbers(m[1], m[2], m[3], m[4], m[5], m[6]);
  }

  const time = "(?:[ T,]+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?";
  // 26.11.2026 is day-first everywhere it is written.
  if ((m = text.match(new RegExp(`^(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})${time}$`)))) {
    return numbers(m[3], m[2], m[1], m[4], m[5], m[6]);
  }
  if ((m = text.match(new RegExp(`^(\\d{1,2})[/-](\\d{1,2})[/-](\\d{4})${time}$`)))) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    let dayFirst: boolean;
    if (a > 12 && b <= 12) dayFirst = true;
    else if (b > 12 && a <= 12) dayFirst = false;
    else if (a === b) dayFirst = true;
    else if (order) dayFirst = order === "DMY";
    else return { problem: `"${text}" is ambiguous (day/month order): configure the date order` };
    return dayFirst ? numbers(m[3], m[2], m[1], m[4], m[5], m[6]) : numbers(m[3], m[1], m[2], m[4], m[5], m[6]);
  }
  // 26 Nov 2026, 26. November 2026, Nov 26, 2026, November 26 2026
  if ((m = text.match(/^(\d{1,2})\.?\s+([\p{L}]+)\.?,?\s+(\d{4})$/u)) && MONTHS[m[2].toLowerCase()]) {
    return { year: Number(m[3]), month: MONTHS[m[2].toLowerCase()], day: Number(m[1]) };
  }
  if ((m = text.match(/^([\p{L}]+)\.?\s+(\d{1,2}),?\s+(\d{4})$/u)) && MONTHS[m[1].toLowerCase()]) {
    return { year: Number(m[3]), month: MONTHS[m[1].toLowerCase()], day: Number(m[2]) };
  }
  return { problem: `"${text}" is not a recognised date` };
}

function fromEpoch(value: number): DateParts | { problem: string } {
  if (!Number.isFinite(value)) return { problem: "not a finite number" };
  // Ten digits are seconds since 1970, thirteen are milliseconds.
  return fromDate(new Date(Math.abs(value) < 1e11 ? value * 1000 : value));
}

function numbers(...fields: Array<string | undefined>): DateParts {
  const [year, month, day, hour, minute, second] = fields.map((f) => (f === undefined ? undefined : Number(f)));
  return { year: year!, month: month!, day: day!, hour, minute, second };
}

function normalizeOffset(offset: string): string {
  if (/^z$/i.test(offset)) return "Z";
  return offset.includes(":") ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
}
