/*
 * Print channel: lays out a composed document as an A4 PDF with pdfkit, in DejaVu Sans embedded as a subset so that
 * Latin accents, Polish, Greek and Cyrillic all print (the standard PDF fonts only cover WinAnsi).
 */
import fs from "node:fs";
import path from "node:path";
import PDFDocument from "pdfkit";
import type { ComposedDocument, ComposedPart } from "./compose";

/** sim/exstream/engine → sim/exstream/assets/fonts, and the same from sim/dist/exstream/engine (copied by the build). */
export const FONT_DIR = path.join(__dirname, "..", "assets", "fonts");
const REGULAR_FONT_FILE = "DejaVuSans.ttf";
const BOLD_FONT_FILE = "DejaVuSans-Bold.ttf";

const PAGE_MARGIN_PT = 56;
const FOOTER_OFFSET_PT = 32;
const LETTERHEAD_BOX_PT: [number, number] = [180, 60];
const BODY_SIZE_PT = 10.5;
const TITLE_SIZE_PT = 16;
const HEADING_SIZE_PT = 12;
const DISCLAIMER_SIZE_PT = 8;
const FOOTER_SIZE_PT = 7.5;
const PARAGRAPH_GAP_PT = 8;
const MESSAGE_PADDING_PT = 6;

export interface PdfMeta {
  title: string;
  subject: string;
  /** Printed at the bottom of every page together with "Page n of m". */
  footer: string;
}

type FontSource = Buffer | ParsedFont;
interface ParsedFont {
  layout: (...args: unknown[]) => unknown;
  _glyphs: Record<number, unknown>;
}
let fonts: { regular: FontSource; bold: FontSource } | undefined;

/**
 * Reads the TTFs once. pdfkit accepts an already parsed font object (anything with `layout`), and reusing it keeps
 * fontkit's parsed tables and glyph cache across documents: ~2–6 ms per letter instead of ~25 ms. pdfkit has no public
 * accessor for that object, so it is taken from a probe document; if that ever changes we fall back to the bytes.
 * Sharing has one trap: fontkit caches each glyph object with the code points of its FIRST lookup, and pdfkit builds
 * the ToUnicode table from them. Subsetting looks up the components of accented glyphs (the "u" of "ü") without code
 * points, and layout gives a ligature glyph the code points of the letters it replaced — so a later document would map
 * such glyphs to no text (or to "ﬁ") and could not be searched. The glyph-object cache is therefore emptied before
 * every document (tables stay parsed); a document is laid out and subset synchronously, so no other render interleaves.
 */
function loadFonts(): { regular: FontSource; bold: FontSource } {
  if (fonts) return fonts;
  const read = (file: string): FontSource => {
    const fontPath = path.join(FONT_DIR, file);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(fontPath);
    } catch (err) {
      throw new Error(`document engine font missing: ${fontPath} (${(err as Error).message})`, { cause: err });
    }
    const probe = new PDFDocument({ autoFirstPage: false });
    probe.font(bytes);
    const parsed = (probe as unknown as { _font?: { font?: Partial<ParsedFont> } })._font?.font;
    return isParsedFont(parsed) ? parsed : bytes;
  };
  fonts = { regular: read(REGULAR_FONT_FILE), bold: read(BOLD_FONT_FILE) };
  return fonts;
}

function isParsedFont(font: Partial<ParsedFont> | undefined): font is ParsedFont {
  return typeof font?.layout === "function" && typeof font._glyphs === "object" && font._glyphs !== null;
}

function forgetGlyphs(font: FontSource): void {
  if (!Buffer.isBuffer(font)) font._glyphs = {};
}

export function renderPdf(doc: ComposedDocument, meta: PdfMeta): Promise<{ content: Buffer; pageCount: number }> {
  const { regular, bold } = loadFonts();
  forgetGlyphs(regular);
  forgetGlyphs(bold);
  const pdf = new PDFDocument({
    size: "A4",
    margin: PAGE_MARGIN_PT,
    bufferPages: true,
    lang: doc.language || undefined,
    displayTitle: true,
    info: {
      Title: meta.title,
      Subject: meta.subject,
      Author: "Exstream simulator",
      Creator: "ccm-bridge document engine",
    },
  } as PDFKit.PDFDocumentOptions);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on("data", (c: Buffer) => chunks.push(c));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
  });

  pdf.registerFont("body", regular as Buffer);
  pdf.registerFont("bold", bold as Buffer);
  const width = pdf.page.width - 2 * PAGE_MARGIN_PT;

  if (doc.letterhead) placeImage(pdf, doc.letterhead.data);
  let first = true;
  for (const part of doc.parts) {
    layoutPart(pdf, part, width, first);
    if (part.kind === "heading") first = false;
  }

  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    // Writing below the bottom margin would make pdfkit open a new page: lift the margin while printing the footer.
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    pdf
      .font("body")
      .fontSize(FOOTER_SIZE_PT)
      .fillColor("#666666")
      .text(`${meta.footer} · Page ${i + 1} of ${range.count}`, PAGE_MARGIN_PT, pdf.page.height - FOOTER_OFFSET_PT, {
        width,
        align: "center",
        lineBreak: false,
      });
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  return done.then((content) => ({ content, pageCount: range.count }));
}

function layoutPart(pdf: PDFKit.PDFDocument, part: ComposedPart, width: number, isTitle: boolean): void {
  const x = PAGE_MARGIN_PT;
  switch (part.kind) {
    case "heading":
      pdf
        .font("bold")
        .fontSize(isTitle ? TITLE_SIZE_PT : HEADING_SIZE_PT)
        .fillColor("#1a1a1a")
        .text(part.text, x, undefined, { width });
      break;
    case "text":
      pdf.font("body").fontSize(BODY_SIZE_PT).fillColor("#1a1a1a").text(part.text, x, undefined, { width });
      break;
    case "message": {
      pdf.font("body").fontSize(BODY_SIZE_PT);
      const inner = width - 2 * MESSAGE_PADDING_PT;
      const height = pdf.heightOfString(part.text, { width: inner }) + 2 * MESSAGE_PADDING_PT;
      if (pdf.y + height > pdf.page.height - pdf.page.margins.bottom && height < pdf.page.height / 2) pdf.addPage();
      const top = pdf.y;
      pdf.rect(x, top, width, height).fill("#eef2f8");
      pdf.fillColor("#1a1a1a").text(part.text, x + MESSAGE_PADDING_PT, top + MESSAGE_PADDING_PT, { width: inner });
      pdf.y = Math.max(pdf.y, top + height);
      break;
    }
    case "disclaimer":
      pdf
        .moveTo(x, pdf.y)
        .lineTo(x + width, pdf.y)
        .lineWidth(0.5)
        .stroke("#999999");
      pdf.moveDown(0.3);
      pdf.font("body").fontSize(DISCLAIMER_SIZE_PT).fillColor("#555555").text(part.text, x, undefined, { width });
      break;
    case "image":
      placeImage(pdf, part.data);
      break;
  }
  pdf.y += PARAGRAPH_GAP_PT;
}

function placeImage(pdf: PDFKit.PDFDocument, data: Buffer): void {
  const [boxW, boxH] = LETTERHEAD_BOX_PT;
  if (pdf.y + boxH > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
  const top = pdf.y;
  pdf.image(data, PAGE_MARGIN_PT, top, { fit: [boxW, boxH] });
  pdf.y = top + boxH + PARAGRAPH_GAP_PT;
}
