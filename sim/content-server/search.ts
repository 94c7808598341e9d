import { badRequest } from "./errors";
import { SubType, type AttributeValue, type SimNode } from "./model";
import { selfLinks } from "./responses";
import type { RequestContext, Router } from "./router";
import type { Store } from "./store";
import { latestVersion, nodeProperties, pageOf, versionView } from "./views";

/** A parsed LQL query (the subset the simulator understands). */
export type Query =
  | { kind: "and" | "or"; parts: Query[] }
  | { kind: "not"; part: Query }
  | { kind: "term"; region?: string; op: string; value: string };

type Token = { type: "word" | "string" | "region" | "op" | "(" | ")"; text: string };

const DEFAULT_SEARCH_LIMIT = 10;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\[qlregion\s+"([^"]+)"\s*\])|"((?:[^"\\]|\\.)*)"|(\()|(\))|(>=|<=|!=|:|=|>|<)|([^\s()":<>=!]+))/giy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text))) {
    if (match[1]) tokens.push({ type: "region", text: match[2] });
    else if (match[3] !== undefined) tokens.push({ type: "string", text: match[3].replace(/\\(.)/g, "$1") });
    else if (match[4]) tokens.push({ type: "(", text: "(" });
    else if (match[5]) tokens.push({ type: ")", text: ")" });
    else if (match[6]) tokens.push({ type: "op", text: match[6] });
    else if (match[7]) tokens.push({ type: "word", text: match[7] });
    if (/^\s*$/.test(text.slice(pattern.lastIndex))) break;
  }
  if (pattern.lastIndex < text.length && text.slice(pattern.lastIndex).trim()) {
    throw badRequest(`Could not parse the search query near '${text.slice(pattern.lastIndex)}'.`);
  }
  return tokens;
}

export function parseQuery(text: string): Query {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const keyword = (word: string) => peek()?.type === "word" && peek().text.toLowerCase() === word;
  const fail = (): never => {
    throw badRequest(`Could not parse the search query '${text}'.`);
  };

  function parseOr(): Query {
    const parts = [parseAnd()];
    while (keyword("or")) {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : { kind: "or", parts };
  }

  function parseAnd(): Query {
    const parts = [parseUnary()];
    while (peek() && peek().type !== ")" && !keyword("or")) {
      if (keyword("and")) pos++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0] : { kind: "and", parts };
  }

  function parseUnary(): Query {
    if (keyword("not")) {
      pos++;
      return { kind: "not", part: parseUnary() };
    }
    const token = peek() ?? fail();
    if (token.type === "(") {
      pos++;
      const inner = parseOr();
      if (peek()?.type !== ")") fail();
      pos++;
      return inner;
    }
    if (token.type === "region") {
      pos++;
      return parseValue(token.text);
    }
    if (token.type === "word" && tokens[pos + 1]?.type === "op") {
      pos++;
      return parseValue(token.text);
    }
    if (token.type === "word" || token.type === "string") {
      pos++;
      return { kind: "term", op: ":", value: token.text };
    }
    return fail();
  }

  function parseValue(region: string): Query {
    let op = ":";
    if (peek()?.type === "op") op = tokens[pos++].text;
    const token = peek();
    if (!token || (token.type !== "word" && token.type !== "string")) return fail();
    pos++;
    return { kind: "term", region, op: op === "=" ? ":" : op, value: token.text };
  }

  if (!tokens.length) throw badRequest("The search query is empty.");
  const query = parseOr();
  if (pos !== tokens.length) fail();
  return query;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}*]+/gu) ?? [];
}

/** Full-text style match: the query's words appear in order in the value; a trailing `*` matches a prefix. */
function phraseMatches(value: string, query: string): boolean {
  const haystack = words(value);
  const needle = words(query);
  if (!needle.length) return value.trim() === query.trim();
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (
      needle.every((w, i) =>
        w.endsWith("*") ? haystack[start + i].startsWith(w.slice(0, -1)) : haystack[start + i] === w,
      )
    ) {
      return true;
    }
  }
  return false;
}

function compare(value: string, op: string, query: string): boolean {
  if (op === ":") return phraseMatches(value, query);
  const a = Number.isFinite(Number(value)) && value !== "" ? Number(value) : value.replace(/[^0-9A-Za-z]/g, "");
  const b = Number.isFinite(Number(query)) && query !== "" ? Number(query) : query.replace(/[^0-9A-Za-z]/g, "");
  switch (op) {
    case ">":
      return a > b;
    case "<":
      return a < b;
    case ">=":
      return a >= b;
    case "<=":
      return a <= b;
    case "!=":
      return a !== b;
    default:
      return false;
  }
}

function compactDate(iso: string): string {
  return iso.slice(0, 10).replace(/-/g, "");
}

function flatten(value: AttributeValue | undefined): string[] {
  if (value === null || value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== "").map(String);
}

function attributeValues(node: SimNode, region: string): string[] | undefined {
  const match = /^Attr_(\d+)_(\d+)(?:_(\d+))?$/i.exec(region);
  if (!match) return undefined;
  const applied = node.categories[match[1]];
  if (!applied) return [];
  if (match[3] === undefined) return flatten(applied.values[`${match[1]}_${match[2]}`]);
  const prefix = `${match[1]}_${match[2]}_`;
  return Object.entries(applied.values)
    .filter(([key]) => key.startsWith(prefix) && key.endsWith(`_${match[3]}`) && key.split("_").length === 4)
    .flatMap(([, value]) => flatten(value));
}

function regionValues(store: Store, node: SimNode, region: string): string[] {
  const exact = (values: Array<string | number>) => values.map(String);
  switch (region.toLowerCase()) {
    case "otname":
      return [node.name];
    case "otsubtype":
      return exact([node.type]);
    case "otlocation":
      return exact([...store.ancestorIds(node), node.id]);
    case "otparentid":
      return exact([node.parentId]);
    case "otobjectid":
    case "otdataid":
      return exact([node.id]);
    case "otmimetype":
      return latestVersion(node) ? [latestVersion(node)!.mimeType] : [];
    case "otobjectdate":
    case "otcreatedate":
      return [compactDate(node.createDate)];
    case "otmodifydate":
      return [compactDate(node.modifyDate)];
    case "otdcomment":
    case "otdescription":
      return [node.description];
    case "otcreatedby":
      return exact([node.createUserId]);
    default:
      return attributeValues(node, region) ?? [];
  }
}

const EXACT_REGIONS = new Set(["otsubtype", "otlocation", "otparentid", "otobjectid", "otdataid", "otcreatedby"]);

function matches(store: Store, node: SimNode, query: Query): boolean {
  switch (query.kind) {
    case "and":
      return query.parts.every((p) => matches(store, node, p));
    case "or":
      return query.parts.some((p) => matches(store, node, p));
    case "not":
      return !matches(store, node, query.part);
    case "term": {
      if (!query.region) {
        const texts = [
          node.name,
          node.description,
          ...Object.values(node.categories).flatMap((c) => Object.values(c.values).flatMap(flatten)),
        ];
        return texts.some((t) => phraseMatches(t, query.value));
      }
      const values = regionValues(store, node, query.region);
      if (EXACT_REGIONS.has(query.region.toLowerCase()) && query.op === ":") {
        return values.some((v) => v === query.value.trim());
      }
      return values.some((v) => compare(v, query.op, query.value));
    }
  }
}

function plainWordsQuery(where: string, lookfor: string): Query {
  if (lookfor === "exactphrase") return { kind: "term", op: ":", value: where };
  const parts: Query[] = words(where).map((w) => ({ kind: "term", op: ":", value: w }));
  if (!parts.length) throw badRequest("The search query is empty.");
  return { kind: lookfor === "anywords" ? "or" : "and", parts };
}

function indexed(store: Store, node: SimNode): boolean {
  if (node.hidden || node.parentId === -1) return false;
  return !store.ancestorIds(node).some((id) => store.findNode(id)?.type === SubType.WorkflowVolume);
}

function sortResults(nodes: SimNode[], sort: string): SimNode[] {
  const [, dir, field] = /^(asc|desc)_(.+)$/i.exec(sort) ?? [];
  if (!field) return nodes;
  const key = (n: SimNode) =>
    field.toLowerCase() === "otname"
      ? n.name.toLowerCase()
      : field.toLowerCase() === "otmodifydate"
        ? n.modifyDate
        : n.createDate;
  const sign = dir.toLowerCase() === "desc" ? -1 : 1;
  return [...nodes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id) * sign);
}

function search(ctx: RequestContext) {
  const { store } = ctx.sim;
  const input = { ...Object.fromEntries(ctx.query), ...ctx.form.input() } as Record<string, unknown>;
  const where = String(input.where ?? "").trim();
  if (!where) throw badRequest("Missing required parameter 'where'.");
  const lookfor = String(input.lookfor ?? "complexquery").toLowerCase();
  const query = lookfor === "complexquery" ? parseQuery(where) : plainWordsQuery(where, lookfor);
  const hits = sortResults(
    Object.values(store.data.nodes).filter((n) => indexed(store, n) && matches(store, n, query)),
    String(input.sort ?? "relevance"),
  );
  const requestedPage = input.page === undefined ? null : String(input.page);
  const limit = input.limit === undefined ? null : String(input.limit);
  const first = pageOf(hits, requestedPage, limit, DEFAULT_SEARCH_LIMIT);
  const { paging } = first;
  let { slice } = first;
  if (!slice.length && hits.length) {
    // CS answers an out-of-range page with the last page's results, so clients must stop at page_total.
    ({ slice } = pageOf(hits, String(paging.page_total), limit, DEFAULT_SEARCH_LIMIT));
  }
  const pyxecmShape = ctx.sim.options.searchResultShape === "pyxecm";
  return {
    links: selfLinks(ctx.req),
    collection: {
      paging: {
        ...paging,
        result_header_string: `Results ${paging.range_min} to ${paging.range_max} of ${paging.total_count}`,
      },
      searching: { cache_id: 0, regions_metadata: {}, regions_order: [], result_title: "Search Results" },
      sorting: { links: {} },
    },
    results: slice.map((node) => {
      const latest = latestVersion(node);
      const ancestors = store.ancestorIds(node).map((id) => store.findNode(id)!);
      const parent = store.findNode(node.parentId);
      const regions = {
        OTName: node.name,
        OTMIMEType: latest?.mimeType ?? "",
        OTLocation: [...ancestors.map((a) => a.id), node.id].join(" "),
        OTObjectDate: compactDate(node.createDate),
      };
      return {
        data: {
          properties: nodeProperties(store, node),
          // The OpenAPI description types `regions` as a string without saying what it holds: sent only in the
          // shape pyxecm's example shows (an object).
          ...(pyxecmShape ? { regions } : {}),
          versions: latest ? versionView(node, latest) : {},
        },
        links: {
          ancestors: ancestors.map((a) => ({ href: `api/v1/nodes/${a.id}`, name: a.name })),
          parent: { href: `api/v1/nodes/${node.parentId}`, name: parent?.name ?? "" },
        },
        search_result_metadata: {
          current_version: true,
          object_id: `DataId=${node.id}&Version=${latest?.number ?? 1}`,
          // numbers in the OpenAPI description (search_searchMetadataResultsData), strings in pyxecm's example
          result_type: pyxecmShape ? "264" : 264,
          source_id: pyxecmShape ? "2056" : 2056,
          version_type: null,
        },
      };
    }),
  };
}

export function registerSearchRoutes(router: Router): void {
  router.post("api/v2/search", search).post("api/v1/search", search);
}
