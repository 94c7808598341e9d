/**
 * Turns the manifest's view of one customer (every file it appears in, queue by queue) into communications: the
 * primary rendition (print/PDF by default) plus every other channel file of that customer — or, in per-file mode,
 * one communication per file.
 */
import type { CustomerCommunication, CustomerFile, CustomerReportFile } from "../exstream/delivery-manifest";
export { variantOf } from "../exstream/communication-document";

export interface GroupingOptions {
  emitPer: "communication" | "file";
  /** Queue of the primary rendition; blank = first queue whose channel is print. */
  primaryQueue: string;
  channelMap: Record<string, string>;
  deliveryLogReport: string;
}

export interface CommunicationPlan {
  customerNumber: string;
  primary: CustomerFile;
  related: CustomerFile[];
  deliveryLog?: CustomerReportFile;
  keys: Record<string, string>;
}

/** The channel a queue delivers to: the configured mapping by queue name, else its mime type / PDL. */
export function channelOf(file: Pick<CustomerFile, "queueName" | "mimeType" | "pdl">, map: Record<string, string>) {
  const mapped = map[file.queueName];
  if (mapped) return mapped;
  const mime = file.mimeType.toLowerCase();
  const pdl = file.pdl.toUpperCase();
  if (mime === "application/pdf" || ["PDF", "AFP", "PS", "PCL", "IJPDS"].includes(pdl)) return "print";
  if (mime.includes("html") || pdl === "HTML" || pdl === "HTML5") return "email";
  if (mime.startsWith("text/plain") || pdl === "TEXT" || pdl === "MESSAGING" || pdl === "SMS") return "sms";
  if (mime.includes("empower") || pdl === "EMPOWER") return "empower";
  return "other";
}

/** One customer's communications: one plan, or one per file in per-file mode; none when it has no files. */
export function groupCommunication(customer: CustomerCommunication, options: GroupingOptions): CommunicationPlan[] {
  if (customer.files.length === 0) return [];
  const deliveryLog = pickDeliveryLog(customer.reports, options.deliveryLogReport);
  if (options.emitPer === "file") {
    return customer.files.map((file) => ({
      customerNumber: customer.customerNumber,
      primary: file,
      related: [],
      deliveryLog,
      keys: { ...file.keys },
    }));
  }
  const primary = pickPrimary(customer.files, options);
  const related = customer.files.filter((f) => f !== primary);
  // The primary file's keys win; keys only other channels carry (e.g. EmailAddress) are kept too.
  const keys = Object.assign({}, ...related.map((f) => f.keys), primary.keys) as Record<string, string>;
  return [{ customerNumber: customer.customerNumber, primary, related, deliveryLog, keys }];
}

function pickPrimary(files: CustomerFile[], options: GroupingOptions): CustomerFile {
  if (options.primaryQueue) {
    const named = files.find((f) => f.queueName === options.primaryQueue);
    if (named) return named;
  }
  return files.find((f) => channelOf(f, options.channelMap) === "print") ?? files[0];
}

function pickDeliveryLog(reports: CustomerReportFile[], name: string): CustomerReportFile | undefined {
  if (name) return reports.find((r) => r.dataFile === name || r.queueName === name);
  return reports.find((r) => /deliver/i.test(r.dataFile) || /deliver/i.test(r.queueName));
}
