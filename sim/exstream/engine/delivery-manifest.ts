/*
 * `_STDDELIVERYFILE.xml`, the engine's output manifest, with the real product's element and attribute names:
 *   <outputList transactions customersProcessed pagesProcessed>
 *     <queue mimeType pdl name> <file name="ABSOLUTE path"> <customer number> <key name>…</key>… </customer>
 *                                 <pageCount/> <fileSize/> </file> </queue>
 *     <queue …> <reportFile dataFile mimeType name reportType> <customer number> <key …/> </customer> </reportFile> </queue>
 * Encoded UTF-16 little-endian with a BOM and an `encoding="UTF-16"` prolog, as the real engine writes it. Attributes
 * are in the real sample's (alphabetical) order. Produced as a sequence of string chunks so a manifest of 100,000
 * customers is never one giant string.
 */
import { escapeXml } from "./xml-text";

export const MANIFEST_FILE_NAME = "_STDDELIVERYFILE.xml";
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);

export interface ManifestCustomer {
  number: number;
  keys: Record<string, string>;
}

export interface ManifestFile {
  /** Absolute path, as the real engine writes it. */
  name: string;
  customers: ManifestCustomer[];
  pageCount: number;
  fileSize: number;
}

export interface ManifestQueue {
  name: string;
  mimeType: string;
  pdl: string;
  files: ManifestFile[];
}

export interface ManifestReport {
  /** Name of the queue element holding the report (the report name). */
  queueName: string;
  /** Absolute path of the report file. */
  name: string;
  dataFile: string;
  mimeType: string;
  reportType: string;
  customers: ManifestCustomer[];
}

export interface DeliveryManifest {
  transactions: number;
  customersProcessed: number;
  pagesProcessed: number;
  queues: ManifestQueue[];
  reports: ManifestReport[];
}

/** The manifest as XML text chunks: prolog, then one chunk per file element, then the closing tag. */
export function* manifestXmlChunks(m: DeliveryManifest): Generator<string> {
  yield (
    '<?xml version="1.0" encoding="UTF-16" standalone="no" ?>\n<!DOCTYPE outputList>\n' +
    `<outputList transactions="${m.transactions}" customersProcessed="${m.customersProcessed}" pagesProcessed="${m.pagesProcessed}">\n`
  );
  for (const q of m.queues) {
    yield `  <queue mimeType="${escapeXml(q.mimeType)}" pdl="${escapeXml(q.pdl)}" name="${escapeXml(q.name)}">\n`;
    for (const f of q.files) {
      yield (
        `    <file name="${escapeXml(f.name)}">\n` +
        f.customers.map((c) => customerXml(c, "      ")).join("") +
        `      <pageCount>${f.pageCount}</pageCount>\n      <fileSize>${f.fileSize}</fileSize>\n    </file>\n`
      );
    }
    yield "  </queue>\n";
  }
  for (const r of m.reports) {
    yield (
      `  <queue mimeType="${escapeXml(r.mimeType)}" pdl="XML" name="${escapeXml(r.queueName)}">\n` +
      `    <reportFile dataFile="${escapeXml(r.dataFile)}" mimeType="${escapeXml(r.mimeType)}" name="${escapeXml(r.name)}" reportType="${escapeXml(r.reportType)}">\n`
    );
    for (const c of r.customers) yield customerXml(c, "      ");
    yield "    </reportFile>\n  </queue>\n";
  }
  yield "</outputList>\n";
}

function customerXml(c: ManifestCustomer, indent: string): string {
  let xml = `${indent}<customer number="${c.number}">\n`;
  for (const [name, value] of Object.entries(c.keys)) {
    xml += `${indent}  <key name="${escapeXml(name)}">${escapeXml(value)}</key>\n`;
  }
  return xml + `${indent}</customer>\n`;
}

/** UTF-16LE bytes of the manifest chunks, the first one preceded by the BOM. */
export function* manifestBytes(m: DeliveryManifest): Generator<Buffer> {
  yield UTF16LE_BOM;
  for (const chunk of manifestXmlChunks(m)) yield Buffer.from(chunk, "utf16le");
}
