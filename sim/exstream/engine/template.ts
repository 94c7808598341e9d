/*
 * Communication templates: plain text with {{FieldName}} placeholders (driver data) and {{block:<Block Name>}}
 * references (content blocks). A template is split into paragraphs at blank lines; a paragraph that is nothing but a
 * block reference becomes that block (message, disclaimer, image); a reference inside running text is replaced by the
 * block's text. A line starting with "# " is a heading.
 */

export type TemplateParagraph =
  { kind: "heading"; text: string } | { kind: "text"; text: string } | { kind: "block"; blockName: string };

const BLOCK_ONLY = /^\{\{\s*block:([^}]+?)\s*\}\}$/;
const BLOCK_REF = /\{\{\s*block:([^}]+?)\s*\}\}/g;
const FIELD_REF = /\{\{\s*([^}:]+?)\s*\}\}/g;

/** Splits a template into paragraphs; block references inside running text stay in the text for `fillBlocks`. */
export function parseTemplate(template: string): TemplateParagraph[] {
  const paragraphs: TemplateParagraph[] = [];
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) paragraphs.push({ kind: "text", text: lines.join("\n") });
    lines = [];
  };
  for (const raw of template.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    const blockOnly = BLOCK_ONLY.exec(line);
    if (line === "") flush();
    else if (line.startsWith("# ")) {
      flush();
      paragraphs.push({ kind: "heading", text: line.slice(2).trim() });
    } else if (blockOnly) {
      flush();
      paragraphs.push({ kind: "block", blockName: blockOnly[1] });
    } else lines.push(line);
  }
  flush();
  return paragraphs;
}

/** Every block name the template refers to, in order of first use. */
export function referencedBlockNames(paragraphs: TemplateParagraph[]): string[] {
  const names = new Set<string>();
  for (const p of paragraphs) {
    if (p.kind === "block") names.add(p.blockName);
    else for (const m of p.text.matchAll(BLOCK_REF)) names.add(m[1]);
  }
  return [...names];
}

/** Replaces {{block:Name}} inside running text with the block text given by `textOf` ("" when unknown). */
export function fillBlocks(text: string, textOf: (blockName: string) => string): string {
  return text.replace(BLOCK_REF, (_m, name: string) => textOf(name));
}

/** Replaces {{Field}} / {{Nested.Field}} with the customer's value; unknown fields become "". */
export function fillFields(text: string, customer: Record<string, unknown>): string {
  return text.replace(FIELD_REF, (_m, path: string) => formatValue(lookupField(customer, path)));
}

/**
 * Finds a driver field: exact name first, then case-insensitively, then as a dotted path through nested objects
 * (XML driver data keeps its nesting, see driver-data.ts).
 */
export function lookupField(record: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(record, path)) return record[path];
  const direct = findKey(record, path);
  if (direct !== undefined) return record[direct];
  if (!path.includes(".")) return undefined;
  let current: unknown = record;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    const obj = current as Record<string, unknown>;
    const key = findKey(obj, part);
    if (key === undefined) return undefined;
    current = obj[key];
  }
  return current;
}

function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (typeof value === "object" && "#text" in value) return formatValue((value as Record<string, unknown>)["#text"]);
  return JSON.stringify(value);
}
