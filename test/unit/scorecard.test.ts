/*
 * The offline part of the Node-RED flow-library scorecard (`node-red-dev validate`, node-red-dev-cli 0.1.6), enforced
 * on the built package: P01 license, P03 repository/bugs, P04 scoped name, P05 `node-red` keyword, P06 `node-red.version`
 * admits the current Node-RED majors, P07 `engines.node` admits 22.9, N02 every non-config node used by an example,
 * D01 at most six runtime dependencies — plus how the tool discovers our node types: it reads each `node-red.nodes`
 * entry's `.html`, parses only `<script type="text/javascript">` blocks and sees a node only where `registerType` is
 * called with a string literal and an object literal (no spread; `category` a literal, or config nodes are counted as
 * ordinary nodes). P08/N01 (catalogue.nodered.org) and D02/D03 (registry) need the network and are not checked here.
 *
 * Runs after `npm run build` (part of `npm test`): it reads dist/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLES = path.join(ROOT, "examples");

interface PackageJson {
  name: string;
  license?: string;
  repository?: string | { url?: string };
  bugs?: string | { url?: string; email?: string };
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  "node-red": { version?: string; nodes: Record<string, string> };
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/**
 * Node-RED versions `node-red.version` must admit: the one the tests run on, the first 5.x and the newest 5.x known
 * when this list was last touched (5.0.7, `latest` on 2026-11-26). node-red-dev only checks the `latest` and
 * `*maintenance*` dist-tags; checking the whole current major is stricter.
 */
const NODE_RED_VERSIONS = [installedNodeRedVersion(), "5.0.0", "5.0.7"];
/** `minVersion(engines.node)` of the newest node-red — what node-red-dev checks `engines.node` against (P07). */
const NODE_RED_MIN_NODE = "22.9.0";

interface NodeDefinition {
  type: string;
  file: string;
  category?: string;
  icon?: string;
  defaults: string[];
  credentials: string[];
}

/** What node-red-dev's checknodes.js finds in an editor `.html`, plus every reason it would fail to read it. */
function nodeDefinitions(htmlFile: string): { defs: NodeDefinition[]; errors: string[] } {
  const html = fs.readFileSync(htmlFile, "utf8");
  const blocks = [...html.matchAll(/<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi)].map(
    (m) => m[1],
  );
  const defs: NodeDefinition[] = [];
  const errors: string[] = [];
  if (blocks.length === 0) errors.push(`${htmlFile}: no <script type="text/javascript"> block`);
  for (const block of blocks) {
    const source = ts.createSourceFile(htmlFile + ".js", block, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const diagnostics = (source as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    for (const d of diagnostics)
      errors.push(`${htmlFile}: syntax: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === "registerType"
      ) {
        const [typeArg, defArg] = node.arguments;
        if (!typeArg || !ts.isStringLiteralLike(typeArg)) {
          errors.push(`${htmlFile}: registerType with a non-literal type (${typeArg?.getText(source)})`);
        } else if (!defArg || !ts.isObjectLiteralExpression(defArg)) {
          errors.push(`${htmlFile}: registerType("${typeArg.text}") with a non-literal definition`);
        } else {
          defs.push(definition(htmlFile, typeArg.text, defArg, source, errors));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { defs, errors };
}

function definition(
  file: string,
  type: string,
  def: ts.ObjectLiteralExpression,
  source: ts.SourceFile,
  errors: string[],
): NodeDefinition {
  const result: NodeDefinition = { type, file, defaults: [], credentials: [] };
  for (const prop of def.properties) {
    if (ts.isSpreadAssignment(prop)) {
      errors.push(`${file}: ${type}: spread in the definition (node-red-dev cannot parse it)`);
      continue;
    }
    const key = prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : "";
    const value = ts.isPropertyAssignment(prop) ? prop.initializer : undefined;
    const literal = value && ts.isStringLiteralLike(value) ? value.text : undefined;
    if (key === "category" || key === "icon" || key === "color") {
      if (literal === undefined) errors.push(`${file}: ${type}: "${key}" is not a string literal`);
      else if (key === "category") result.category = literal;
      else if (key === "icon") result.icon = literal;
    } else if (key === "defaults" || key === "credentials") {
      if (!value || !ts.isObjectLiteralExpression(value)) {
        errors.push(`${file}: ${type}: "${key}" is not an object literal`);
        continue;
      }
      for (const p of value.properties) {
        if (ts.isSpreadAssignment(p) || !p.name) errors.push(`${file}: ${type}: spread in "${key}"`);
        else result[key].push(p.name.getText(source).replace(/^["']|["']$/g, ""));
      }
    }
  }
  return result;
}

function installedNodeRedVersion(): string {
  return (JSON.parse(fs.readFileSync(require.resolve("node-red/package.json"), "utf8")) as { version: string }).version;
}

/** Node types the core palette and the editor provide: what an example may use besides ours. */
function coreNodeTypes(): Set<string> {
  const nodesPackage = require.resolve("@node-red/nodes/package.json", {
    paths: [path.dirname(require.resolve("node-red/package.json"))],
  });
  const types = new Set(["tab", "subflow", "group", "junction", "unknown"]);
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".html")) for (const d of nodeDefinitions(full).defs) types.add(d.type);
    }
  };
  walk(path.join(path.dirname(nodesPackage), "core"));
  return types;
}

interface FlowNode {
  id: string;
  type: string;
  credentials?: Record<string, unknown>;
  [key: string]: unknown;
}

function exampleFiles(dir = EXAMPLES): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? exampleFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

function readExample(file: string): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  assert.ok(Array.isArray(flow), `${rel(file)}: an example must be a top-level array of nodes (Import ▸ Examples)`);
  for (const n of flow as FlowNode[]) {
    assert.ok(n && typeof n.id === "string" && typeof n.type === "string", `${rel(file)}: every entry has id and type`);
  }
  return flow as FlowNode[];
}

function rel(file: string): string {
  return path.relative(ROOT, file);
}

/**
 * Our node definitions as node-red-dev reads them from the built `.html` files. `strict`: fail on anything it could
 * not read (the discoverability check); otherwise take what it could read (the example checks).
 */
function ours(strict = false): NodeDefinition[] {
  const all: NodeDefinition[] = [];
  for (const [key, entry] of Object.entries(pkg["node-red"].nodes)) {
    const html = path.join(ROOT, entry.replace(/\.js$/, ".html"));
    assert.ok(fs.existsSync(html), `${key}: ${rel(html)} missing — run \`npm run build\` first`);
    const { defs, errors } = nodeDefinitions(html);
    if (strict) assert.deepEqual(errors, [], `${key}: node-red-dev could not read ${rel(html)}`);
    all.push(...defs);
  }
  return all;
}

describe("flow-library scorecard (offline checks of node-red-dev validate)", () => {
  it("P01: has a license, and the LICENSE file ships with it", () => {
    assert.ok(pkg.license && isLicenseExpression(pkg.license), `license: ${pkg.license}`);
    assert.ok(fs.existsSync(path.join(ROOT, "LICENSE")), "LICENSE file");
  });

  it("P03: names a repository and where to report bugs", () => {
    const repo = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
    const bugs = typeof pkg.bugs === "string" ? pkg.bugs : (pkg.bugs?.url ?? pkg.bugs?.email);
    assert.match(repo ?? "", /^(git\+)?https:\/\/|^github:|^[\w-]+\/[\w.-]+$/, "repository");
    assert.ok(bugs, "bugs");
  });

  it("P04: uses a valid, scoped npm name", () => {
    assert.match(pkg.name, /^@[a-z0-9][a-z0-9-._~]*\/[a-z0-9][a-z0-9-._~]*$/);
    assert.ok(pkg.name.length <= 214);
  });

  it("P05: has the node-red keyword", () => {
    assert.ok(pkg.keywords?.includes("node-red"), `keywords: ${pkg.keywords?.join(", ")}`);
  });

  it(`P06: node-red.version admits Node-RED ${NODE_RED_VERSIONS.join(", ")}`, () => {
    const range = pkg["node-red"].version;
    assert.ok(range && semver.validRange(range), `node-red.version "${range}" is a valid semver range`);
    for (const v of NODE_RED_VERSIONS) assert.ok(semver.satisfies(v, range), `"${range}" does not admit ${v}`);
  });

  it(`P07: engines.node admits Node ${NODE_RED_MIN_NODE} (what node-red 5 needs) and this Node`, () => {
    const range = pkg.engines?.node;
    assert.ok(range && semver.validRange(range), `engines.node "${range}" is a valid semver range`);
    assert.ok(semver.satisfies(NODE_RED_MIN_NODE, range), `"${range}" does not admit ${NODE_RED_MIN_NODE}`);
    assert.ok(semver.satisfies(process.versions.node, range), `"${range}" does not admit ${process.versions.node}`);
  });

  it("D01: has at most six runtime dependencies, none of them Node-RED", () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.ok(deps.length <= 6, `${deps.length} dependencies: ${deps.join(", ")}`);
    assert.ok(!deps.some((d) => d === "node-red" || d.startsWith("@node-red/")), "node-red is not a dependency");
  });

  it("every node type is discoverable from its built .html: literal registerType, template and help", () => {
    const defs = ours(true);
    const keys = Object.keys(pkg["node-red"].nodes);
    assert.deepEqual(defs.map((d) => d.type).sort(), [...keys].sort(), "each entry registers exactly its own type");
    for (const d of defs) {
      const html = fs.readFileSync(d.file, "utf8");
      const dir = path.dirname(d.file);
      assert.ok(html.includes(`data-template-name="${d.type}"`), `${d.type}: data-template-name`);
      const localeHelp = path.join(dir, "locales", "en-US", `${d.type}.html`);
      const help =
        html.includes(`data-help-name="${d.type}"`) ||
        (fs.existsSync(localeHelp) && fs.readFileSync(localeHelp, "utf8").includes(`data-help-name="${d.type}"`));
      assert.ok(help, `${d.type}: help (data-help-name) in the .html or locales/en-US/${d.type}.html`);
      assert.ok(fs.existsSync(path.join(dir, "locales", "en-US", `${d.type}.json`)), `${d.type}: en-US catalog`);
      assert.ok(d.category, `${d.type}: literal category`);
      if (d.category !== "config") assert.equal(d.category, "OpenText", `${d.type}: palette category`);
      if (d.icon && !/^(font-awesome|node-red)\//.test(d.icon)) {
        assert.ok(
          fs.existsSync(path.join(dir, "icons", d.icon)) || fs.existsSync(path.join(ROOT, "icons", d.icon)),
          `${d.type}: icon ${d.icon} ships in icons/`,
        );
      }
    }
  });

  describe("examples/", () => {
    const files = exampleFiles();

    it("exist and are top-level JSON arrays of nodes with unique ids", () => {
      assert.ok(files.length > 0, "no examples found (N02)");
      for (const file of files) {
        assert.ok(file.endsWith(".json"), `${rel(file)}: only .json files belong in examples/`);
        const ids = readExample(file).map((n) => n.id);
        assert.equal(new Set(ids).size, ids.length, `${rel(file)}: duplicate node ids`);
      }
    });

    it("use only core node types and this package's nodes, and explain themselves with a comment node", () => {
      const allowed = coreNodeTypes();
      for (const d of ours()) allowed.add(d.type);
      for (const file of files) {
        const flow = readExample(file);
        const subflows = new Set(flow.filter((n) => n.type === "subflow").map((n) => `subflow:${n.id}`));
        const foreign = flow.map((n) => n.type).filter((t) => !allowed.has(t) && !subflows.has(t));
        assert.deepEqual([...new Set(foreign)], [], `${rel(file)}: third-party node types`);
        assert.ok(
          flow.some((n) => n.type === "comment"),
          `${rel(file)}: a comment node explaining the flow`,
        );
      }
    });

    it("hold no credential values other than ${ENV} placeholders", () => {
      const credentialProps = new Map(ours().map((d) => [d.type, d.credentials]));
      for (const file of files) {
        for (const n of readExample(file)) {
          for (const [key, value] of Object.entries(n.credentials ?? {})) {
            assert.ok(
              value === "" || (typeof value === "string" && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value)),
              `${rel(file)}: ${n.type} ${n.id}: credentials.${key} must be a \${ENV} placeholder`,
            );
          }
          for (const key of credentialProps.get(n.type) ?? []) {
            assert.ok(!(key in n) || n[key] === "", `${rel(file)}: ${n.type} ${n.id}: "${key}" outside credentials`);
          }
        }
      }
    });

    it("N02: together use every non-config node of the package", () => {
      const used = new Set(files.flatMap((f) => readExample(f).map((n) => n.type)));
      const missing = ours()
        .filter((d) => d.category !== "config" && !used.has(d.type))
        .map((d) => d.type);
      assert.deepEqual(missing, [], `nodes used by no example in examples/: ${missing.join(", ")}`);
    });
  });
});

/** A license expression, not a file reference or UNLICENSED (which the flow library would show as unlicensed). */
function isLicenseExpression(license: string): boolean {
  return /^[A-Za-z0-9.+-]+( (AND|OR) [A-Za-z0-9.+-]+)*$/.test(license) && license !== "UNLICENSED";
}
