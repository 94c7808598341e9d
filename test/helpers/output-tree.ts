/*
 * Hand-made Exstream output trees for edge cases the simulator never produces (escaping paths, broken manifests).
 * Paths inside the manifest are written as the ENGINE sees them (`/mnt/nfs/<tenant>/…`), not where the test put them.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";

export interface HandMadeFile {
  queue: string;
  mimeType: string;
  pdl: string;
  /** Name as written into file@name; relative names get the engine prefix + the queue folder. */
  name: string;
  /** Content to write at the local place (omit to not create the file). */
  content?: string;
  customers: Array<{ number: string; keys: Record<string, string> }>;
}

export interface HandMadeRun {
  root: string;
  tenant?: string;
  domain?: string;
  jobId: string;
  flowInstanceId?: string;
  runId?: string;
  files: HandMadeFile[];
  report?: { name: string; dataFile: string; content: string; customers: string[] };
}

export const ENGINE_ROOT = "/mnt/nfs";

/** A print PDF of one customer (keyed by AccountNumber ACC-<customer>); without content the file is not created. */
export function customerPdf(name: string, customer: string, content?: string): HandMadeFile {
  return {
    queue: "Print_PDF",
    mimeType: "application/pdf",
    pdl: "PDF",
    name,
    content,
    customers: [{ number: customer, keys: { AccountNumber: `ACC-${customer}` } }],
  };
}

export function outputDirOf(run: HandMadeRun): string {
  return path.join(run.root, ...runSegments(run), "output");
}

function runSegments(run: HandMadeRun): string[] {
  return [
    run.tenant ?? "t1",
    run.domain ?? "Demo",
    "jobs",
    run.jobId,
    run.flowInstanceId ?? "fi-1",
    "docgen",
    run.runId ?? "run-1",
  ];
}

export function engineOutputDir(run: HandMadeRun): string {
  return [ENGINE_ROOT, ...runSegments(run), "output"].join("/");
}

/** Writes the files, then the UTF-16 manifest (last, like the engine). Returns the manifest path. */
export async function writeHandMadeRun(run: HandMadeRun, options: { manifest?: boolean } = {}): Promise<string> {
  const outputDir = outputDirOf(run);
  await fsp.mkdir(outputDir, { recursive: true });
  const queues = new Map<string, HandMadeFile[]>();
  for (const file of run.files) {
    if (!queues.has(file.queue)) queues.set(file.queue, []);
    queues.get(file.queue)!.push(file);
    if (file.content !== undefined) {
      const local = path.join(outputDir, queueFolder(run, file.queue), path.basename(file.name));
      await fsp.mkdir(path.dirname(local), { recursive: true });
      await fsp.writeFile(local, file.content);
    }
  }
  let xml = `<?xml version="1.0" encoding="UTF-16" standalone="no" ?>\n<!DOCTYPE outputList>\n`;
  const customers = new Set(run.files.flatMap((f) => f.customers.map((c) => c.number)));
  xml += `<outputList transactions="0" customersProcessed="${customers.size}" pagesProcessed="${customers.size}">\n`;
  for (const [queue, files] of queues) {
    const first = files[0];
    xml += `  <queue mimeType="${first.mimeType}" pdl="${first.pdl}" name="${queue}">\n`;
    for (const file of files) {
      const name = file.name.includes("/")
        ? file.name
        : `${engineOutputDir(run)}/${queueFolder(run, queue)}/${file.name}`;
      xml += `    <file name="${escape(name)}">\n`;
      for (const c of file.customers) {
        xml += `      <customer number="${c.number}">\n`;
        for (const [k, v] of Object.entries(c.keys)) xml += `        <key name="${k}">${escape(v)}</key>\n`;
        xml += `      </customer>\n`;
      }
      xml += `      <pageCount>1</pageCount>\n      <fileSize>${file.content?.length ?? 0}</fileSize>\n    </file>\n`;
    }
    xml += `  </queue>\n`;
  }
  if (run.report) {
    const folder = `Report_9_${run.report.dataFile}`;
    await fsp.mkdir(path.join(outputDir, folder), { recursive: true });
    await fsp.writeFile(path.join(outputDir, folder, run.report.name), run.report.content);
    xml += `  <queue mimeType="application/pdf" pdl="PDF" name="${run.report.dataFile}">\n`;
    xml += `    <reportFile dataFile="${run.report.dataFile}" mimeType="text/xml" name="${engineOutputDir(run)}/${folder}/${run.report.name}" reportType="report">\n`;
    for (const n of run.report.customers) xml += `      <customer number="${n}"></customer>\n`;
    xml += `    </reportFile>\n  </queue>\n`;
  }
  xml += `</outputList>\n`;
  const manifestPath = path.join(outputDir, "_STDDELIVERYFILE.xml");
  if (options.manifest !== false) await fsp.writeFile(manifestPath, utf16(xml));
  return manifestPath;
}

export function utf16(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
}

function queueFolder(run: HandMadeRun, queue: string): string {
  const index = [...new Set(run.files.map((f) => f.queue))].indexOf(queue) + 1;
  return `Queue_${index}_${queue}`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
}
