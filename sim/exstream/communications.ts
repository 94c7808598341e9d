/*
 * From design resources to something runnable: a communication (exstrapplication) → its communication set →
 * driver/report data sources, output queues → outputs. Works the same for seeded resources and for resources from a
 * real DAS export package, because both use the DAS content fields (`communicationsSet`, `dataSourceRefs`,
 * `outputQueueRefs`, `m_strFileSpec`, `m_scopedPrinter`, `m_ePDL`).
 */
import type { EngineBlock, EngineCommunication, EngineQueue } from "./engine-port";
import { badRequest, notFound } from "./errors";
import type { DesignStore, DomainRecord, ResourceVersion } from "./store";

export type QueueDriver = "PDF" | "HTML" | "Messaging" | "Empower";
export type DataSourceKind = "driver" | "report" | "reference";

export interface ResolvedQueue {
  id: string;
  name: string;
  driver: QueueDriver;
  outputId?: string;
}

export interface ResolvedDataSource {
  id: string;
  name: string;
  prodDsn: string;
  kind: DataSourceKind;
  subtype: string;
  sampleFileId?: string;
}

export interface ResolvedCommunication {
  application: ResourceVersion;
  set: ResourceVersion;
  dataSources: ResolvedDataSource[];
  queues: ResolvedQueue[];
}

/** PDL numbers of DAS output resources that we know from real export packages. */
const KNOWN_PDL: Record<number, QueueDriver> = { 4: "PDF", 28: "Empower" };
const QUEUE_DRIVERS: readonly QueueDriver[] = ["PDF", "HTML", "Messaging", "Empower"];
const BLOCK_TEXT_TYPE = "exstrparagraph";
const BLOCK_IMAGE_TYPE = "image";
const MAX_GENERIC_FIELDS = 60;

export const EMPOWER_MIME_TYPE = "application/vnd.exstream-empower";

export function jsonContent(v: ResourceVersion | undefined): Record<string, unknown> | undefined {
  if (!v) return undefined;
  try {
    const parsed: unknown = JSON.parse(v.content.data.toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Production view of a resource: its latest APPROVED version, else (design-time only) its latest version. */
function current(store: DesignStore, domain: DomainRecord, id: string): ResourceVersion | undefined {
  return store.latestApproved(domain, id) ?? store.find(domain, id);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
}

/** The communication as production runs it (latest approved versions); 404 when unknown or never approved. */
export function resolveCommunication(
  store: DesignStore,
  domain: DomainRecord,
  communicationId: string,
): ResolvedCommunication {
  const any = store.find(domain, communicationId);
  if (!any || any.type !== "exstrapplication") {
    throw notFound(`Communication ${communicationId} does not exist in domain "${domain.id}"`);
  }
  const application = store.latestApproved(domain, communicationId);
  if (!application) throw notFound(`Communication ${communicationId} has no approved version`);
  const setId = communicationSetIdOf(store, domain, application);
  const set = setId ? current(store, domain, setId) : undefined;
  if (!set) throw notFound(`Communication ${communicationId} has no communication set`);
  return { application, set, ...resolveSetParts(store, domain, set) };
}

export function communicationSetIdOf(
  store: DesignStore,
  domain: DomainRecord,
  application: ResourceVersion,
): string | undefined {
  const fromContent = jsonContent(application)?.communicationsSet;
  if (typeof fromContent === "string" && fromContent) return fromContent;
  return store
    .linksFrom(domain, application.id, 1)
    .map((l) => store.find(domain, l.linkObjectId))
    .find((r) => r?.type === "exstrcommunicationset")?.id;
}

export function resolveSetParts(
  store: DesignStore,
  domain: DomainRecord,
  set: ResourceVersion,
): Pick<ResolvedCommunication, "dataSources" | "queues"> {
  const content = jsonContent(set) ?? {};
  const dataSources: ResolvedDataSource[] = [];
  for (const id of stringArray(content.dataSourceRefs)) {
    const ds = current(store, domain, id);
    if (!ds) continue;
    const dsContent = jsonContent(ds) ?? {};
    const subtype = ds.metadata.subtype ?? "driver";
    const kind: DataSourceKind = subtype === "report" ? "report" : subtype === "reference" ? "reference" : "driver";
    const fileSpec = dsContent.m_strFileSpec;
    const sample = dsContent.m_strSampleFile;
    dataSources.push({
      id,
      name: ds.name,
      prodDsn: typeof fileSpec === "string" && fileSpec ? fileSpec : ds.name,
      kind,
      subtype,
      sampleFileId: typeof sample === "string" && sample ? sample : undefined,
    });
  }
  const queues: ResolvedQueue[] = [];
  for (const id of stringArray(content.outputQueueRefs)) {
    const queue = current(store, domain, id);
    if (!queue) continue;
    const queueContent = jsonContent(queue) ?? {};
    const outputId = typeof queueContent.m_scopedPrinter === "string" ? queueContent.m_scopedPrinter : undefined;
    const output = outputId ? current(store, domain, outputId) : undefined;
    queues.push({ id, name: queue.name, driver: queueDriver(queue, queueContent, output), outputId });
  }
  return { dataSources, queues };
}

function queueDriver(
  queue: ResourceVersion,
  queueContent: Record<string, unknown>,
  output: ResourceVersion | undefined,
): QueueDriver {
  const outContent = jsonContent(output) ?? {};
  const explicit = outContent.driver ?? queueContent.driver;
  if (typeof explicit === "string" && (QUEUE_DRIVERS as readonly string[]).includes(explicit))
    return explicit as QueueDriver;
  const pdl = outContent.m_ePDL;
  if (typeof pdl === "number" && KNOWN_PDL[pdl]) return KNOWN_PDL[pdl];
  const label = `${output?.name ?? ""} ${queue.name}`;
  if (/empower/i.test(label)) return "Empower";
  if (/html|e-?mail/i.test(label)) return "HTML";
  if (/sms|messag/i.test(label)) return "Messaging";
  return "PDF";
}

export function driverDataSources(resolved: ResolvedCommunication): ResolvedDataSource[] {
  return resolved.dataSources.filter((d) => d.kind === "driver");
}

/** 400 unless `driverDataSource` names one of the set's drivers (its production DSN). */
export function checkDriver(resolved: ResolvedCommunication, driverDataSource: string | undefined): ResolvedDataSource {
  if (!driverDataSource) throw badRequest("Missing required header: driverDataSource");
  const drivers = driverDataSources(resolved);
  const found = drivers.find((d) => d.prodDsn === driverDataSource);
  if (!found) {
    throw badRequest(
      `driverDataSource "${driverDataSource}" is not the driver of communication ${resolved.application.id}`,
      `expected one of: ${drivers.map((d) => d.prodDsn).join(", ") || "(none)"}`,
    );
  }
  return found;
}

/**
 * `GET /manifests/{domain}/communication-set/{id}` — SPEC-DES `Manifest`: `characterEncoding` is `DBCS|SBCS`;
 * `queueList[].use` and `reportProdFile` are strings whose values no evidence shows, so they are left out.
 */
export function communicationSetManifest(
  store: DesignStore,
  domain: DomainRecord,
  set: ResourceVersion,
): Record<string, unknown> {
  const { dataSources, queues } = resolveSetParts(store, domain, set);
  const application = [...domain.resources.values()]
    .map((versions) => versions[versions.length - 1])
    .find((v) => v.type === "exstrapplication" && communicationSetIdOf(store, domain, v) === set.id);
  return {
    applicationName: application?.name ?? set.name,
    characterEncoding: "DBCS",
    dsnlist: dataSources.map((d) => ({ id: d.id, name: d.name, prodDsn: d.prodDsn, resourceId: d.id, type: d.kind })),
    queueList: queues.map((q) => ({ id: q.id, name: q.name, driver: q.driver, prodFile: q.name })),
    reportList: dataSources
      .filter((d) => d.kind === "report")
      .map((d) => ({ id: d.id, name: d.name, format: "XML", prodFile: d.prodDsn, appLevel: true })),
    metadata: [],
    documentSections: [],
  };
}

export function engineChannel(driver: QueueDriver): EngineQueue["channel"] | undefined {
  switch (driver) {
    case "PDF":
      return "print";
    case "HTML":
      return "email";
    case "Messaging":
      return "sms";
    default:
      return undefined;
  }
}

/** The engine's view of a communication: current approved template(s) and the queues the engine renders. */
export function toEngineCommunication(
  store: DesignStore,
  domain: DomainRecord,
  resolved: ResolvedCommunication,
): EngineCommunication {
  const app = resolved.application;
  const content = jsonContent(app) ?? {};
  const queues: EngineQueue[] = [];
  for (const q of resolved.queues) {
    const channel = engineChannel(q.driver);
    if (channel) queues.push({ name: q.name, channel });
  }
  const report = resolved.dataSources.find((d) => d.kind === "report");
  const comm: EngineCommunication = {
    id: app.id,
    name: app.name,
    version: app.version,
    documentType:
      app.metadata.documentType ?? (typeof content.documentType === "string" ? content.documentType : app.name),
    template: templateText(store, domain, app, content) ?? genericTemplate(store, domain, resolved),
    queues,
    reportName: report?.prodDsn,
  };
  const channelRefs = content.channelTemplateRefs;
  if (channelRefs && typeof channelRefs === "object") {
    const channelTemplates: NonNullable<EngineCommunication["channelTemplates"]> = {};
    for (const [channel, id] of Object.entries(channelRefs as Record<string, unknown>)) {
      const text = typeof id === "string" ? approvedText(store, domain, id) : undefined;
      if (text !== undefined && (channel === "print" || channel === "email" || channel === "sms"))
        channelTemplates[channel] = text;
    }
    comm.channelTemplates = channelTemplates;
  }
  return comm;
}

function approvedText(store: DesignStore, domain: DomainRecord, id: string): string | undefined {
  const v = store.latestApproved(domain, id);
  return v ? v.content.data.toString("utf8") : undefined;
}

/** A text template: the one named by `templateRef`, else a linked plain-text versionedtemplate (not Designer XML). */
function templateText(
  store: DesignStore,
  domain: DomainRecord,
  app: ResourceVersion,
  content: Record<string, unknown>,
): string | undefined {
  if (typeof content.templateRef === "string") return approvedText(store, domain, content.templateRef);
  for (const link of store.linksFrom(domain, app.id, 1)) {
    const v = store.latestApproved(domain, link.linkObjectId);
    if (v?.type !== "versionedtemplate") continue;
    const text = v.content.data.toString("utf8");
    if (!text.trimStart().startsWith("<")) return text;
  }
  return undefined;
}

/**
 * Imported designs carry Exstream's own layout, which the simulator cannot run: it renders a plain letter that lists
 * the fields of the driver's sample file instead, so the document still shows the customer's data.
 */
function genericTemplate(store: DesignStore, domain: DomainRecord, resolved: ResolvedCommunication): string {
  const lines = [`# ${resolved.application.name}`];
  if (resolved.application.description) lines.push("", resolved.application.description);
  const sampleId = driverDataSources(resolved).find((d) => d.sampleFileId)?.sampleFileId;
  const sample = sampleId ? store.find(domain, sampleId) : undefined;
  let parsed: unknown;
  try {
    parsed = sample ? JSON.parse(sample.content.data.toString("utf8")) : undefined;
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  const paths =
    parsed && typeof parsed === "object"
      ? leafPaths(parsed as Record<string, unknown>, "").slice(0, MAX_GENERIC_FIELDS)
      : [];
  if (paths.length > 0) lines.push("", ...paths.map((p) => `${p}: {{${p}}}`));
  return lines.join("\n");
}

function leafPaths(obj: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value))
      out.push(...leafPaths(value as Record<string, unknown>, path));
    else out.push(path);
  }
  return out;
}

/** Every content block of the domain at its current approved version; the engine picks by name and rules. */
export function approvedBlocks(store: DesignStore, domain: DomainRecord): EngineBlock[] {
  const blocks: EngineBlock[] = [];
  for (const id of domain.resources.keys()) {
    const v = store.latestApproved(domain, id);
    if (!v) continue;
    let type: EngineBlock["type"];
    if (v.type === BLOCK_IMAGE_TYPE) type = "image";
    else if (v.type === BLOCK_TEXT_TYPE) type = v.metadata.subtype === "disclaimer" ? "disclaimer" : "message";
    else continue;
    const rules: NonNullable<EngineBlock["rules"]> = {};
    for (const key of ["language", "jurisdiction", "segment", "product"] as const) {
      if (v.metadata[key]) rules[key] = v.metadata[key];
    }
    blocks.push({
      id: v.id,
      name: v.metadata.blockName ?? v.name,
      version: v.version,
      type,
      content: v.content.data,
      ...(Object.keys(rules).length > 0 ? { rules } : {}),
    });
  }
  return blocks;
}
