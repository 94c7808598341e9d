/*
 * Orchestration inputs (`/orchestration/api/v1/inputs/...`): on-demand generate, Empower fulfilment, batch and named
 * on-demand HTTP input channels. Every call records a job and writes the output tree.
 */
import { randomUUID } from "node:crypto";
import { checkDriver, EMPOWER_MIME_TYPE, resolveCommunication, type ResolvedCommunication } from "./communications";
import type { CsrfGuard } from "./auth";
import type { EngineApi, EngineDocument } from "./engine-port";
import { badRequest, notFound, SimHttpError } from "./errors";
import {
  header,
  mediaType,
  readBody,
  sendBuffer,
  sendJson,
  success,
  type Principal,
  type RequestContext,
  type Router,
} from "./http";
import { flowInstanceDto, type JobStore } from "./jobs";
import type { ProtocolSettings } from "./options";
import type { DesignStore, DomainRecord, InputChannel } from "./store";

const BASE = "/orchestration/api/v1";

/** An interactive Empower document created by a generate call with `empowerUser`, waiting for fulfilment. */
export interface EmpowerDocument {
  id: string;
  tenant: string;
  domainId: string;
  communicationId: string;
  customer: Record<string, unknown>;
  user: string;
  createdDate: number;
}

export interface OrchestrationCounters {
  generateCalls: number;
  fulfillCalls: number;
  batchSubmissions: number;
}

export class Orchestration {
  readonly empowerDocuments = new Map<string, EmpowerDocument>();
  readonly counters: OrchestrationCounters = { generateCalls: 0, fulfillCalls: 0, batchSubmissions: 0 };

  constructor(
    private readonly store: DesignStore,
    private readonly jobs: JobStore,
    private readonly engine: () => EngineApi,
    private readonly now: () => number,
    private readonly settings: ProtocolSettings,
    private readonly csrf: CsrfGuard,
  ) {}

  register(router: Router): void {
    router.add("POST", `${BASE}/inputs/ondemand/:domain/generate`, (ctx) => this.generate(ctx));
    router.add("POST", `${BASE}/inputs/fulfillment/ondemand/:domain/fulfill`, (ctx) => this.fulfill(ctx));
    router.add("POST", `${BASE}/inputs/batch/:domain/:channel`, (ctx) => this.batch(ctx));
    router.add("POST", `${BASE}/inputs/ondemand/:domain/:channel`, (ctx) => this.namedOnDemand(ctx));
    router.add("GET", `${BASE}/flow-models/:domain/published`, (ctx) => this.publishedFlowModels(ctx));
    // ORC getVersion_1 answers a bare VersionConfig (the SDK's OrchestrationService parses it so), no {status, data}
    router.add("GET", `${BASE}/version`, (ctx) =>
      sendJson(ctx.res, 200, {
        apiIdentifier: "orchestration/v1",
        major: "25",
        minor: "2",
        patch: "0",
        versionString: "25.2.0-sim",
      }),
    );
  }

  reset(): void {
    this.empowerDocuments.clear();
    Object.assign(this.counters, { generateCalls: 0, fulfillCalls: 0, batchSubmissions: 0 });
  }

  private domainOf(ctx: RequestContext): DomainRecord {
    return this.store.domain(principalOf(ctx).tenant, ctx.params.domain);
  }

  private async generate(ctx: RequestContext): Promise<void> {
    this.counters.generateCalls++;
    const domain = this.domainOf(ctx);
    const communicationId = header(ctx, "communicationId");
    if (!communicationId) throw badRequest("Missing required header: communicationId");
    const resolved = resolveCommunication(this.store, domain, communicationId);
    checkDriver(resolved, header(ctx, "driverDataSource"));
    await this.onDemand(ctx, domain, resolved, "generate", communicationId, resolved.application.name);
  }

  private async namedOnDemand(ctx: RequestContext): Promise<void> {
    this.csrf.require(ctx);
    this.counters.generateCalls++;
    const domain = this.domainOf(ctx);
    const channel = channelOf(domain, ctx.params.channel);
    const resolved = resolveCommunication(this.store, domain, channel.communicationId);
    await this.onDemand(ctx, domain, resolved, channel.name, channel.flowModelId, channel.flowModelName);
  }

  private async onDemand(
    ctx: RequestContext,
    domain: DomainRecord,
    resolved: ResolvedCommunication,
    channel: string,
    flowModelId: string,
    flowModelName: string,
  ): Promise<void> {
    const contentType = driverContentType(ctx);
    const body = await readBody(ctx.req);
    if (body.length === 0) throw badRequest("The request body (driver data) is empty");
    const customers = this.parseDriver(body, contentType);
    const principal = principalOf(ctx);
    const empowerUser = header(ctx, "empowerUser");
    const empowerQueues = resolved.queues.filter((q) => q.driver === "Empower");
    if (empowerQueues.length > 0 && !empowerUser) {
      throw badRequest(
        `Communication ${resolved.application.id} produces Empower output: the empowerUser header is required`,
      );
    }
    const started = this.jobs.start({
      tenant: principal.tenant,
      domain,
      mode: "ONDEMAND",
      channel,
      flowModelId,
      flowModelName,
      triggeredBy: principal.subject,
      input: body,
      inputContentType: contentType,
      communicationName: resolved.application.name,
    });
    const empowerDocs = (records: Record<string, unknown>[]): EngineDocument[] =>
      empowerQueues.length === 0 || !empowerUser
        ? []
        : records.flatMap((customer, i) =>
            empowerQueues.map((q) =>
              this.createEmpowerDocument(principal, domain, resolved, customer, empowerUser, q.name, i + 1),
            ),
          );
    let documents: EngineDocument[];
    try {
      documents = (await this.jobs.run(started, principal.tenant, domain, resolved, () => customers, empowerDocs))
        .documents;
    } catch (err) {
      throw engineFailure(err);
    }
    respondWithDocuments(ctx, documents, empowerUser !== undefined);
  }

  private createEmpowerDocument(
    principal: Principal,
    domain: DomainRecord,
    resolved: ResolvedCommunication,
    customer: Record<string, unknown>,
    user: string,
    queueName: string,
    customerNumber: number,
  ): EngineDocument {
    const doc: EmpowerDocument = {
      id: randomUUID(),
      tenant: principal.tenant,
      domainId: domain.id,
      communicationId: resolved.application.id,
      customer,
      user,
      createdDate: this.now(),
    };
    this.empowerDocuments.set(doc.id, doc);
    return {
      customerNumber,
      queueName,
      channel: "empower",
      fileName: doc.id,
      mimeType: EMPOWER_MIME_TYPE,
      content: Buffer.from(JSON.stringify({ documentId: doc.id })),
      keys: {},
      pageCount: 1,
    };
  }

  private async fulfill(ctx: RequestContext): Promise<void> {
    this.counters.fulfillCalls++;
    const domain = this.domainOf(ctx);
    const principal = principalOf(ctx);
    const communicationId = header(ctx, "communicationId");
    if (!communicationId) throw badRequest("Missing required header: communicationId");
    const fulfillment = resolveCommunication(this.store, domain, communicationId);
    checkDriver(fulfillment, header(ctx, "driverDataSource"));
    const preserve = (header(ctx, "preserveDocuments") ?? "false").toLowerCase() === "true";
    if (mediaType(ctx.req.headers["content-type"]) !== "application/json") {
      throw new SimHttpError(415, "The fulfilment request body must be application/json");
    }
    const body = await readBody(ctx.req);
    let ids: unknown;
    try {
      ids = (JSON.parse(body.toString("utf8")) as { documents?: unknown }).documents;
    } catch {
      throw badRequest('The body must be JSON {"documents":[…]}');
    }
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === "string")) {
      throw badRequest('"documents" must be a non-empty array of Empower document ids');
    }
    const docs = (ids as string[]).map((id) => {
      const doc = this.empowerDocuments.get(id);
      if (!doc || doc.tenant !== principal.tenant || doc.domainId !== domain.id)
        throw notFound(`Empower document ${id} does not exist`);
      return doc;
    });
    // The document was designed in its own communication; fulfilment renders it through the fulfilment set's queues.
    const source = this.store.latestApproved(domain, docs[0].communicationId) ?? fulfillment.application;
    const resolved: ResolvedCommunication = { ...fulfillment, application: source };
    const started = this.jobs.start({
      tenant: principal.tenant,
      domain,
      mode: "ONDEMAND",
      channel: "fulfill",
      flowModelId: communicationId,
      flowModelName: fulfillment.application.name,
      triggeredBy: principal.subject,
      input: body,
      inputContentType: "application/json",
      communicationName: fulfillment.application.name,
    });
    let documents: EngineDocument[];
    try {
      documents = (await this.jobs.run(started, principal.tenant, domain, resolved, () => docs.map((d) => d.customer)))
        .documents;
    } catch (err) {
      throw engineFailure(err);
    }
    if (!preserve) for (const d of docs) this.empowerDocuments.delete(d.id);
    respondWithDocuments(ctx, documents, false);
  }

  private async batch(ctx: RequestContext): Promise<void> {
    this.csrf.require(ctx);
    this.counters.batchSubmissions++;
    const domain = this.domainOf(ctx);
    const principal = principalOf(ctx);
    const channel = channelOf(domain, ctx.params.channel);
    const resolved = resolveCommunication(this.store, domain, channel.communicationId);
    const contentType = mediaType(ctx.req.headers["content-type"]) || "application/octet-stream";
    const body = await readBody(ctx.req);
    const started = this.jobs.start({
      tenant: principal.tenant,
      domain,
      mode: "BATCH",
      channel: channel.name,
      flowModelId: channel.flowModelId,
      flowModelName: channel.flowModelName,
      triggeredBy: principal.subject,
      input: body,
      inputContentType: contentType,
      communicationName: resolved.application.name,
    });
    this.jobs.schedule(() =>
      this.jobs.run(started, principal.tenant, domain, resolved, () => this.parseDriver(body, contentType)),
    );
    success(ctx.res, [flowInstanceDto(started.instance, this.settings.dates)]);
  }

  private publishedFlowModels(ctx: RequestContext): void {
    const domain = this.domainOf(ctx);
    success(
      ctx.res,
      // ORC TenantFlowmodel: no input channel or communication is named in a published flow model
      [...domain.channels.values()].map((c) => ({ id: c.flowModelId, name: c.flowModelName, type: "COMMUNICATION" })),
    );
  }

  private parseDriver(body: Buffer, contentType: string): Record<string, unknown>[] {
    try {
      return this.engine().parseDriverData(body, contentType);
    } catch (err) {
      throw badRequest(`The driver data cannot be read as ${contentType}: ${(err as Error).message}`);
    }
  }
}

export function principalOf(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new SimHttpError(401, "Full authentication is required to access this resource");
  return ctx.principal;
}

function channelOf(domain: DomainRecord, name: string): InputChannel {
  const channel = domain.channels.get(name);
  if (!channel) throw notFound(`No published flow model listens on input channel "${name}" in domain "${domain.id}"`);
  return channel;
}

/** The driver must be JSON or XML, like the communication set's sample file (415 otherwise). */
function driverContentType(ctx: RequestContext): string {
  const type = mediaType(ctx.req.headers["content-type"]);
  if (
    type === "application/json" ||
    type.endsWith("+json") ||
    type === "application/xml" ||
    type === "text/xml" ||
    type.endsWith("+xml")
  ) {
    return type;
  }
  throw new SimHttpError(
    415,
    `Content type "${type || "none"}" is not supported; send the driver data as application/json or application/xml`,
  );
}

function engineFailure(err: unknown): Error {
  if (err instanceof SimHttpError) return err;
  return new SimHttpError(500, `Document generation failed: ${(err as Error).message}`);
}

function accepts(ctx: RequestContext): string[] {
  return (header(ctx, "accept") ?? "")
    .split(",")
    .map((s) => s.split(";")[0].trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Envelope by default; `Accept: application/pdf` → the raw PDF; Empower with `Accept: application/json` → the
 * document id only.
 */
function respondWithDocuments(ctx: RequestContext, documents: EngineDocument[], empower: boolean): void {
  const accept = accepts(ctx);
  if (accept.includes("application/pdf")) {
    const pdf = documents.find((d) => d.mimeType === "application/pdf");
    if (!pdf) throw new SimHttpError(406, "The communication produced no PDF output");
    sendBuffer(ctx.res, 200, "application/pdf", pdf.content);
    return;
  }
  if (empower && accept.includes("application/json")) {
    const doc = documents.find((d) => d.mimeType === EMPOWER_MIME_TYPE);
    if (doc) {
      sendJson(ctx.res, 200, JSON.parse(doc.content.toString("utf8")));
      return;
    }
  }
  success(
    ctx.res,
    documents.map((d) => ({
      content: d.content.toString("base64"),
      mimeType: d.mimeType,
      engineOutputContext: {
        queueName: d.queueName,
        fileName: d.fileName.replace(/\.[A-Za-z0-9]{1,5}$/, ""),
        customerNumber: String(d.customerNumber),
      },
    })),
  );
}
