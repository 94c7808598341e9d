import { setMostRecent } from "../bounded-map";
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

/** How values are read: the day/month order of `03/04/2026`, and the zone instants are written in. */
export interface DateOptions {
  order?: DateOrder;
  /**
   * IANA zone (`Europe/Berlin`, `UTC`) in which an instant — a Date, epoch milliseconds/seconds, or text with `Z` or
   * an offset — is written as Content Server's zone-less date-time; default: the Node-RED host's zone.
   */
  timeZone?: string;
}

/**
 * Parses the date notations that turn up in driver data, manifests and workflow forms and writes them the way
 * Content Server stores dates, `YYYY-MM-DDTHH:mm:ss` without a zone (`2026-11-26T00:00:00`). A calendar date or a
 * local date-time is taken as written, whatever the host's zone, so a date keeps its day. An instant is written as
 * the wall-clock time in `timeZone`. Returns an explanation instead of a value when the input is not a date or is
 * ambiguous (03/04/2026 without a configured day/month order).
 */
export function toContentServerDate(
  input: unknown,
  options: DateOptions = {},
): { value: string } | { problem: string } {
  const parts = parse(input, options);
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

/** A problem with the zone name, or undefined when `timeZone` is blank or a zone this runtime knows. */
export function timeZoneProblem(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return undefined;
  } catch {
    return `unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin or UTC)`;
  }
}

/**
 * The wall-clock parts of an instant in a zone. JavaScript and JSONata read date-only text ("2026-11-26") as
 * midnight UTC, so an instant at exactly midnight UTC is taken as that calendar date, not shifted into the zone
 * (which would move it to the previous day west of UTC).
 */
/** Formatters per zone: building one costs far more than using it (a mapped message converts several dates). */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let format = wallClockFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    wallClockFormats.set(key, format);
  }
  return format;
}

/**
 * Wall-clock parts of recent instants per zone: formatToParts costs tens of microseconds, and the documents of one run
 * carry the same run date.
 */
const recentWallClocks = new Map<string, DateParts>();
const RECENT_WALL_CLOCKS = 64;

function fromInstant(date: Date, timeZone: string | undefined): DateParts {
  const ms = date.getTime();
  if (ms % 86_400_000 === 0) {
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  }
  const key = `${timeZone ?? ""}|${ms}`;
  const known = recentWallClocks.get(key);
  if (known) return { ...known };
  const fields = wallClockFormat(timeZone).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(fields.find((f) => f.type === type)?.value);
  const parts = {
    year: part("year"),
    month: part("month"),
    day: part("day"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second"),
  };
  setMostRecent(recentWallClocks, key, parts, RECENT_WALL_CLOCKS);
  return { ...parts };
}

function parse(input: unknown, options: DateOptions): DateParts | { problem: string } {
  const { order, timeZone } = options;
  if (input instanceof Date) {
    return Number.isNaN(input.getTime()) ? { problem: "invalid Date object" } : fromInstant(input, timeZone);
  }
  if (typeof input === "number") return fromEpoch(input, timeZone);
  if (typeof input !== "string") return { problem: `expected a date, got ${typeof input}` };
  const text = input.trim();
  let m: RegExpMatchArray | null;

  if (/^\d{10}$|^\d{13}$/.test(text)) return fromEpoch(Number(text), timeZone);
  if ((m = text.match(/^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/)))
    return numbers(m[1], m[2], m[3], m[4], m[5], m[6]);

  m = text.match(/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i);
  if (m) {
    if (m[7]) {
      const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}${normalizeOffset(m[7])}`);
      return Number.isNaN(date.getTime()) ? { problem: `"${text}" is not a valid date` } : fromInstant(date, timeZone);
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

function fromEpoch(value: number, timeZone: string | undefined): DateParts | { problem: string } {
  if (!Number.isFinite(value)) return { problem: "not a finite number" };
  // Ten digits are seconds since 1970, thirteen are milliseconds.
  return fromInstant(new Date(Math.abs(value) < 1e11 ? value * 1000 : value), timeZone);
}

function numbers(...fields: Array<string | undefined>): DateParts {
  const [year, month, day, hour, minute, second] = fields.map((f) => (f === undefined ? undefined : Number(f)));
  return { year: year!, month: month!, day: day!, hour, minute, second };
}

function normalizeOffset(offset: string): string {
  if (/^z$/i.test(offset)) return "Z";
  return offset.includes(":") ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
}
