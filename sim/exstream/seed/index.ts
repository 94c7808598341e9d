/*
 * Loads a seed into the design store as ordinary DAS resources (with the same content fields real export packages
 * use), so the seeded communications run through exactly the same code path as imported ones.
 */
import type { DesignStore, DomainRecord, NewResource } from "../store";
import { DEMO_SEED } from "./demo";
import type { SeedData } from "./model";

export { DEMO_SEED } from "./demo";
export type { SeedData } from "./model";

const SEED_USER = "exstream-sim";

export type SeedName = "demo" | "empty";

export function seedByName(name: string): SeedData {
  if (name === "demo") return DEMO_SEED;
  if (name === "empty") return { ...DEMO_SEED, domains: DEMO_SEED.domains.map((d) => ({ ...d, withContent: false })) };
  throw new Error(`unknown exstream seed "${name}" (use demo or empty)`);
}

export function applySeed(store: DesignStore, seed: SeedData): void {
  const tenant = store.addTenant(seed.tenant);
  for (const c of seed.clients) tenant.clients.set(c.id, { id: c.id, secret: c.secret });
  for (const u of seed.users) tenant.users.set(u.name, u.password);
  for (const d of seed.domains) {
    const domain = store.addDomain(tenant, d.id, {
      description: d.description,
      workflow: d.workflow,
      production: d.production,
    });
    if (d.withContent) seedContent(store, domain, seed);
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2));
}

function seedContent(store: DesignStore, domain: DomainRecord, seed: SeedData): void {
  const add = (r: Omit<NewResource, "user" | "state">) =>
    store.createResource(domain, { ...r, user: SEED_USER, state: "APPROVED" });
  const link = (subject: string, object: string) =>
    store.addLink(domain, { linkSubjectId: subject, subjectVersion: 1, linkObjectId: object });

  for (const o of seed.outputs) {
    add({
      id: o.id,
      name: o.name,
      type: "exstroutput",
      content: json({ m_strName: o.name, driver: o.driver }),
      mimetype: "application/json",
    });
  }
  for (const q of seed.queues) {
    add({
      id: q.id,
      name: q.name,
      type: "exstroutputqueue",
      content: json({ m_strName: q.name, m_scopedPrinter: q.outputId }),
      mimetype: "application/json",
    });
    link(q.id, q.outputId);
  }
  add({
    id: seed.report.id,
    name: seed.report.name,
    type: "exstrdatasource",
    metadata: { subtype: "report" },
    content: json({ m_strName: seed.report.name, m_strFileSpec: seed.report.name }),
    mimetype: "application/json",
  });
  for (const b of seed.blocks) {
    const metadata: Record<string, string> = { blockName: b.blockName, ...(b.rules ?? {}) };
    if (b.kind === "image") {
      add({
        id: b.id,
        name: b.name,
        type: "image",
        metadata,
        content: Buffer.from(b.pngBase64 ?? "", "base64"),
        mimetype: "image/png",
      });
    } else {
      add({
        id: b.id,
        name: b.name,
        type: "exstrparagraph",
        metadata: { ...metadata, subtype: b.kind },
        content: Buffer.from(b.text ?? "", "utf8"),
        mimetype: "text/plain",
      });
    }
  }

  for (const c of seed.communications) {
    const customers = seed.customers.map((customer, i) => ({
      ...customer,
      ...(c.sampleFields[i % c.sampleFields.length] ?? {}),
    }));
    add({
      id: c.sampleId,
      name: `${c.name} Driver Sample.json`,
      type: "samplefile",
      metadata: { subtype: "driver" },
      content: json(customers),
      mimetype: "application/json",
    });
    add({
      id: c.driverId,
      name: `${c.name} Driver`,
      type: "exstrdatasource",
      metadata: { subtype: "driver" },
      content: json({ m_strName: `${c.name} Driver`, m_strFileSpec: c.driverDataSource, m_strSampleFile: c.sampleId }),
      mimetype: "application/json",
    });
    link(c.driverId, c.sampleId);
    add({
      id: c.templateId,
      name: `${c.name} Template`,
      type: "versionedtemplate",
      content: Buffer.from(c.template, "utf8"),
      mimetype: "text/plain",
    });
    add({
      id: c.smsTemplateId,
      name: `${c.name} SMS Template`,
      type: "versionedtemplate",
      metadata: { channel: "sms" },
      content: Buffer.from(c.smsTemplate, "utf8"),
      mimetype: "text/plain",
    });
    add({
      id: c.setId,
      name: c.name,
      type: "exstrcommunicationset",
      description: `Communication set for ${c.name}`,
      content: json({
        dataSourceRefs: [c.driverId, seed.report.id],
        outputQueueRefs: c.queueIds,
        variableRefs: [],
        localeRefs: [],
      }),
      mimetype: "application/json",
    });
    for (const id of [c.driverId, seed.report.id, ...c.queueIds]) link(c.setId, id);
    add({
      id: c.id,
      name: c.name,
      type: "exstrapplication",
      description: c.description,
      metadata: { documentType: c.documentType },
      content: json({
        m_strName: c.name,
        communicationsSet: c.setId,
        documentType: c.documentType,
        templateRef: c.templateId,
        channelTemplateRefs: { sms: c.smsTemplateId },
      }),
      mimetype: "application/json",
    });
    link(c.id, c.setId);
    link(c.id, c.templateId);
    link(c.id, c.smsTemplateId);
    const referenced = new Set(
      [...`${c.template}\n${c.smsTemplate}`.matchAll(/\{\{\s*block:([^}]+?)\s*\}\}/g)].map((m) => m[1]),
    );
    for (const b of seed.blocks) if (referenced.has(b.blockName)) link(c.id, b.id);
    domain.channels.set(c.channel, {
      name: c.channel,
      flowModelId: c.flowModelId,
      flowModelName: `${c.name} Batch`,
      communicationId: c.id,
      driverDataSource: c.driverDataSource,
    });
  }
}
