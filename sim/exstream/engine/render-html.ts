/*
 * Email channel: one self-contained HTML e-mail (inline styles, images as data: URIs, no external references), every
 * piece of driver data and content escaped.
 */
import type { ComposedDocument, ComposedPart } from "./compose";
import { escapeXml } from "./xml-text";

export interface HtmlMeta {
  title: string;
  /** Written as <meta> tags so a reader of the archived e-mail can tell which communication and variant it is. */
  communication: string;
  variant: string;
}

const FONT_STACK = "'DejaVu Sans', Arial, Helvetica, sans-serif";
const STYLES = {
  body: `margin:0;padding:0;background:#f4f5f7;font-family:${FONT_STACK};color:#1a1a1a;`,
  card: "max-width:600px;margin:0 auto;background:#ffffff;padding:24px 28px;",
  title: "font-size:20px;margin:0 0 16px 0;",
  heading: "font-size:16px;margin:20px 0 8px 0;",
  text: "font-size:14px;line-height:1.5;margin:0 0 12px 0;",
  message:
    "font-size:14px;line-height:1.5;margin:0 0 12px 0;padding:10px 12px;background:#eef2f8;border-left:3px solid #3b6db3;",
  disclaimer:
    "font-size:11px;line-height:1.4;color:#555555;margin:16px 0 0 0;padding-top:8px;border-top:1px solid #cccccc;",
  image: "display:block;max-width:180px;height:auto;margin:0 0 16px 0;border:0;",
};

export function renderHtml(doc: ComposedDocument, meta: HtmlMeta): Buffer {
  const out: string[] = [
    "<!DOCTYPE html>",
    `<html lang="${escapeXml(doc.language || "en")}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="x-communication" content="${escapeXml(meta.communication)}">`,
    `<meta name="x-variant" content="${escapeXml(meta.variant)}">`,
    `<title>${escapeXml(meta.title)}</title>`,
    "</head>",
    `<body style="${STYLES.body}">`,
    `<div style="${STYLES.card}">`,
  ];
  if (doc.letterhead) out.push(imageTag(doc.letterhead));
  let first = true;
  for (const part of doc.parts) {
    out.push(partHtml(part, first));
    if (part.kind === "heading") first = false;
  }
  out.push("</div>", "</body>", "</html>", "");
  return Buffer.from(out.join("\n"), "utf8");
}

function partHtml(part: ComposedPart, isTitle: boolean): string {
  switch (part.kind) {
    case "heading":
      return isTitle
        ? `<h1 style="${STYLES.title}">${escapeXml(part.text)}</h1>`
        : `<h2 style="${STYLES.heading}">${escapeXml(part.text)}</h2>`;
    case "text":
      return `<p style="${STYLES.text}">${lines(part.text)}</p>`;
    case "message":
      return `<p style="${STYLES.message}">${lines(part.text)}</p>`;
    case "disclaimer":
      return `<p style="${STYLES.disclaimer}">${lines(part.text)}</p>`;
    case "image":
      return imageTag(part);
  }
}

function imageTag(part: Extract<ComposedPart, { kind: "image" }>): string {
  return `<img src="data:${part.mimeType};base64,${part.data.toString("base64")}" alt="${escapeXml(part.blockName)}" style="${STYLES.image}">`;
}

function lines(text: string): string {
  return text.split("\n").map(escapeXml).join("<br>");
}
