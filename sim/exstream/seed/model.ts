/** The shape of a simulator seed: identities, domains and the design resources of the demo communications. */

export interface SeedClient {
  id: string;
  /** omitted = public client */
  secret?: string;
}

export interface SeedDomain {
  id: string;
  description: string;
  workflow: "NORMAL" | "SIMPLE";
  production: boolean;
  /** Whether the demo communications, blocks and channels are loaded into this domain. */
  withContent: boolean;
}

export interface SeedOutput {
  id: string;
  name: string;
  driver: "PDF" | "HTML" | "Messaging" | "Empower";
}

export interface SeedQueue {
  id: string;
  name: string;
  outputId: string;
}

export interface SeedBlock {
  id: string;
  /** DAS resource name (unique); several variants share one `blockName`. */
  name: string;
  blockName: string;
  kind: "message" | "disclaimer" | "image";
  rules?: { language?: string; jurisdiction?: string; segment?: string; product?: string };
  text?: string;
  pngBase64?: string;
}

export interface SeedCommunication {
  id: string;
  name: string;
  description: string;
  documentType: string;
  setId: string;
  driverId: string;
  driverDataSource: string;
  sampleId: string;
  templateId: string;
  smsTemplateId: string;
  queueIds: string[];
  /** HTTP input channel of its batch flow model */
  channel: string;
  flowModelId: string;
  template: string;
  smsTemplate: string;
  /** Fields merged into every sample customer */
  sampleFields: Record<string, unknown>[];
}

export interface SeedCustomer {
  CustomerId: string;
  AccountNumber: string;
  FirstName: string;
  LastName: string;
  Email: string;
  Phone: string;
  Language: string;
  Jurisdiction: string;
  Segment: string;
  Product: string;
  AddressLine1: string;
  City: string;
  PostalCode: string;
  Country: string;
}

export interface SeedData {
  tenant: string;
  clients: SeedClient[];
  users: { name: string; password: string }[];
  domains: SeedDomain[];
  outputs: SeedOutput[];
  queues: SeedQueue[];
  report: { id: string; name: string };
  blocks: SeedBlock[];
  customers: SeedCustomer[];
  communications: SeedCommunication[];
}
