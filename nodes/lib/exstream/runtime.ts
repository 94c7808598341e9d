/** Orchestration runtime queries: jobs, flow instances, flow steps — with the real `filter=` syntax and paging. */
import { seg, unwrap, type ExstreamContext } from "./context";
import type { FlowInstance, FlowStep, Job, Page, PageInfo, PageRequest, RuntimeFilter } from "./types";

const DEFAULT_PAGE_SIZE = 100;
/** Stops a server that ignores `offset` from keeping us in an endless loop. */
const MAX_PAGES = 10_000;

/** `statuses:complete,error;jobId:…` with Exstream's escapes for `:`, `;` and `\` inside values. */
export function formatRuntimeFilter(filter: RuntimeFilter | undefined): string | undefined {
  if (!filter) return undefined;
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    pairs.push(`${key}:${values.map((v) => escapeFilterValue(String(v))).join(",")}`);
  }
  return pairs.length > 0 ? pairs.join(";") : undefined;
}

function escapeFilterValue(value: string): string {
  return value.replace(/\\/g, "/bsol/").replace(/:/g, "/colon/").replace(/;/g, "/semi/");
}

type Entity = "jobs" | "flow-instances" | "flow-steps";

async function listPage<T>(
  ctx: ExstreamContext,
  entity: Entity,
  filter: RuntimeFilter | undefined,
  page: PageRequest,
  domain?: string,
): Promise<Page<T>> {
  const res = await ctx.transport.request<unknown>({
    operation: `list ${entity}`,
    method: "GET",
    url: `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/${entity}`,
    params: { filter: formatRuntimeFilter(filter), offset: page.offset ?? 0, count: page.count ?? DEFAULT_PAGE_SIZE },
  });
  return toPage<T>(res.data);
}

export function toPage<T>(body: unknown): Page<T> {
  const data = unwrap<unknown>(body);
  const items = Array.isArray(data) ? (data as T[]) : [];
  const page = body && typeof body === "object" ? ((body as { page?: PageInfo }).page ?? {}) : {};
  return { items, page };
}

/** Every item of a paged list: `offset` advances by what was received until a short or empty page. */
export async function* iteratePages<T>(
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<T, void, undefined> {
  let offset = 0;
  for (let n = 0; n < MAX_PAGES; n++) {
    const { items, page } = await fetchPage({ offset, count: pageSize });
    yield* items;
    offset += items.length;
    if (items.length === 0 || items.length < pageSize) return;
    if (page.totalElements !== undefined && offset >= page.totalElements) return;
  }
}

async function getOne<T>(ctx: ExstreamContext, entity: Entity, id: string, domain?: string): Promise<T> {
  const res = await ctx.transport.request<unknown>({
    operation: `get ${entity.replace(/s$/, "")}`,
    method: "GET",
    url: `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/${entity}/${seg(id)}`,
  });
  return unwrap<T>(res.data);
}

export const listJobs = (ctx: ExstreamContext, filter?: RuntimeFilter, page: PageRequest = {}, domain?: string) =>
  listPage<Job>(ctx, "jobs", filter, page, domain);
export const iterateJobs = (ctx: ExstreamContext, filter?: RuntimeFilter, pageSize?: number, domain?: string) =>
  iteratePages<Job>((p) => listJobs(ctx, filter, p, domain), pageSize);
export const getJob = (ctx: ExstreamContext, id: string, domain?: string) => getOne<Job>(ctx, "jobs", id, domain);

export const listFlowInstances = (
  ctx: ExstreamContext,
  filter?: RuntimeFilter,
  page: PageRequest = {},
  domain?: string,
) => listPage<FlowInstance>(ctx, "flow-instances", filter, page, domain);
export const iterateFlowInstances = (
  ctx: ExstreamContext,
  filter?: RuntimeFilter,
  pageSize?: number,
  domain?: string,
) => iteratePages<FlowInstance>((p) => listFlowInstances(ctx, filter, p, domain), pageSize);
export const getFlowInstance = (ctx: ExstreamContext, id: string, domain?: string) =>
  getOne<FlowInstance>(ctx, "flow-instances", id, domain);

export const listFlowSteps = (ctx: ExstreamContext, filter?: RuntimeFilter, page: PageRequest = {}, domain?: string) =>
  listPage<FlowStep>(ctx, "flow-steps", filter, page, domain);
export const iterateFlowSteps = (ctx: ExstreamContext, filter?: RuntimeFilter, pageSize?: number, domain?: string) =>
  iteratePages<FlowStep>((p) => listFlowSteps(ctx, filter, p, domain), pageSize);
export const getFlowStep = (ctx: ExstreamContext, id: string, domain?: string) =>
  getOne<FlowStep>(ctx, "flow-steps", id, domain);

export interface CompletedJobsOptions {
  statuses?: string[];
  pageSize?: number;
  domain?: string;
}

/**
 * Jobs that ended after `sinceEpochMs` (a checkpoint), oldest first, so a caller can advance its checkpoint to each
 * job's `endDate` as it goes. The date test is done here: the server's date filters take whole days only.
 */
export async function completedJobsSince(
  ctx: ExstreamContext,
  sinceEpochMs: number,
  options: CompletedJobsOptions = {},
): Promise<Job[]> {
  const found: Job[] = [];
  const filter = { statuses: options.statuses ?? ["complete"] };
  for await (const job of iterateJobs(ctx, filter, options.pageSize, options.domain)) {
    if (typeof job.endDate === "number" && job.endDate > sinceEpochMs) found.push(job);
  }
  return found.sort((a, b) => (a.endDate as number) - (b.endDate as number));
}
