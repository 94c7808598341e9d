/* Shared test data for the document engine: a communication with variants, customers in several languages, a PNG. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { EngineBlock, EngineCommunication } from "../../../sim/exstream/engine";

export const STATEMENT: EngineCommunication = {
  id: "comm-statement",
  name: "Monthly Statement",
  version: 3,
  documentType: "STMT",
  template: [
    "# Statement for {{FirstName}} {{LastName}}",
    "",
    "{{block:Greeting}}",
    "",
    "Account {{AccountNumber}}, balance {{Balance}} {{Currency}}.",
    "City: {{Address.City}}",
    "",
    "{{block:Offer}}",
    "",
    "{{block:Legal}}",
  ].join("\n"),
  queues: [
    { name: "Print_PDF", channel: "print" },
    { name: "Email_HTML", channel: "email" },
    { name: "SMS_Text", channel: "sms" },
  ],
  reportName: "Delivery_Log",
};

function block(
  id: string,
  name: string,
  type: EngineBlock["type"],
  text: string | Buffer,
  rules?: EngineBlock["rules"],
  version = 1,
): EngineBlock {
  return {
    id,
    name,
    version,
    type,
    content: Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8"),
    ...(rules ? { rules } : {}),
  };
}

export const BLOCKS: EngineBlock[] = [
  block("greet-default", "Greeting", "message", "Dear customer,"),
  block("greet-de", "Greeting", "message", "Sehr geehrte Kundin, sehr geehrter Kunde — äöü ß €", { language: "de" }, 2),
  block("greet-pl", "Greeting", "message", "Szanowni Państwo z Łodzi (Łódź)", { language: "pl" }),
  block("greet-el", "Greeting", "message", "Αγαπητέ πελάτη — Ελληνικά", { language: "el" }),
  block("greet-ru", "Greeting", "message", "Привет, {{FirstName}}!", { language: "ru" }),
  block("offer-any", "Offer", "message", "Ask us about our savings plans.", { segment: "*" }),
  block("offer-retail-at", "Offer", "message", "Retail offer for Austria.", { segment: "retail", jurisdiction: "AT" }),
  block("legal-default", "Legal", "disclaimer", "Standard legal notice."),
  block(
    "legal-at",
    "Legal",
    "disclaimer",
    "Rechtlicher Hinweis gemäß österreichischem Recht.",
    { jurisdiction: "AT" },
    4,
  ),
  block(
    "legal-de-at",
    "Legal",
    "disclaimer",
    "Hinweis für deutschsprachige Kunden in Österreich.",
    { jurisdiction: "AT", language: "de" },
    1,
  ),
  block("logo", "Brand Logo", "image", tinyPng()),
];

export const CUSTOMERS: Record<string, unknown>[] = [
  {
    AccountNumber: "ACC001",
    CustomerId: "C-1",
    FirstName: "Anna",
    LastName: "Müller",
    Language: "de",
    Jurisdiction: "AT",
    Segment: "retail",
    Product: "giro",
    Balance: 120.5,
    Currency: "EUR",
    EmailAddress: "anna@example.test",
    PhoneNumber: "+43123456",
    Address: { City: "Wien" },
  },
  {
    AccountNumber: "ACC002",
    CustomerId: "C-2",
    FirstName: "Łukasz",
    LastName: "Żółć",
    Language: "pl",
    Jurisdiction: "PL",
    Segment: "retail",
    Balance: 10,
    Currency: "PLN",
    EmailAddress: "l@example.test",
    Address: { City: "Łódź" },
  },
  {
    AccountNumber: "ACC003",
    CustomerId: "C-3",
    FirstName: "Νίκος",
    LastName: "Παππάς",
    Language: "el",
    Jurisdiction: "GR",
    Segment: "private",
    Balance: 7,
    Currency: "EUR",
    Address: { City: "Αθήνα" },
  },
  {
    AccountNumber: "ACC004",
    CustomerId: "C-4",
    FirstName: "Иван",
    LastName: "Петров",
    Language: "ru",
    Jurisdiction: "LV",
    Balance: 1,
    Currency: "EUR",
    PhoneNumber: "+371000",
    Address: { City: "Rīga" },
  },
];

/** A real 8×8 PNG (solid colour) built with zlib, so pdfkit and browsers can decode it. */
export function tinyPng(): Buffer {
  const width = 8;
  const height = 8;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) raw.set([0x3b, 0x6d, 0xb3], y * (width * 3 + 1) + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib.deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** The text poppler extracts from a PDF (UTF-8). */
export function pdfText(pdf: Buffer): string {
  const dir = tempDir("engine-pdf");
  try {
    const file = path.join(dir, "doc.pdf");
    fs.writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Page count as poppler reads it. */
export function pdfPages(pdf: Buffer): number {
  const dir = tempDir("engine-pdf");
  try {
    const file = path.join(dir, "doc.pdf");
    fs.writeFileSync(file, pdf);
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
