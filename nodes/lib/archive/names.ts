import path from "node:path";
import { MAX_NAME_LENGTH, withoutFormatCharacters } from "../content-server/nodes";

/** How a node name is made acceptable to Content Server (and to the file systems documents are exported to). */
export interface NameRules {
  /** Characters replaced by `replacement`; CS itself refuses `:` in names. */
  forbiddenCharacters: string;
  replacement: string;
  maxLength: number;
}

export const DEFAULT_NAME_RULES: NameRules = {
  forbiddenCharacters: ':/\\*?"<>|',
  replacement: "_",
  maxLength: MAX_NAME_LENGTH,
};

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** Raised when a template refers to a value the message does not have. */
export class NameTemplateError extends Error {
  override name = "NameTemplateError";
  readonly permanent = true;
}

/**
 * Fills `{{msg.path}}` placeholders from the message (the one syntax the dialogs show; the `msg.` prefix is optional,
 * so templates saved without it keep working). A path that the message lacks is also looked up below
 * `msg.document` (so `{{keys.AccountNumber}}` and `{{document.keys.AccountNumber}}` both work). Built-ins:
 * `{{date}}` (YYYY-MM-DD), `{{time}}` (HHmmss), `{{datetime}}` (YYYYMMDD-HHmmss), all in local time of `now`.
 * A missing or empty value is an error: a name with a hole in it would archive under the wrong name.
 */
export function renderNameTemplate(template: string, msg: Record<string, unknown>, now = new Date()): string {
  const builtIns = timeTokens(now);
  const missing: string[] = [];
  const rendered = template.replace(PLACEHOLDER, (_whole, expression: string) => {
    const name = expression.trim().replace(/^msg\./, "");
    const value = name in builtIns ? builtIns[name] : (valueAt(msg, name) ?? valueAt(asRecord(msg.document), name));
    if (value === undefined || value === null || value === "" || typeof value === "object") {
      missing.push(expression.trim());
      return "";
    }
    return String(value);
  });
  if (missing.length) {
    throw new NameTemplateError(`name template: no value for ${missing.map((m) => `{{${m}}}`).join(", ")}`);
  }
  return rendered;
}

/**
 * Applies CS's naming rules: invisible format characters (bidi overrides, zero-width) removed, forbidden and control characters replaced, white
 * space collapsed, no leading or trailing spaces, no trailing dots, at most `maxLength` characters (the extension is
 * kept when shortening). Returns "" when nothing usable is left.
 */
export function cleanNodeName(name: string, rules: NameRules = DEFAULT_NAME_RULES): string {
  const forbidden = new Set([...rules.forbiddenCharacters]);
  // Line breaks and tabs are white space to a reader, other control characters are replaced.
  let cleaned = [...withoutFormatCharacters(name).replace(/[\t\n\r\v\f]/g, " ")]
    .map((ch) => (forbidden.has(ch) || isControl(ch) ? rules.replacement : ch))
    .join("")
    .replace(/\s+/g, " ");
  cleaned = stripEnds(cleaned);
  const chars = [...cleaned];
  if (chars.length > rules.maxLength) {
    const ext = path.extname(cleaned);
    const keepExt = ext.length > 1 && ext.length <= 16 && ext.length < rules.maxLength;
    const base = keepExt ? [...cleaned.slice(0, -ext.length)] : chars;
    const room = rules.maxLength - (keepExt ? [...ext].length : 0);
    cleaned = stripEnds(base.slice(0, room).join("")) + (keepExt ? ext : "");
  }
  return cleaned;
}

/** `name (n).ext` — the name CS users expect for "keep both". */
export function numberedName(name: string, n: number, rules: NameRules = DEFAULT_NAME_RULES): string {
  const ext = path.extname(name);
  const base = ext && ext !== name ? name.slice(0, -ext.length) : name;
  const suffix = ` (${n})`;
  const room = rules.maxLength - [...suffix].length - [...ext].length;
  return `${stripEnds([...base].slice(0, Math.max(1, room)).join(""))}${suffix}${ext}`;
}

/**
 * The name of a related rendition stored beside the primary: the primary's base name, the rendition's label
 * (channel, queue or position) and the rendition's own extension — `ACC1_Invoice_2026-01-01_email.html`.
 */
export function relatedName(primaryName: string, label: string, sourceName: string): string {
  const primaryExt = path.extname(primaryName);
  const base = primaryExt && primaryExt !== primaryName ? primaryName.slice(0, -primaryExt.length) : primaryName;
  return `${base}_${label}${path.extname(sourceName)}`;
}

function stripEnds(text: string): string {
  return text.replace(/^\s+/, "").replace(/[\s.]+$/, "");
}

function isControl(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code < 0xa0);
}

function timeTokens(now: Date): Record<string, string> {
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return { date, time, datetime: `${date.replace(/-/g, "")}-${time}` };
}

function valueAt(root: unknown, dotted: string): unknown {
  let current: unknown = root;
  for (const segment of dotted.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
