/*
 * The delivery-log report (Report_<n>_<reportName>/delivery_log.xml): per customer, each queue's file and whether it
 * could be delivered on its channel. Element names are the project's own (real report data sources are designer-defined):
 *   <deliveryLog communicationId communicationVersion jobId runId>
 *     <customer number accountNumber customerId>
 *       <queue name channel file status [reason]/>
 * Status words depend on when the log is written (EngineOutputStyle.deliveryStatuses).
 */
import { KEY } from "./document-keys";
import type { DeliveryStatusStyle } from "./model";
import { escapeXml } from "./xml-text";

export const DELIVERY_LOG_FILE_NAME = "delivery_log.xml";

export interface DeliveryEntry {
  queueName: string;
  channel: string;
  /** Path relative to output/. */
  file: string;
  keys: Record<string, string>;
}

export interface DeliveryOutcome {
  status: "delivered" | "undeliverable" | "queued" | "sent" | "failed";
  reason?: string;
}

/** Print always goes out; e-mail and SMS need the address they are sent to. */
export function deliveryOutcome(
  channel: string,
  keys: Record<string, string>,
  style: DeliveryStatusStyle = "final",
): DeliveryOutcome {
  const missing =
    channel === "email" && !keys[KEY.emailAddress]
      ? KEY.emailAddress
      : channel === "sms" && !keys[KEY.phoneNumber]
        ? KEY.phoneNumber
        : undefined;
  if (missing) return { status: style === "final" ? "undeliverable" : "failed", reason: `missing ${missing}` };
  if (style === "final") return { status: "delivered" };
  return { status: channel === "print" ? "queued" : "sent" };
}

export interface DeliveryLogHeader {
  communicationId: string;
  communicationVersion: number;
  jobId: string;
  runId: string;
}

export function* deliveryLogChunks(
  header: DeliveryLogHeader,
  customers: Map<number, DeliveryEntry[]>,
  style: DeliveryStatusStyle = "final",
): Generator<string> {
  yield (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<deliveryLog communicationId="${escapeXml(header.communicationId)}" communicationVersion="${header.communicationVersion}" ` +
    `jobId="${escapeXml(header.jobId)}" runId="${escapeXml(header.runId)}">\n`
  );
  for (const [number, entries] of customers) {
    const keys = entries[0]?.keys ?? {};
    let xml = `  <customer number="${number}" accountNumber="${escapeXml(keys[KEY.accountNumber] ?? "")}" customerId="${escapeXml(keys[KEY.customerId] ?? "")}">\n`;
    for (const e of entries) {
      const outcome = deliveryOutcome(e.channel, e.keys, style);
      const reason = outcome.reason ? ` reason="${escapeXml(outcome.reason)}"` : "";
      xml += `    <queue name="${escapeXml(e.queueName)}" channel="${escapeXml(e.channel)}" file="${escapeXml(e.file)}" status="${outcome.status}"${reason}/>\n`;
    }
    yield xml + "  </customer>\n";
  }
  yield "</deliveryLog>\n";
}
