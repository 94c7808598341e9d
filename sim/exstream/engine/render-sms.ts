/*
 * SMS channel: plain text of at most SMS_MAX_CHARS characters (three concatenated GSM segments). Disclaimers are
 * appended only while they fit; the body is cut at a word boundary with an ellipsis when it alone is too long.
 */
import type { ComposedDocument } from "./compose";

export const SMS_MAX_CHARS = 480;
const ELLIPSIS = "…";

export function renderSms(doc: ComposedDocument): Buffer {
  const body: string[] = [];
  const disclaimers: string[] = [];
  for (const part of doc.parts) {
    if (part.kind === "image") continue;
    const text = part.text.replace(/\s+/g, " ").trim();
    if (text === "") continue;
    (part.kind === "disclaimer" ? disclaimers : body).push(text);
  }
  let text = truncate(body.join("\n"), SMS_MAX_CHARS);
  for (const d of disclaimers) {
    if (length(text) + 1 + length(d) <= SMS_MAX_CHARS) text = text === "" ? d : `${text}\n${d}`;
  }
  return Buffer.from(text, "utf8");
}

/** Characters as a phone counts them (code points, so an emoji or a CJK character counts once). */
function length(text: string): number {
  return [...text].length;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join("");
  const atWord = cut.replace(/\s+\S*$/, "");
  return (atWord.length > max / 2 ? atWord : cut).trimEnd() + ELLIPSIS;
}
