/**
 * Orchestration runtime queries: jobs, flow instances, flow steps — filtered, paged, and never trusted: an item the
 * filter excludes is dropped even when the server returns it.
 */
import { seg, unwrap, type ExstreamContext } from "./context";
import { ExstreamError } from "./errors";
import { toEpochMs, withEpochDates } from "./dates";
import type {
  FlowInstance,
  FlowStep,
  Job,
  Page,
  PageInfo,
  PageRequest,
  RuntimeFilter,
  RuntimeFilterStyle,
} from "./types";

const DEFAULT_PAGE_SIZE = 100;
/** Stops a server that ignores `offset` from keeping us in an endless loop. */
const MAX_PAGES = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

type Style = Exclude<RuntimeFilterStyle, "auto">;

/** `statuses:complete,error;jobId:…` with Exstream's escapes for `:`, `;` and `\` inside values. */
export function formatRuntimeFilter(filter: RuntimeFilter | undefined): string | undefined {
  const pairs = filterPairs(filter).map(([key, values]) => `${key}:${values.map(escapeFilterValue).join(",")}`);
  return pairs.length > 0 ? pairs.join(";") : undefined;
}

/** The query parameters of a filter in either style: `filter=a:b;c:d` or `filter.a=b&filter.c=d` (the spec's object). */
export function runtimeFilterParams(filter: RuntimeFilter | undefined, style: Style): Record<string, string> {
  if (style === "semicolon") {
    const text = formatRuntimeFilter(filter);
    return text ? { filter: text } : {};
  }
  return Object.fromEntries(filterPairs(filter).map(([key, values]) => [`filter.${key}`, values.join(",")]));
}

function filterPairs(filter: RuntimeFilter | undefined): Array<[string, string[]]> {
  const pairs: Array<[string, string[]]> = [];
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (values.length > 0) pairs.push([key, values]);
  }
  return pairs;
}

function escapeFilterValue(value: string): string {
  return value.replace(/\\/g, "/bsol/").replace(/:/g, "/colon/").replace(/;/g, "/semi/");
}

/** Filter keys that name a field of the item under another name; date bounds are not checked here. */
const FIELD_OF_KEY: Record<string, string> = { statuses: "status", stepTypes: "stepType", ids: "id" };
const DATE_BOUND = /Date(Start|End)$/;

/** Whether an item satisfies every key of the filter whose field it carries (case-insensitive, lists = any of). */
export function matchesFilter(item: object, filter: RuntimeFilter | undefined): boolean {
  const record = item as Record<string, unknown>;
  for (const [key, values] of filterPairs(filter)) {
    if (DATE_BOUND.test(key)) continue;
    const actual = record[FIELD_OF_KEY[key] ?? key];
    if (actual === undefined || actual === null) continue;
    const wanted = values.map((v) => v.toLowerCase());
    if (!wanted.includes(String(actual).toLowerCase())) return false;
  }
  return true;
}

type Entity = "jobs" | "flow-instances" | "flow-steps";

async function listPage<T>(
  ctx: ExstreamContext,
  entity: Entity,
  filter: RuntimeFilter | undefined,
  page: PageRequest,
  domain?: string,
): Promise<Page<T>> {
  const send = (style: Style) =>
    ctx.transport.request<unknown>({
      operation: `list ${entity}`,
      method: "GET",
      url: `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/${entity}`,
      params: {
        ...runtimeFilterParams(filter, style),
        offset: page.offset ?? 0,
        count: page.count ?? DEFAULT_PAGE_SIZE,
      },
    });
  const filterStyle = ctx.filterStyle;
  let res;
  try {
    res = await send(filterStyle.active);
  } catch (err) {
    // A server that reads only the other syntax answers 400: try it once and keep it when it works.
    const other: Style = filterStyle.active === "semicolon" ? "object" : "semicolon";
    if (filterStyle.configured !== "auto" || !filter || !is400(err)) throw err;
    res = await send(other);
    filterStyle.active = other;
  }
  const { items, page: info } = toPage<T>(res.data);
  // The page info still counts what the server returned, so paging advances past dropped items.
  return {
    items: items.map(withEpochDates).filter((item) => matchesFilter(item as object, filter)),
    page: info,
    received: items.length,
  };
}

function is400(err: unknown): boolean {
  return err instanceof ExstreamError && err.status === 400;
}

export function toPage<T>(body: unknown): Page<T> {
  const data = unwrap<unknown>(body);
  const items = Array.isArray(data) ? (data as T[]) : [];
  const page = body && typeof body === "object" ? ((body as { page?: PageInfo }).page ?? {}) : {};
  return { items, page };
}

/** Every item of a paged list: `offset` advances by what the server sent until a short or empty page. */
export async function* iteratePages<T>(
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<T, void, undefined> {
  let offset = 0;
  for (let n = 0; n < MAX_PAGES; n++) {
    const { items, page, received = items.length } = await fetchPage({ offset, count: pageSize });
    yield* items;
    offset += received;
    if (received === 0 || received < pageSize) return;
    if (page.totalElements !== undefined && offset >= page.totalElements) return;
  }
}

async function getOne<T>(ctx: ExstreamContext, entity: Entity, id: string, domain?: string): Promise<T> {
  const res = await ctx.transport.request<unknown>({
    operation: `get ${entity.replace(/s$/, "")}`,
    method: "GET",
    url: `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/${entity}/${seg(id)}`,
  });
  return withEpochDates(unwrap<T>(res.data));
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

/** The input a flow instance was started with (the bytes posted to the channel or the generate call). */
export async function getFlowInstanceInput(ctx: ExstreamContext, id: string, domain?: string): Promise<Buffer> {
  const res = await ctx.transport.request<Buffer>({
    operation: "get flow instance input",
    method: "GET",
    url: `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/flow-instances/${seg(id)}/input`,
    headers: { Accept: "*/*" },
    responseType: "arraybuffer",
  });
  return Buffer.from(res.data);
}

export interface CompletedJobsOptions {
  statuses?: string[];
  pageSize?: number;
  domain?: string;
}

/**
 * Jobs that ended after `sinceEpochMs` (a checkpoint), oldest first, so a caller can advance its checkpoint to each
 * job's `endDate` as it goes. The server's date bound takes whole days (`endDateStart`, yyyy-MM-dd), so it is set a
 * day early and the exact test is done here.
 */
export async function completedJobsSince(
  ctx: ExstreamContext,
  sinceEpochMs: number,
  options: CompletedJobsOptions = {},
): Promise<Job[]> {
  const found: Job[] = [];
  const filter: RuntimeFilter = { statuses: options.statuses ?? ["complete"] };
  if (sinceEpochMs > DAY_MS) filter.endDateStart = dayOf(sinceEpochMs - DAY_MS);
  for await (const job of iterateJobs(ctx, filter, options.pageSize, options.domain)) {
    const end = toEpochMs(job.endDate);
    if (end !== undefined && end > sinceEpochMs) found.push(job);
  }
  return found.sort((a, b) => (a.endDate as number) - (b.endDate as number));
}

/** `yyyy-MM-dd` (UTC) of an epoch-ms instant: the date format of the runtime filters. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
