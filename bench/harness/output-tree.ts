/**
 * Exstream output trees for the benchmarks of data flow 1 and the output watch: runs of single-file communications
 * (one file per customer in one print queue), the files written first and the UTF-16 `_STDDELIVERYFILE.xml` last,
 * as the engine does it. The manifest is the hand-made one of the tests (test/helpers/output-tree.ts).
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { outputDirOf, writeHandMadeRun, type HandMadeRun } from "../../test/helpers/output-tree";

export const QUEUE = "Print";
/** Where writeHandMadeRun expects the files of the first (only) queue, below the run's output folder. */
const QUEUE_FOLDER = `Queue_1_${QUEUE}`;

export interface SingleFileRun {
  root: string;
  jobId: string;
  /** Customer numbers firstCustomer … firstCustomer + customers − 1. */
  firstCustomer: number;
  customers: number;
  fileBytes: number;
}

/** The manifest keys of one customer (what metadata-map of example 01 maps). */
export function customerKeys(customer: number, jobId: string): Record<string, string> {
  return {
    CustomerId: `C-${customer}`,
    AccountNumber: `ACC-${customer}`,
    DocumentType: "Statement",
    Language: "en",
    Jurisdiction: "US",
    Segment: "retail",
    Product: "Checking",
    Variant: "standard",
    CommunicationId: "MonthlyStatement",
    CommunicationVersion: "1",
    ContentVersions: "v1;v2",
    TotalPagesInDocument: "2",
    JobRef: jobId,
  };
}

/** A PDF-like file of `bytes` bytes: a PDF header, then random bytes (nothing compressible, every file different). */
function pdfLike(bytes: number): Buffer {
  const header = Buffer.from("%PDF-1.4\n%bench\n");
  return Buffer.concat([header, randomBytes(Math.max(0, bytes - header.length))]);
}

/** Writes the run's files (a few at a time), then its manifest; returns the manifest path. */
export async function writeSingleFileRun(run: SingleFileRun, options: { manifest?: boolean } = {}): Promise<string> {
  const handMade: HandMadeRun = { root: run.root, jobId: run.jobId, files: [] };
  const queueDir = path.join(outputDirOf(handMade), QUEUE_FOLDER);
  await fsp.mkdir(queueDir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < run.customers; i++) names.push(`${run.jobId}-${run.firstCustomer + i}.pdf`);
  const WRITERS = 16;
  for (let start = 0; start < names.length; start += WRITERS) {
    await Promise.all(
      names
        .slice(start, start + WRITERS)
        .map((name) => fsp.writeFile(path.join(queueDir, name), pdfLike(run.fileBytes))),
    );
  }
  handMade.files = names.map((name, i) => ({
    queue: QUEUE,
    mimeType: "application/pdf",
    pdl: "PDF",
    name,
    customers: [{ number: String(run.firstCustomer + i), keys: customerKeys(run.firstCustomer + i, run.jobId) }],
  }));
  return writeHandMadeRun(handMade, options);
}

/** The manifest path a run gets (whether or not it has been written yet). */
export function manifestPathOf(root: string, jobId: string): string {
  return path.join(outputDirOf({ root, jobId, files: [] }), "_STDDELIVERYFILE.xml");
}
