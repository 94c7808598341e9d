/*
 * One customer through every output queue of a communication: compose once per channel with one shared block choice,
 * render, and label each document with its file name and manifest keys.
 */
import { BlockChooser, composeDocument, type ComposedDocument } from "./compose";
import { customerField, documentKeys, KEY } from "./document-keys";
import type {
  EngineBlock,
  EngineChannel,
  EngineCommunication,
  EngineDocument,
  EngineOutputStyle,
  EngineQueue,
} from "./model";
import { renderHtml } from "./render-html";
import { renderPdf } from "./render-pdf";
import { renderSms } from "./render-sms";
import { customerProfile } from "./variants";

const CHANNEL_OUTPUT: Record<EngineChannel, { mimeType: string; extension: string }> = {
  print: { mimeType: "application/pdf", extension: "pdf" },
  email: { mimeType: "text/html", extension: "html" },
  sms: { mimeType: "text/plain", extension: "txt" },
};
const MAX_FILE_STEM_CHARS = 120;

export function outputTypeOf(channel: string): { mimeType: string; extension: string } {
  const known = CHANNEL_OUTPUT[channel as EngineChannel];
  if (!known) throw new Error(`unknown output channel "${channel}" (expected print, email or sms)`);
  return known;
}

export async function renderCustomer(
  comm: EngineCommunication,
  blocks: EngineBlock[],
  customer: Record<string, unknown>,
  customerNumber: number,
  style: EngineOutputStyle = {},
): Promise<EngineDocument[]> {
  const chooser = new BlockChooser(blocks, customerProfile(customer));
  const documents: EngineDocument[] = [];
  for (const queue of comm.queues) {
    const composed = composeDocument(comm, queue.channel, customer, chooser);
    const { content, pageCount } = await renderChannel(comm, queue, composed);
    const keys = documentKeys({
      comm,
      channel: queue.channel,
      customer,
      variant: composed.variant,
      queueCount: comm.queues.length,
      pageCount,
      contentVersionsSeparator: style.contentVersionsSeparator,
    });
    const { mimeType, extension } = outputTypeOf(queue.channel);
    documents.push({
      customerNumber,
      queueName: queue.name,
      channel: queue.channel,
      fileName: documentFileName(
        keys[KEY.accountNumber] || customerField(customer, ["CustomerId"]),
        comm.documentType,
        customerNumber,
        extension,
      ),
      mimeType,
      content,
      keys,
      pageCount,
      variant: composed.variant,
    });
  }
  return documents;
}

async function renderChannel(
  comm: EngineCommunication,
  queue: EngineQueue,
  doc: ComposedDocument,
): Promise<{ content: Buffer; pageCount: number }> {
  const label = `${comm.name} v${comm.version}`;
  switch (queue.channel) {
    case "print":
      return renderPdf(doc, { title: doc.title, subject: comm.documentType, footer: `${label} · ${doc.variant.id}` });
    case "email":
      return {
        content: renderHtml(doc, {
          title: doc.title,
          communication: `${comm.id}@${comm.version}`,
          variant: doc.variant.id,
        }),
        pageCount: 1,
      };
    case "sms":
      return { content: renderSms(doc), pageCount: 1 };
    default:
      throw new Error(`unknown output channel "${String((queue as EngineQueue).channel)}" on queue "${queue.name}"`);
  }
}

/** `<AccountNumber>_<DocumentType>_<customerNumber>.<ext>`: unique per customer in a run, stable across reruns. */
export function documentFileName(
  account: string,
  documentType: string,
  customerNumber: number,
  extension: string,
): string {
  const stem = [account || "CUSTOMER", documentType || "DOCUMENT"].map(sanitizeFileNamePart).join("_");
  return `${stem.slice(0, MAX_FILE_STEM_CHARS)}_${customerNumber}.${extension}`;
}

/** Keeps ASCII letters, digits, dot, dash and underscore, so names are portable to every file system and share. */
export function sanitizeFileNamePart(part: string): string {
  const cleaned = part
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+|_+$/g, "");
  return cleaned === "" ? "_" : cleaned;
}
