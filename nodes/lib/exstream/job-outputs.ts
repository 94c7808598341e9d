/**
 * The outputs of a job read through the Orchestration runtime API (docs/api-evidence.md, "Orchestration runtime"): job → flow instances → their
 * communication steps → each step's delivery file (`_STDDELIVERYFILE.xml`) and artifacts (output files), streamed to
 * disk.
 */
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import {
  openDeliveryManifest,
  type CustomerCommunication,
  type CustomerFile,
  type CustomerReportFile,
  type ManifestSummary,
} from "./delivery-manifest";
import { ExstreamError } from "./errors";
import type { ExstreamClient } from "./index";
import type { GeneratedOutput } from "./types";

type RuntimeReader = Pick<
  ExstreamClient,
  | "iterateFlowInstances"
  | "iterateFlowSteps"
  | "iterateOutputFiles"
  | "downloadDeliveryFile"
  | "readDeliveryFile"
  | "downloadArtifact"
>;

export interface CommunicationStepRef {
  jobId: string;
  flowInstanceId: string;
  stepId: string;
}

export interface LocalCustomerFile extends CustomerFile {
  /** Where the artifact was written. */
  localPath: string;
  bytes: number;
}

export interface LocalCustomerReportFile extends CustomerReportFile {
  localPath: string;
}

/** One customer communication of a job, its files on local disk. */
export interface LocalCustomerCommunication extends CommunicationStepRef {
  customerNumber: string;
  files: LocalCustomerFile[];
  reports: LocalCustomerReportFile[];
  summary: ManifestSummary;
  /** Local path of the step's delivery file. */
  manifestPath: string;
}

/** Default: which runtime page size to use when listing instances, steps and output files. */
const PAGE_SIZE = 100;
const OUTPUT_FILES_PAGE_SIZE = 500;
/** An on-demand call renders one driver record (or a few): more customers than this is not the run we look for. */
const MAX_ONDEMAND_CUSTOMERS = 1000;
/** An on-demand step's delivery file up to this size is parsed in memory (no temporary file to write, read, remove). */
const IN_MEMORY_DELIVERY_FILE_BYTES = 1024 * 1024;

/** The communication steps of every flow instance of a job. */
export async function communicationSteps(
  client: RuntimeReader,
  jobId: string,
  domain?: string,
): Promise<CommunicationStepRef[]> {
  const steps: CommunicationStepRef[] = [];
  for await (const instance of client.iterateFlowInstances({ jobId }, PAGE_SIZE, domain)) {
    steps.push(...(await instanceCommunicationSteps(client, jobId, instance.id, domain)));
  }
  return steps;
}

/** The communication steps of one flow instance of a job. */
export async function instanceCommunicationSteps(
  client: Pick<ExstreamClient, "iterateFlowSteps">,
  jobId: string,
  flowInstanceId: string,
  domain?: string,
): Promise<CommunicationStepRef[]> {
  const steps: CommunicationStepRef[] = [];
  const filter = { flowInstanceId, stepTypes: "communication" };
  for await (const step of client.iterateFlowSteps(filter, PAGE_SIZE, domain)) {
    if (step.stepType && step.stepType !== "communication") continue;
    steps.push({ jobId, flowInstanceId, stepId: step.id });
  }
  return steps;
}

/**
 * Streams every output of a finished job to `destDir/<jobId>/<stepId>/…` and calls `onCustomer` once per customer
 * communication (awaited: the next customer's files are downloaded only after the previous one was handled). A file
 * shared by several customers (a print file of many statements) is downloaded once.
 */
export async function forEachJobCommunication(
  client: RuntimeReader,
  jobId: string,
  options: { destDir: string; domain?: string },
  onCustomer: (customer: LocalCustomerCommunication) => Promise<void> | void,
): Promise<{ steps: number; customers: number }> {
  const steps = await communicationSteps(client, jobId, options.domain);
  if (steps.length === 0) {
    throw new ExstreamError({ operation: "job outputs", serverMessage: `job ${jobId} has no communication step` });
  }
  let customers = 0;
  for (const step of steps) {
    const stepDir = path.join(options.destDir, safeSegment(jobId), safeSegment(step.stepId));
    const manifestFile = path.join(stepDir, "_STDDELIVERYFILE.xml");
    await client.downloadDeliveryFile(step.stepId, manifestFile, options.domain);
    const artifactNames = new Set<string>();
    for await (const name of client.iterateOutputFiles(step.stepId, OUTPUT_FILES_PAGE_SIZE, options.domain)) {
      artifactNames.add(name.replace(/\\/g, "/"));
    }
    const downloaded = new Map<string, { path: string; bytes: number }>();
    const fetch = async (engineFileName: string) => {
      const artifact = artifactNameOf(engineFileName, artifactNames);
      let local = downloaded.get(artifact);
      if (!local) {
        const target = safeJoin(path.join(stepDir, "output"), artifact);
        local = await client.downloadArtifact(step.stepId, artifact, target, options.domain);
        downloaded.set(artifact, local);
      }
      return local;
    };
    const manifest = await openDeliveryManifest(manifestFile, { tmpDir: stepDir });
    try {
      for await (const customer of manifest.customers()) {
        const files: LocalCustomerFile[] = [];
        for (const file of customer.files) {
          const local = await fetch(file.fileName);
          files.push({ ...file, localPath: local.path, bytes: local.bytes });
        }
        const reports: LocalCustomerReportFile[] = [];
        for (const report of customer.reports) {
          reports.push({ ...report, localPath: (await fetch(report.fileName)).path });
        }
        customers++;
        await onCustomer({
          ...step,
          customerNumber: customer.customerNumber,
          files,
          reports,
          summary: manifest.summary,
          manifestPath: manifestFile,
        });
      }
    } finally {
      await manifest.dispose();
    }
  }
  return { steps: steps.length, customers };
}

/** Whether a manifest file is the rendition of an envelope output: same queue, same file name (extension aside). */
export function sameRendition(output: GeneratedOutput, file: CustomerFile): boolean {
  if (output.queueName !== undefined && output.queueName !== file.queueName) return false;
  if (output.fileName === undefined) return output.queueName !== undefined;
  const base = path.posix.basename(file.fileName.replace(/\\/g, "/"));
  const wanted = path.posix.basename(output.fileName.replace(/\\/g, "/"));
  return base === wanted || base.replace(/\.[^.]*$/, "") === wanted.replace(/\.[^.]*$/, "");
}

/** The customers of a step's delivery file; undefined when there are more than an on-demand call renders. */
export async function readStepCustomers(
  client: RuntimeReader,
  stepId: string,
  domain: string | undefined,
  tmpDir: string | undefined,
): Promise<CustomerCommunication[] | undefined> {
  const inMemory = await client.readDeliveryFile(stepId, IN_MEMORY_DELIVERY_FILE_BYTES, domain);
  const file = path.join(tmpDir ?? os.tmpdir(), `exstream-ondemand-${randomUUID()}.xml`);
  try {
    if (!inMemory) await client.downloadDeliveryFile(stepId, file, domain);
    const manifest = await openDeliveryManifest(inMemory ?? file);
    const customers: CustomerCommunication[] = [];
    try {
      for await (const customer of manifest.customers()) {
        if (customers.length >= MAX_ONDEMAND_CUSTOMERS) return undefined;
        customers.push(customer);
      }
    } finally {
      await manifest.dispose();
    }
    return customers;
  } finally {
    if (!inMemory) await fsp.rm(file, { force: true });
  }
}

/**
 * The artifact name of a manifest `file@name` (an absolute path on the engine's filesystem): the longest trailing part
 * of it that the step's output-file list contains; else the part after `/output/`; else the base name.
 */
export function artifactNameOf(engineFileName: string, artifactNames: ReadonlySet<string>): string {
  const parts = engineFileName.replace(/\\/g, "/").split("/").filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const candidate = parts.slice(i).join("/");
    if (artifactNames.has(candidate)) return candidate;
  }
  const outputAt = parts.lastIndexOf("output");
  if (outputAt >= 0 && outputAt < parts.length - 1) return parts.slice(outputAt + 1).join("/");
  return parts[parts.length - 1] ?? engineFileName;
}

/** `base/relative`, refusing anything that would land outside `base` (`..`, absolute paths). */
export function safeJoin(base: string, relative: string): string {
  const root = path.resolve(base);
  const target = path.resolve(root, relative.replace(/^[/\\]+/, ""));
  if (target !== root && target.startsWith(root + path.sep)) return target;
  throw new ExstreamError({ operation: "job outputs", serverMessage: `unsafe output file name "${relative}"` });
}

function safeSegment(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_");
}
