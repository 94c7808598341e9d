/*
 * The manifest keys of one rendered document, in this order (Segment, Product, EmailAddress and PhoneNumber only when
 * the customer has them; every other key always, "" when unknown):
 *   AccountNumber, CustomerId, DocumentType, Channel, Language, Jurisdiction, Segment, Product, Variant,
 *   CommunicationId, CommunicationVersion, ContentVersions, EmailAddress, PhoneNumber,
 *   QueuesToCustomer, StartPageCustomer, TotalPagesInDocument
 * Content-version evidence is ONE key, ContentVersions = "blockId@version;blockId@version" (or with "," — a designer's
 * choice, so EngineOutputStyle picks it) for every content block
 * placed in this document, in template order (letterhead last) — one key keeps the manifest schema fixed however
 * many blocks a template uses. Per-block detail (name, rules, matched dimensions) is on EngineDocument.variant.
 * Real Exstream emits only designer-defined keys; these are the project's include-in-manifest metadata.
 */
import type { ContentVersionsSeparator, EngineChannel, EngineCommunication, VariantSelection } from "./model";
import { formatValue, lookupField } from "./template";

export const KEY = {
  accountNumber: "AccountNumber",
  customerId: "CustomerId",
  documentType: "DocumentType",
  channel: "Channel",
  language: "Language",
  jurisdiction: "Jurisdiction",
  segment: "Segment",
  product: "Product",
  variant: "Variant",
  communicationId: "CommunicationId",
  communicationVersion: "CommunicationVersion",
  contentVersions: "ContentVersions",
  emailAddress: "EmailAddress",
  phoneNumber: "PhoneNumber",
  queuesToCustomer: "QueuesToCustomer",
  startPageCustomer: "StartPageCustomer",
  totalPagesInDocument: "TotalPagesInDocument",
} as const;

const EMAIL_FIELDS = ["EmailAddress", "Email"];
const PHONE_FIELDS = ["PhoneNumber", "MobileNumber", "Mobile", "Phone"];

export function customerField(customer: Record<string, unknown>, names: string[]): string {
  for (const name of names) {
    const value = formatValue(lookupField(customer, name)).trim();
    if (value !== "") return value;
  }
  return "";
}

export interface KeyInput {
  comm: EngineCommunication;
  channel: EngineChannel;
  customer: Record<string, unknown>;
  variant: VariantSelection;
  queueCount: number;
  pageCount: number;
  contentVersionsSeparator?: ContentVersionsSeparator;
}

export function documentKeys({
  comm,
  channel,
  customer,
  variant,
  queueCount,
  pageCount,
  contentVersionsSeparator = ";",
}: KeyInput): Record<string, string> {
  const keys: Record<string, string> = {
    [KEY.accountNumber]: customerField(customer, ["AccountNumber"]),
    [KEY.customerId]: customerField(customer, ["CustomerId"]),
    [KEY.documentType]: comm.documentType,
    [KEY.channel]: channel,
    [KEY.language]: variant.language,
    [KEY.jurisdiction]: variant.jurisdiction,
  };
  if (variant.segment) keys[KEY.segment] = variant.segment;
  if (variant.product) keys[KEY.product] = variant.product;
  keys[KEY.variant] = variant.id;
  keys[KEY.communicationId] = comm.id;
  keys[KEY.communicationVersion] = String(comm.version);
  keys[KEY.contentVersions] = variant.blocks.map((b) => `${b.id}@${b.version}`).join(contentVersionsSeparator);
  const email = customerField(customer, EMAIL_FIELDS);
  if (email) keys[KEY.emailAddress] = email;
  const phone = customerField(customer, PHONE_FIELDS);
  if (phone) keys[KEY.phoneNumber] = phone;
  keys[KEY.queuesToCustomer] = String(queueCount);
  // One customer per file (HTML and messaging queues are fixed at one customer per file; print follows suit here).
  keys[KEY.startPageCustomer] = "1";
  keys[KEY.totalPagesInDocument] = String(pageCount);
  return keys;
}
