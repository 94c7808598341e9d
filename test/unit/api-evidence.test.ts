/**
 * docs/api-evidence.md names the public evidence for every HTTP route the protocol clients call. This test keeps it
 * in step with the code: it reads the client sources, collects the routes they build, and fails naming every route
 * without a row in the document and every documented route the code no longer calls.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const CLIENT_DIRS = ["nodes/lib/content-server", "nodes/lib/exstream"];
const EVIDENCE_DOC = "docs/api-evidence.md";

/** Where the Exstream clients' URL prefixes point with the default service paths (`ExstreamClient`). */
const KNOWN_PREFIXES: Record<string, string> = {
  "${ctx.orchestrationUrl}": "/orchestration/api/v1",
  "${ctx.designUrl}": "/design/api/v1",
};

/** A normalised route starts like one of these (CS REST, Exstream services, OTDS). */
const ROUTE_START = /^(api\/v\d+\/|orchestration\/api\/|design\/api\/|otdsws\/|tenants\/\{\}\/oauth2\/)/;

/**
 * `api/v2/nodes/${positiveId(id, "x")}/categories?x=1` → `api/v2/nodes/{}/categories`: placeholders of any name
 * become `{}`, the query and the leading slash go.
 */
export function normaliseRoute(text: string): string {
  let route = text;
  for (const [expression, prefix] of Object.entries(KNOWN_PREFIXES)) route = route.split(expression).join(prefix);
  return route
    .replace(/\$\{[^}]*\}/g, "{}")
    .replace(/\{[A-Za-z_][\w-]*\}/g, "{}")
    .replace(/\?.*$/, "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
}

/** The source without comments (JSDoc mentions routes too; only code counts). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/**
 * File-local URL helpers such as `const stepUrl = (ctx, id) => \`${ctx.orchestrationUrl}/runtime/…\``: a call
 * `${stepUrl(…)}` inside another template stands for the helper's template.
 */
function expandUrlHelpers(source: string): string {
  const helper = /const (\w+) = \([^)]*\)(?:: string)? =>\s*`([^`]*)`/g;
  let expanded = source;
  for (const [, name, template] of source.matchAll(helper)) {
    expanded = expanded.replace(new RegExp(`\\$\\{${name}\\([^}]*\\)\\}`, "g"), template);
    // a helper used on its own (`url: resourcesUrl(ctx, domain)`) is a route of its own
    expanded = expanded.replace(new RegExp(`\\b${name}\\([^)]*\\)`, "g"), `\`${template}\``);
  }
  return expanded;
}

/**
 * Defaults of configurable paths (`DEFAULT_BATCH_INPUT_PATH = "/inputs/batch/{domain}/{channel}"`) are relative to a
 * service the code prefixes at run time; they are marked so that a row whose path ends with them covers them.
 */
const PATH_CONSTANT = /const (\w*PATH\w*) = "([^"]+)"/g;
export const RELATIVE = "…/";

/** Every route a piece of client source builds, normalised. */
export function routesIn(source: string): string[] {
  const code = expandUrlHelpers(stripComments(source));
  const configurable = new Set([...code.matchAll(PATH_CONSTANT)].map((m) => m[2]));
  const routes: string[] = [];
  for (const [, template, plain] of code.matchAll(/`([^`]*)`|"([^"\n]*)"/g)) {
    const text = template ?? plain;
    const route = normaliseRoute(text);
    // A template literal nested in another one is cut at the inner backtick; its pieces are scanned on their own.
    if (route.includes("$")) continue;
    if (ROUTE_START.test(route)) routes.push(route);
    else if (configurable.has(text)) routes.push(RELATIVE + route);
  }
  return routes;
}

function clientSourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(full);
    }
  };
  for (const dir of CLIENT_DIRS) walk(path.join(ROOT, dir));
  return files.sort();
}

/** Route → the files that call it. */
function routesInCode(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of clientSourceFiles()) {
    for (const route of routesIn(fs.readFileSync(file, "utf8"))) {
      const files = found.get(route) ?? [];
      const relative = path.relative(ROOT, file);
      if (!files.includes(relative)) files.push(relative);
      found.set(route, files);
    }
  }
  return found;
}

/** The path column (second column) of every table row: `| GET | \`api/v2/nodes/{id}\` | … |`. */
export function routesInDocument(markdown: string): string[] {
  const routes: string[] = [];
  for (const line of markdown.split("\n")) {
    if (!line.trimStart().startsWith("|")) continue;
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 4 || !/^(GET|POST|PUT|DELETE|PATCH)$/.test(cells[1])) continue;
    routes.push(normaliseRoute(cells[2].replace(/`/g, "")));
  }
  return routes;
}

/**
 * A code route is covered by a documented one of the same shape. A placeholder in the code matches any documented
 * segment, so `runtime/${seg(domain)}/${entity}` is covered by the rows for `runtime/{domain}/jobs` and its siblings.
 * A relative (configurable) path is compared with the end of the documented one.
 */
export function covers(documented: string, coded: string): boolean {
  const relative = coded.startsWith(RELATIVE);
  const code = (relative ? coded.slice(RELATIVE.length) : coded).split("/");
  const doc = relative ? documented.split("/").slice(-code.length) : documented.split("/");
  return doc.length === code.length && code.every((segment, i) => segment === doc[i] || segment === "{}");
}

describe("docs/api-evidence.md", () => {
  const markdown = fs.readFileSync(path.join(ROOT, EVIDENCE_DOC), "utf8");
  const documented = routesInDocument(markdown);
  const coded = routesInCode();

  it("finds the routes the clients build (the scan itself works)", () => {
    assert.ok(coded.size >= 40, `only ${coded.size} routes found in ${CLIENT_DIRS.join(", ")}`);
    assert.ok(coded.has("api/v2/nodes/{}/categories"), "a template literal with an id");
    assert.ok(coded.has("orchestration/api/v1/runtime/{}/flow-steps/{}/delivery-file"), "a URL helper");
    assert.ok(coded.has("design/api/v1/resources/{}"), "a URL helper used on its own");
    assert.ok(coded.has("otdsws/otdstenant/{}/oauth2/token"), "a path template with {tenant}");
  });

  it("has a row for every route the clients call", () => {
    const missing = [...coded]
      .filter(([route]) => !documented.some((doc) => covers(doc, route)))
      .map(([route, files]) => `${route} (${files.join(", ")})`);
    assert.deepEqual(missing, [], `routes without a row in ${EVIDENCE_DOC}:\n  ${missing.join("\n  ")}`);
  });

  it("gives every route row its six columns: method | path | sent | read | evidence | notes", () => {
    const broken = markdown
      .split("\n")
      .filter((line) => /^\|\s*(GET|POST|PUT|DELETE|PATCH)\s*\|/.test(line))
      .filter((line) => line.split("|").length !== 8); // seven pipes: six cells and the two empty ends
    assert.deepEqual(broken, [], "rows with a stray or missing `|` (inside backticks too)");
  });

  it("documents no route the clients no longer call", () => {
    const stale = documented.filter((doc) => ![...coded.keys()].some((route) => covers(doc, route)));
    assert.deepEqual(stale, [], `rows in ${EVIDENCE_DOC} for routes no client calls:\n  ${stale.join("\n  ")}`);
  });
});

describe("the route scan behind the evidence check", () => {
  it("reads template literals, URL helpers, plain strings and configurable path defaults, and ignores comments", () => {
    const source = [
      "/** `GET api/v1/commented` is not code */",
      "// path: `api/v1/also-commented`",
      "const stepUrl = (ctx: Ctx, id: string): string =>",
      "  `${ctx.orchestrationUrl}/runtime/${seg(ctx.domain)}/flow-steps/${seg(id)}`;",
      'const a = { path: `api/v2/nodes/${positiveId(id, "getNode")}/nodes`, query: { fields: "properties" } };',
      "const b = `${stepUrl(ctx, id)}/message-file`;",
      'const c = withSlash(base) + "api/v1/auth";',
      'const d = "/tenants/{tenant}/oauth2/token";',
      "const e = `${ctx.designUrl}/links/${seg(domain)}?x=1`;",
      'export const DEFAULT_BATCH_INPUT_PATH = "/inputs/batch/{domain}/{channel}";',
      'const f = `${ctx.orchestrationUrl}${path.startsWith("/") ? path : `/${path}`}`;',
    ].join("\n");
    assert.deepEqual(routesIn(source).sort(), [
      "api/v1/auth",
      "api/v2/nodes/{}/nodes",
      "design/api/v1/links/{}",
      "orchestration/api/v1/runtime/{}/flow-steps/{}",
      "orchestration/api/v1/runtime/{}/flow-steps/{}/message-file",
      "tenants/{}/oauth2/token",
      "…/inputs/batch/{}/{}",
    ]);
  });

  it("reads the path column of the document's tables, whatever the placeholder names", () => {
    const markdown = [
      "| method | path | sent | read | evidence | notes |",
      "| --- | --- | --- | --- | --- | --- |",
      "| GET | `api/v2/nodes/{id}/nodes` | `where_name` | `results` | schema.ts | |",
      "| POST | `/orchestration/api/v1/inputs/batch/{domain}/{channel}` | body | `data` | none | |",
      "Not a row | GET | x |",
    ].join("\n");
    assert.deepEqual(routesInDocument(markdown), ["api/v2/nodes/{}/nodes", "orchestration/api/v1/inputs/batch/{}/{}"]);
  });

  it("matches a placeholder in the code against a named segment in the document, not the other way round", () => {
    assert.equal(covers("orchestration/api/v1/runtime/{}/jobs", "orchestration/api/v1/runtime/{}/{}"), true);
    assert.equal(covers("api/v2/nodes/{}", "api/v2/nodes/list"), false);
    assert.equal(covers("api/v2/nodes/{}", "api/v2/nodes/{}/nodes"), false);
    assert.equal(covers("orchestration/api/v1/inputs/batch/{}/{}", "…/inputs/batch/{}/{}"), true);
    assert.equal(covers("orchestration/api/v1/inputs/batch/{}/{}", "…/inputs/{}"), false);
  });
});
