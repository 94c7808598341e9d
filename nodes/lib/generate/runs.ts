/** The two ways a communication is generated (on demand, batch), composed from the Exstream client (lib/exstream). */
import { randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { sha256OfBuffer, sha256OfFile } from "../checksum";
import { makePrivateDir, PRIVATE_FILE_MODE } from "../reliability/private-files";
import {
  ExstreamError,
  channelOf,
  encodeDriver,
  fileNameWithExtension,
  findOnDemandManifest,
  forEachJobCommunication,
  generateOnce,
  primaryIndex,
  safeJoin,
  toCommunicationDocument,
  type CommunicationDocument,
  type DeliveryLogExcerpt,
  type RenditionFile,
  type DriverData,
  type ExstreamClient,
  type LocalCustomerCommunication,
  type OnDemandManifest,
} from "../exstream";
import { sameRendition } from "../exstream/job-outputs";
import { CustomerLogExtracts } from "../watch/delivery-log";
import type { OutputEntry, RunOptions } from "./types";

export interface OnDemandTarget {
  communicationId: string;
  driverDataSource: string;
}

export interface OnDemandRun {
  outputs: OutputEntry[];
  primary: OutputEntry;
  document: CommunicationDocument;
  jobId?: string;
  flowInstanceId?: string;
  /** Why manifest keys could not be read (the run itself succeeded). */
  keysProblem?: string;
}

/**
 * `generate` (looked up, never resent blindly, when it ends without an answer), then (option "read manifest keys") the
 * ONDEMAND job it produced and that job's delivery file; renditions above the payload limit (or all, storage "files")
 * are written to the output folder.
 */
export async function runOnDemand(
  client: ExstreamClient,
  target: OnDemandTarget,
  driver: DriverData,
  options: RunOptions,
): Promise<OnDemandRun> {
  const runName = randomUUID();
  // Encoded once, so the bytes sent are the bytes a lookup compares with the job's input.
  const { body, contentType } = encodeDriver(driver, options.contentType);
  const sent = await generateOnce(
    client,
    {
      communicationId: target.communicationId,
      driverDataSource: target.driverDataSource,
      driver: body,
      contentType,
      timeoutMs: options.timeoutMs,
    },
    { tmpDir: options.outputDir, jobTimeoutMs: options.jobTimeoutMs },
  );
  const result = sent.result;
  if (result.outputs.length === 0) {
    throw new ExstreamError({ operation: "generate", serverMessage: "the response contains no output" });
  }

  let manifest: OnDemandManifest | undefined = sent.manifest;
  let keysProblem: string | undefined;
  if (options.readKeys && !manifest) {
    try {
      manifest = await findOnDemandManifest(client, result.outputs, {
        ...sent.call,
        input: body,
        tmpDir: options.outputDir,
      });
      if (!manifest) keysProblem = "no ONDEMAND job with this input or these outputs was found";
    } catch (err) {
      keysProblem = (err as Error).message;
    }
  }

  const runDir = path.join(options.outputDir, manifest?.job.id ?? runName);
  const files: RenditionFile[] = [];
  const outputs: OutputEntry[] = [];
  const primaryAt = primaryIndex(
    result.outputs.map((o) => ({ queue: o.queueName ?? "", mimeType: o.mimeType })),
    options.primaryQueue,
  );
  const usedNames = new Set<string>();
  for (let i = 0; i < result.outputs.length; i++) {
    const output = result.outputs[i];
    const fileName = fileNameWithExtension(output.fileName ?? `output-${i + 1}`, output.mimeType);
    const entry: OutputEntry = {
      queueName: output.queueName,
      fileName,
      mimeType: output.mimeType,
      customerNumber: output.customerNumber,
      size: output.content.length,
      sha256: sha256OfBuffer(output.content).sha256,
    };
    if (options.storage === "files" || output.content.length > options.payloadLimitBytes) {
      entry.filename = await writeOutput(runDir, output.queueName ?? "output", fileName, output.content, usedNames);
    } else {
      entry.content = output.content;
    }
    outputs.push(entry);
    const match = manifest?.customers
      .flatMap((c) => c.files.map((f) => ({ c, f })))
      .find(({ f }) => sameRendition(output, f));
    const keys = match?.f.keys ?? {};
    files.push({
      fileName,
      mimeType: output.mimeType,
      size: entry.size,
      sha256: entry.sha256,
      queue: output.queueName ?? "",
      channel: channelOf(keys, output.mimeType, match?.f.pdl),
      customerNumber: output.customerNumber ?? match?.c.customerNumber ?? "1",
      keys,
      ...(match?.f.pageCount !== undefined ? { pageCount: match.f.pageCount } : {}),
      ...(entry.filename ? { path: entry.filename } : { content: output.content }),
    });
  }

  // The document is one customer's communication: the primary rendition and that customer's other renditions.
  const primaryCustomer = files[primaryAt].customerNumber;
  const sameCustomer = files.filter((f) => f.customerNumber === primaryCustomer);
  const document = toCommunicationDocument(
    [files[primaryAt], ...sameCustomer.filter((f) => f !== files[primaryAt])],
    {
      jobId: manifest?.job.id,
      flowInstanceId: manifest?.flowInstanceId,
      runId: manifest?.stepId,
      domain: client.domain,
    },
    { primaryQueue: files[primaryAt].queue },
  );
  return {
    outputs,
    primary: outputs[primaryAt],
    document,
    jobId: manifest?.job.id,
    flowInstanceId: manifest?.flowInstanceId,
    keysProblem,
  };
}

async function writeOutput(
  runDir: string,
  queue: string,
  fileName: string,
  content: Buffer,
  usedNames: Set<string>,
): Promise<string> {
  let relative = path.posix.join(queue.replace(/[^A-Za-z0-9._-]/g, "_"), fileName);
  for (let n = 2; usedNames.has(relative); n++)
    relative = path.posix.join(path.posix.dirname(relative), `${n}-${fileName}`);
  usedNames.add(relative);
  const target = safeJoin(runDir, relative);
  await makePrivateDir(path.dirname(target));
  const part = `${target}.part`;
  await fsp.writeFile(part, content, { mode: PRIVATE_FILE_MODE });
  await fsp.rename(part, target);
  return target;
}

export interface BatchRun {
  jobId: string;
  flowInstanceId: string;
  customers: number;
}

/**
 * Submits the input to a batch channel, follows the job (backoff, deadline) and hands every customer communication
 * to `onDocument` — its files streamed to `<outputDir>/<jobId>/<stepId>/output/…`.
 */
export async function runBatch(
  client: ExstreamClient,
  channel: string,
  body: string | Buffer | Record<string, unknown> | unknown[],
  options: RunOptions,
  hooks: {
    onSubmitted?(jobId: string): void;
    onDocument(document: CommunicationDocument, customer: LocalCustomerCommunication): Promise<void> | void;
  },
): Promise<BatchRun> {
  const instances = await client.submitBatch({ channel, body, contentType: options.contentType });
  const jobIds = [...new Set(instances.map((i) => i.jobId))];
  hooks.onSubmitted?.(jobIds[0]);
  let customers = 0;
  for (const jobId of jobIds) {
    await client.waitForJob(jobId, { timeoutMs: options.jobTimeoutMs, pollIntervalMs: options.pollIntervalMs });
    const hashes = new Map<string, string>();
    // Each customer gets its own extract of the run's log, never the log that names every other customer.
    const logs = new CustomerLogExtracts(path.join(options.outputDir, jobId, "delivery-logs"));
    const sha = async (file: string) => {
      let value = hashes.get(file);
      if (!value) hashes.set(file, (value = (await sha256OfFile(file)).sha256));
      return value;
    };
    const summary = await forEachJobCommunication(client, jobId, { destDir: options.outputDir }, async (c) => {
      const files: RenditionFile[] = [];
      for (const f of c.files) {
        files.push({
          fileName: path.basename(f.fileName.replace(/\\/g, "/")),
          mimeType: f.mimeType,
          size: f.bytes,
          sha256: await sha(f.localPath),
          queue: f.queueName,
          channel: channelOf(f.keys, f.mimeType, f.pdl),
          customerNumber: c.customerNumber,
          keys: f.keys,
          ...(f.pageCount !== undefined ? { pageCount: f.pageCount } : {}),
          path: f.localPath,
        });
      }
      const report = c.reports.find((r) => /deliver/i.test(r.dataFile) || /deliver/i.test(r.queueName));
      let deliveryLog: DeliveryLogExcerpt | undefined;
      if (report) {
        deliveryLog = {
          ...(await logs.extractOf(report.localPath, c.customerNumber)),
          fileName: path.basename(report.fileName.replace(/\\/g, "/")),
          mimeType: report.mimeType,
        };
      }
      const document = toCommunicationDocument(
        files,
        { jobId, flowInstanceId: c.flowInstanceId, runId: c.stepId, domain: client.domain },
        { primaryQueue: options.primaryQueue, deliveryLog, manifest: c.manifestPath },
      );
      await hooks.onDocument(document, c);
    });
    customers += summary.customers;
  }
  return { jobId: jobIds[0], flowInstanceId: instances[0].id, customers };
}
