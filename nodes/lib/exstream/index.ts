/** The typed Exstream client: one token cache, one transport, every API area as methods. */
import * as artifacts from "./artifacts";
import * as batch from "./batch";
import type { ExstreamContext } from "./context";
import { CsrfCookie } from "./csrf";
import * as design from "./design";
import { Transport } from "./http";
import * as ondemand from "./ondemand";
import * as runtime from "./runtime";
import { OtdsTokenCache } from "./token";
import type {
  BatchSubmitRequest,
  CommunicationBinding,
  CommunicationSetManifest,
  DesignVersion,
  Domain,
  ExstreamClientOptions,
  ImportResult,
  FlowInstance,
  FlowStep,
  FulfillRequest,
  GenerateRequest,
  GenerateResult,
  Job,
  LinkDTO,
  Page,
  PageRequest,
  ResourceFilter,
  ResourceState,
  ResourceVersion,
  RuntimeFilter,
  UploadContent,
  WaitForJobOptions,
} from "./types";

export * from "./types";
export { ExstreamError, ManifestError, scrubSecrets } from "./errors";
export {
  openDeliveryManifest,
  forEachManifestCustomer,
  sniffManifestEncoding,
  type CustomerCommunication,
  type CustomerFile,
  type CustomerReportFile,
  type DeliveryManifest,
  type DeliveryManifestOptions,
  type ManifestSummary,
} from "./delivery-manifest";
export type { DownloadedFile } from "./artifacts";
export type { CompletedJobsOptions } from "./runtime";
export type { CreateResourceRequest, ImportPackageRequest } from "./design";
export { formatRuntimeFilter, runtimeFilterParams, matchesFilter } from "./runtime";
export { toEpochMs } from "./dates";
export { encodeDriver } from "./ondemand";
export { DEFAULT_BATCH_INPUT_PATH } from "./batch";
export { DEFAULT_CSRF_COOKIE } from "./csrf";
export { resolveTokenUrl, DEFAULT_TOKEN_PATH_TEMPLATE, CLOUD_TOKEN_PATH_TEMPLATE, DEFAULT_SCOPE } from "./token";
export * from "./communication-document";
export {
  findOnDemandJob,
  findOnDemandManifest,
  generateOnce,
  onDemandCallStart,
  maybeProcessed,
  MAYBE_PROCESSED,
  outputsOfOnDemandJob,
  type OnDemandCall,
  type OnDemandJob,
  type OnDemandJobQuery,
  type OnDemandManifest,
} from "./ondemand-jobs";
export {
  forEachJobCommunication,
  communicationSteps,
  artifactNameOf,
  safeJoin,
  type CommunicationStepRef,
  type LocalCustomerCommunication,
  type LocalCustomerFile,
  type LocalCustomerReportFile,
} from "./job-outputs";
export { publishPackage, type PackagePublishRequest, type PackagePublishResult } from "./publish-package";
export {
  publishResource,
  detectWorkflow,
  auditComments,
  type PublishRequest,
  type PublishResult,
  type PublishSource,
  type PublishWorkflow,
  type PublishOutcome,
} from "./publish";

export class ExstreamClient {
  readonly domain: string;
  private readonly ctx: ExstreamContext;
  private readonly transport: Transport;
  private readonly tokens: OtdsTokenCache;

  constructor(options: ExstreamClientOptions) {
    if (!options.baseUrl) throw new Error("Exstream: base URL is required");
    if (!options.domain) throw new Error("Exstream: domain is required");
    const base = options.baseUrl.replace(/\/+$/, "");
    this.domain = options.domain;
    this.transport = new Transport(options);
    this.tokens = new OtdsTokenCache(options.auth, base, this.transport);
    this.transport.useTokens(this.tokens);
    this.transport.useCsrf(new CsrfCookie(options.csrf));
    const filterStyle = options.runtimeFilterStyle ?? "auto";
    this.ctx = {
      transport: this.transport,
      orchestrationUrl: `${base}${normalisePath(options.orchestrationPath ?? "/orchestration")}/api/v1`,
      designUrl: `${base}${normalisePath(options.designPath ?? "/design")}/api/v1`,
      domain: options.domain,
      filterStyle: { configured: filterStyle, active: filterStyle === "object" ? "object" : "semicolon" },
      batchInputPath: options.batchInputPath?.trim() || batch.DEFAULT_BATCH_INPUT_PATH,
    };
  }

  // ————— connection —————

  /** A valid bearer token (cached; at most one request in flight). */
  getToken(): Promise<string> {
    return this.tokens.getToken();
  }

  get tokenUrl(): string {
    return this.tokens.tokenUrl;
  }

  /** How many token requests this client has sent. */
  get tokenRequestCount(): number {
    return this.tokens.requestCount;
  }

  /** Obtains a token and reads the Design API version and domains; throws ExstreamError when anything fails. */
  async testConnection(): Promise<{ version: DesignVersion; domains: string[]; domainFound: boolean }> {
    await this.tokens.getToken();
    const [version, domains] = await Promise.all([this.getDesignVersion(), this.listDomains()]);
    const ids = domains.map((d) => d.id);
    return { version, domains: ids, domainFound: ids.includes(this.domain) };
  }

  close(): void {
    this.tokens.clear();
    this.transport.close();
  }

  // ————— on-demand —————

  generate(req: GenerateRequest): Promise<GenerateResult> {
    return ondemand.generate(this.ctx, req);
  }

  fulfill(req: FulfillRequest): Promise<GenerateResult> {
    return ondemand.fulfill(this.ctx, req);
  }

  // ————— batch —————

  submitBatch(req: BatchSubmitRequest): Promise<FlowInstance[]> {
    return batch.submitBatch(this.ctx, req);
  }

  waitForJob(jobId: string, options?: WaitForJobOptions): Promise<Job> {
    return batch.waitForJob(this.ctx, jobId, options);
  }

  // ————— runtime —————

  listJobs(filter?: RuntimeFilter, page?: PageRequest, domain?: string): Promise<Page<Job>> {
    return runtime.listJobs(this.ctx, filter, page, domain);
  }
  iterateJobs(filter?: RuntimeFilter, pageSize?: number, domain?: string): AsyncGenerator<Job, void, undefined> {
    return runtime.iterateJobs(this.ctx, filter, pageSize, domain);
  }
  getJob(id: string, domain?: string): Promise<Job> {
    return runtime.getJob(this.ctx, id, domain);
  }
  listFlowInstances(filter?: RuntimeFilter, page?: PageRequest, domain?: string): Promise<Page<FlowInstance>> {
    return runtime.listFlowInstances(this.ctx, filter, page, domain);
  }
  iterateFlowInstances(
    filter?: RuntimeFilter,
    pageSize?: number,
    domain?: string,
  ): AsyncGenerator<FlowInstance, void, undefined> {
    return runtime.iterateFlowInstances(this.ctx, filter, pageSize, domain);
  }
  getFlowInstance(id: string, domain?: string): Promise<FlowInstance> {
    return runtime.getFlowInstance(this.ctx, id, domain);
  }
  getFlowInstanceInput(id: string, domain?: string): Promise<Buffer> {
    return runtime.getFlowInstanceInput(this.ctx, id, domain);
  }
  listFlowSteps(filter?: RuntimeFilter, page?: PageRequest, domain?: string): Promise<Page<FlowStep>> {
    return runtime.listFlowSteps(this.ctx, filter, page, domain);
  }
  iterateFlowSteps(
    filter?: RuntimeFilter,
    pageSize?: number,
    domain?: string,
  ): AsyncGenerator<FlowStep, void, undefined> {
    return runtime.iterateFlowSteps(this.ctx, filter, pageSize, domain);
  }
  getFlowStep(id: string, domain?: string): Promise<FlowStep> {
    return runtime.getFlowStep(this.ctx, id, domain);
  }
  completedJobsSince(sinceEpochMs: number, options?: runtime.CompletedJobsOptions): Promise<Job[]> {
    return runtime.completedJobsSince(this.ctx, sinceEpochMs, options);
  }

  // ————— outputs —————

  downloadDeliveryFile(stepId: string, destPath: string, domain?: string): Promise<artifacts.DownloadedFile> {
    return artifacts.downloadDeliveryFile(this.ctx, stepId, destPath, domain);
  }
  readDeliveryFile(stepId: string, maxBytes: number, domain?: string): Promise<Buffer | undefined> {
    return artifacts.readDeliveryFile(this.ctx, stepId, maxBytes, domain);
  }
  listOutputFiles(stepId: string, page?: PageRequest, domain?: string): Promise<Page<string>> {
    return artifacts.listOutputFiles(this.ctx, stepId, page, domain);
  }
  iterateOutputFiles(stepId: string, pageSize?: number, domain?: string): AsyncGenerator<string, void, undefined> {
    return artifacts.iterateOutputFiles(this.ctx, stepId, pageSize, domain);
  }
  downloadArtifact(stepId: string, artifactName: string, destPath: string, domain?: string) {
    return artifacts.downloadArtifact(this.ctx, stepId, artifactName, destPath, domain);
  }
  downloadCustomerArtifacts(stepId: string, customerNumber: string, destPath: string, domain?: string) {
    return artifacts.downloadCustomerArtifacts(this.ctx, stepId, customerNumber, destPath, domain);
  }
  downloadMessageFile(stepId: string, destPath: string, domain?: string) {
    return artifacts.downloadMessageFile(this.ctx, stepId, destPath, domain);
  }

  // ————— design —————

  getDesignVersion(): Promise<DesignVersion> {
    return design.getDesignVersion(this.ctx);
  }
  /** Every domain of the tenant (read page by page, `pageSize` at a time). */
  listDomains(pageSize?: number): Promise<Domain[]> {
    return design.listDomains(this.ctx, pageSize);
  }
  listResources(filter?: ResourceFilter, page?: PageRequest, domain?: string): Promise<Page<ResourceVersion>> {
    return design.listResources(this.ctx, filter, page, domain);
  }
  iterateResources(
    filter?: ResourceFilter,
    pageSize?: number,
    domain?: string,
  ): AsyncGenerator<ResourceVersion, void, undefined> {
    return design.iterateResources(this.ctx, filter, pageSize, domain);
  }
  getResource(id: string, options?: { version?: number; domain?: string }): Promise<ResourceVersion> {
    return design.getResource(this.ctx, id, options);
  }
  getResourceContent(id: string, options?: { version?: number; domain?: string }) {
    return design.getResourceContent(this.ctx, id, options);
  }
  downloadResourceContent(id: string, destPath: string, options?: { version?: number; domain?: string }) {
    return design.downloadResourceContent(this.ctx, id, destPath, options);
  }
  createResource(req: design.CreateResourceRequest): Promise<ResourceVersion> {
    return design.createResource(this.ctx, req);
  }
  updateResourceContent(id: string, content: UploadContent, domain?: string): Promise<ResourceVersion> {
    return design.updateResourceContent(this.ctx, id, content, domain);
  }
  changeResourceState(
    id: string,
    state: ResourceState,
    auditedComment: string,
    options?: { locked?: boolean; domain?: string },
  ): Promise<ResourceVersion> {
    return design.changeResourceState(this.ctx, id, state, auditedComment, options);
  }
  listLinks(subjectId: string, options?: { depth?: number; types?: string[]; domain?: string }): Promise<LinkDTO[]> {
    return design.listLinks(this.ctx, subjectId, options);
  }
  importPackage(req: design.ImportPackageRequest): Promise<ImportResult> {
    return design.importPackage(this.ctx, req);
  }
  getCommunicationSetManifest(setId: string, domain?: string): Promise<CommunicationSetManifest> {
    return design.getCommunicationSetManifest(this.ctx, setId, domain);
  }
  findCommunicationByName(name: string, domain?: string): Promise<ResourceVersion | undefined> {
    return design.findCommunicationByName(this.ctx, name, domain);
  }
  resolveCommunication(idOrName: string, domain?: string): Promise<CommunicationBinding> {
    return design.resolveCommunication(this.ctx, idOrName, domain);
  }
}

function normalisePath(p: string): string {
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "";
  return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}
