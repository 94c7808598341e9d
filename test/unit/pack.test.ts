/*
 * What `npm pack` puts into the tarballs (the lists npm itself computes from `files`, without running prepack — this
 * test runs after `npm run build`, and a build here would pull dist/ away from under the other specs).
 *
 * The node package (repository root) ships: the compiled nodes (js + editor html + locales), the icons once, examples,
 * the headless deployment files of flows/, README, LICENSE, CHANGELOG — and nothing of the simulators (code, fonts),
 * which are a workspace package of their own (sim/, @ccm-bridge/exstream-xecm-sim) with its own tarball: the CLI (its
 * bin), the compiled simulators and their fonts with the font license.
 * Neither ships tests, TypeScript sources, source maps (decision: they point at ../../nodes/*.ts, which is not in the
 * package, and would add ~40 % to the size for stack traces users cannot follow into the sources anyway), local data,
 * node_modules, secrets, or any dot-file or build/CI configuration. Every packed script may only require Node
 * built-ins, its package's runtime dependencies or other packed files.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

interface PackageJson {
  main?: string;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  "node-red": { nodes: Record<string, string> };
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

const SIM = path.join(ROOT, "sim");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
const simPkg = JSON.parse(fs.readFileSync(path.join(SIM, "package.json"), "utf8")) as PackageJson;

/** Every packed path must match one of these. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^examples\/[^/]+\.json$/,
  /^flows\/(README\.md|settings\.js|flows\.json|flows_cred\.json)$/,
  /^resources\/[^/]+\.js$/,
  /^dist\/nodes\/.+$/,
];

/** Never packed, whatever `files` says (checked separately so a failure names the reason). */
const FORBIDDEN: [RegExp, string][] = [
  [/(^|\/)test\/|\.(test|spec)\.[cm]?[jt]s$/, "tests"],
  [/\.[cm]?ts$/, "TypeScript sources or declarations"],
  [/\.map$/, "source maps"],
  [/(^|\/)\.data\//, "local simulator / Node-RED data"],
  [/(^|\/)node_modules\//, "node_modules"],
  [/(^|\/)\.env(\..*)?$/, "environment files"],
  [/\.(pem|key|p12|pfx|crt)$/, "keys and certificates"],
  // flows/flows_cred.json ships: the headless deployment's credentials, ${NAME} placeholders only (test/unit/flows.test.ts)
  [
    /^(?!flows\/flows_cred\.json$)(.*\/)?flows_cred\.json$|(^|\/)\.config\.[^/]*\.json$/,
    "Node-RED credential/runtime files",
  ],
  [/(^|\/)\.[^/]+$/, "dot-files"],
  [/^(bench|scripts|\.ci|test-artifacts|nodes|sim)\//, "development folders"],
  [/\.tgz$/, "tarballs"],
];

/** `npm pack --dry-run` of the root package, or of a workspace (`-w <dir>`). */
function pack(...workspace: string[]): PackResult {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--silent", ...workspace], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "silent" },
  });
  const [result] = JSON.parse(out) as PackResult[];
  return result;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function posix(file: string, from = ROOT): string {
  return path.relative(from, file).split(path.sep).join("/");
}

/** Problems of packed scripts that require something neither built in, a runtime dependency nor packed. */
function unresolvedRequires(packed: Set<string>, dir: string, dependencies: Record<string, string> = {}): string[] {
  const deps = new Set(Object.keys(dependencies));
  const builtins = new Set(builtinModules);
  const problems: string[] = [];
  for (const file of [...packed].filter((f) => f.endsWith(".js"))) {
    const source = fs.readFileSync(path.join(dir, file), "utf8");
    for (const [, spec] of source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      if (spec.startsWith(".")) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        const candidates = [base, `${base}.js`, `${base}.json`, `${base}/index.js`];
        if (!candidates.some((c) => packed.has(c))) problems.push(`${file}: require("${spec}") is not packed`);
      } else {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (!spec.startsWith("node:") && !builtins.has(name) && !deps.has(name)) {
          problems.push(`${file}: require("${spec}") is not a runtime dependency`);
        }
      }
    }
  }
  return problems;
}

function assertOnlyAllowed(packed: Set<string>, allowed: RegExp[]): void {
  for (const file of packed) {
    for (const [pattern, reason] of FORBIDDEN) assert.doesNotMatch(file, pattern, `${file}: ${reason} must not ship`);
    assert.ok(
      allowed.some((p) => p.test(file)),
      `${file}: not among the files the package ships`,
    );
  }
}

const SIMULATOR_DEPENDENCIES = ["adm-zip", "busboy", "pdfkit"];

describe("npm pack of the node package", function () {
  this.timeout(30000);
  let result: PackResult;
  let packed: Set<string>;

  before(function () {
    assert.ok(fs.existsSync(path.join(ROOT, "dist", "nodes")), "dist/ missing — run `npm run build` first");
    result = pack();
    packed = new Set(result.files.map((f) => f.path));
  });

  function assertPacked(files: string[], what: string): void {
    const missing = files.filter((f) => !packed.has(f));
    assert.deepEqual(missing, [], `${what} not in the tarball`);
  }

  it("holds package.json, README.md, LICENSE and CHANGELOG.md", () => {
    assertPacked(["package.json", "README.md", "LICENSE", "CHANGELOG.md"], "top-level files");
  });

  it("holds every node: runtime js, editor html and every locale file", () => {
    for (const [type, entry] of Object.entries(pkg["node-red"].nodes)) {
      const dir = path.dirname(path.join(ROOT, entry));
      assertPacked([entry, entry.replace(/\.js$/, ".html"), `${posix(dir)}/locales/en-US/${type}.json`], type);
      assertPacked(
        filesUnder(path.join(dir, "locales")).map((f) => posix(f)),
        `${type} locales`,
      );
    }
  });

  it("holds the shared editor script (resources/, served by Node-RED at resources/<package name>/)", () => {
    assertPacked(["resources/editor.js"], "editor script");
  });

  it("holds every icon exactly once, in an icons folder beside a registered node (where Node-RED looks)", () => {
    const icons = filesUnder(path.join(ROOT, "icons")).map((f) => path.basename(f));
    assert.ok(icons.length > 0, "icons/ is empty");
    const nodeDirs = new Set(Object.values(pkg["node-red"].nodes).map((entry) => path.posix.dirname(entry)));
    const packedIcons = [...packed].filter((f) => f.endsWith(".svg"));
    assert.deepEqual(packedIcons.map((f) => path.posix.basename(f)).sort(), [...icons].sort(), "each icon once");
    for (const icon of packedIcons) {
      assert.ok(nodeDirs.has(path.posix.dirname(path.posix.dirname(icon))), `${icon}: not beside a registered node`);
      assert.equal(path.posix.basename(path.posix.dirname(icon)), "icons", icon);
    }
  });

  it("holds everything the build put into dist/ except source maps", () => {
    const built = filesUnder(path.join(ROOT, "dist"))
      .map((f) => posix(f))
      .filter((f) => !f.endsWith(".map"));
    assertPacked(built, "built files");
  });

  it("holds every example flow and the headless deployment's files (flows/)", () => {
    const examples = filesUnder(path.join(ROOT, "examples")).map((f) => posix(f));
    assert.ok(examples.length > 0, "no examples");
    assertPacked(examples, "examples");
    assertPacked(
      ["flows/README.md", "flows/settings.js", "flows/flows.json", "flows/flows_cred.json"],
      "the headless deployment",
    );
  });

  it("holds no simulator code, fonts or simulator-only dependencies", () => {
    const simulator = [...packed].filter((f) => /(^|\/)sim\/|\.(ttf|otf|woff2?)$/i.test(f));
    assert.deepEqual(simulator, [], "simulator files in the node package");
    assert.equal(pkg.bin, undefined, "the simulator CLI is the simulator package's bin");
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.deepEqual(
      deps.filter((d) => SIMULATOR_DEPENDENCIES.includes(d)),
      [],
    );
  });

  it("holds nothing else: no tests, sources, source maps, data, node_modules, secrets or config files", () => {
    assertOnlyAllowed(packed, ALLOWED);
  });

  it("has packed scripts that need only Node built-ins, runtime dependencies and other packed files", () => {
    assert.deepEqual(unresolvedRequires(packed, ROOT, pkg.dependencies), []);
  });

  it("stays small (a stray data folder or bundle would show here)", () => {
    assert.ok(result.size < 400 * 1024, `tarball ${result.size} bytes`);
    assert.ok(result.unpackedSize < 2 * 1024 * 1024, `unpacked ${result.unpackedSize} bytes`);
  });
});

describe("npm pack of the simulator package (sim/)", function () {
  this.timeout(30000);
  let packed: Set<string>;

  before(function () {
    assert.ok(fs.existsSync(path.join(SIM, "dist", "cli.js")), "sim/dist/ missing — run `npm run build` first");
    packed = new Set(pack("-w", "sim").files.map((f) => f.path));
  });

  it("holds its CLI (the package's bin, with a shebang), every built file except source maps, fonts and license", () => {
    const bins = typeof simPkg.bin === "string" ? [simPkg.bin] : Object.values(simPkg.bin ?? {});
    assert.deepEqual(bins, ["dist/cli.js"]);
    assert.match(fs.readFileSync(path.join(SIM, bins[0]), "utf8"), /^#!\/usr\/bin\/env node\n/, "shebang");
    const built = filesUnder(path.join(SIM, "dist"))
      .map((f) => posix(f, SIM))
      .filter((f) => !f.endsWith(".map"));
    assert.ok(
      built.some((f) => f.endsWith(".ttf")),
      "the Exstream simulator's fonts",
    );
    assert.ok(
      built.some((f) => /LICENSE/.test(path.basename(f))),
      "the font license",
    );
    assert.deepEqual(
      built.filter((f) => !packed.has(f)),
      [],
      "built files not in the tarball",
    );
  });

  it("holds nothing else and needs only its own dependencies", () => {
    assertOnlyAllowed(packed, [/^package\.json$/, /^README\.md$/, /^dist\/.+$/]);
    assert.deepEqual(unresolvedRequires(packed, SIM, simPkg.dependencies), []);
  });
});
