import { asRecord, readPaging, toCsNode, v2ListResults } from "./envelopes";
import type { Transport } from "./http";
import type { Page, SearchHit, SearchRequest } from "./types";

const DEFAULT_PAGE_SIZE = 100;

/** Full-text / metadata search (`POST api/v2/search`, LQL in `where`). Results depend on CS's index latency. */
export class SearchApi {
  constructor(private readonly transport: Transport) {}

  /** One page of hits; a read, so it is retried like one although it is a POST. */
  async search(request: SearchRequest): Promise<Page<SearchHit>> {
    const page = request.page ?? 1;
    const limit = request.limit ?? DEFAULT_PAGE_SIZE;
    const response = await this.transport.json({
      operation: "search",
      method: "POST",
      path: "api/v2/search",
      form: {
        where: request.where,
        lookfor: request.lookfor,
        within: request.within,
        sort: request.sort,
        slice: request.slice,
        page,
        limit,
      },
      idempotent: true,
    });
    const items = v2ListResults(response.data).map((result) => {
      const data = asRecord(result.data);
      const regions = data.regions;
      const hit: SearchHit = toCsNode(asRecord(data.properties));
      if (regions && typeof regions === "object" && !Array.isArray(regions)) hit.regions = asRecord(regions);
      return hit;
    });
    return { items, paging: readPaging(response.data, items.length, { page, limit }) };
  }

  /**
   * All hits up to `maxResults`, page by page. CS answers out-of-range pages with data, so paging stops at
   * `page_total` or at a short page.
   */
  async *searchAll(request: SearchRequest, maxResults = Number.POSITIVE_INFINITY): AsyncGenerator<SearchHit> {
    const limit = request.limit ?? DEFAULT_PAGE_SIZE;
    let yielded = 0;
    for (let page = request.page ?? 1; ; page++) {
      const result = await this.search({ ...request, page, limit });
      for (const hit of result.items) {
        if (yielded++ >= maxResults) return;
        yield hit;
      }
      if (result.items.length < limit || page >= result.paging.pageTotal) return;
    }
  }
}
