/*
 * What `npm pack` puts into the tarball (the list npm itself computes from `files`, without running prepack — this
 * test runs after `npm run build`, and a build here would pull dist/ away from under the other specs).
 *
 * Ships: the compiled nodes (js + editor html + locales + icons), the simulators with their CLI and static assets
 * (fonts and the font license), examples, icons, README, LICENSE, CHANGELOG. Does not ship: tests, TypeScript
 * sources, source maps (decision: they point at ../../nodes/*.ts, which is not in the package, and would add ~40 % to
 * the size for stack traces users cannot follow into the sources anyway), local data, node_modules, secrets, and any
 * dot-file or build/CI configuration. Every packed script may only require Node built-ins, runtime dependencies or
 * other packed files.
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

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/** Every packed path must match one of these. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^examples\/[^/]+\.json$/,
  /^icons\/[^/]+\.svg$/,
  /^dist\/(nodes|sim)\/.+$/,
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
  [/(^|\/)flows_cred\.json$|(^|\/)\.config\.[^/]*\.json$/, "Node-RED credential/runtime files"],
  [/(^|\/)\.[^/]+$/, "dot-files"],
  [/^(bench|scripts|flows|\.ci|test-artifacts|nodes|sim)\//, "development folders"],
  [/\.tgz$/, "tarballs"],
];

function pack(): PackResult {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--silent"], {
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

function posix(file: string): string {
  return path.relative(ROOT, file).split(path.sep).join("/");
}

describe("npm pack", function () {
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

  it("holds every node: runtime js, editor html, every locale file and the icons", () => {
    for (const [type, entry] of Object.entries(pkg["node-red"].nodes)) {
      const dir = path.dirname(path.join(ROOT, entry));
      assertPacked([entry, entry.replace(/\.js$/, ".html"), `${posix(dir)}/locales/en-US/${type}.json`], type);
      assertPacked(filesUnder(path.join(dir, "locales")).map(posix), `${type} locales`);
    }
    const icons = filesUnder(path.join(ROOT, "icons")).map(posix);
    assert.ok(icons.length > 0, "icons/ is empty");
    assertPacked(icons, "icons");
  });

  it("holds the simulator CLI (the package's bin) and the simulators' static assets, fonts and font license", () => {
    const bins = typeof pkg.bin === "string" ? [pkg.bin] : Object.values(pkg.bin ?? {});
    assert.ok(bins.includes("dist/sim/cli.js"), "bin points at dist/sim/cli.js");
    assertPacked(bins, "bin");
    for (const bin of bins) {
      assert.match(fs.readFileSync(path.join(ROOT, bin), "utf8"), /^#!\/usr\/bin\/env node\n/, `${bin}: shebang`);
    }
    // Static assets next to the simulator sources are copied into dist/ by the build; all of them must ship.
    const assets = ["sim/exstream/assets", "sim/content-server/assets", "sim/fixtures"]
      .flatMap((dir) => filesUnder(path.join(ROOT, dir)))
      .filter((f) => !f.endsWith(".ts"))
      .map((f) => `dist/${posix(f)}`);
    assert.ok(
      assets.some((f) => f.endsWith(".ttf")),
      "the Exstream simulator's fonts",
    );
    assert.ok(
      assets.some((f) => /LICENSE/.test(path.basename(f))),
      "the font license",
    );
    assertPacked(assets, "simulator assets");
  });

  it("holds everything the build put into dist/ except source maps", () => {
    const built = filesUnder(path.join(ROOT, "dist"))
      .map(posix)
      .filter((f) => !f.endsWith(".map"));
    assertPacked(built, "built files");
  });

  it("holds every example flow", () => {
    const examples = filesUnder(path.join(ROOT, "examples")).map(posix);
    assert.ok(examples.length > 0, "no examples");
    assertPacked(examples, "examples");
  });

  it("holds nothing else: no tests, sources, source maps, data, node_modules, secrets or config files", () => {
    for (const file of packed) {
      for (const [pattern, reason] of FORBIDDEN) assert.doesNotMatch(file, pattern, `${file}: ${reason} must not ship`);
      assert.ok(
        ALLOWED.some((p) => p.test(file)),
        `${file}: not among the files the package ships`,
      );
    }
  });

  it("has packed scripts that need only Node built-ins, runtime dependencies and other packed files", () => {
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    for (const file of [...packed].filter((f) => f.endsWith(".js"))) {
      const source = fs.readFileSync(path.join(ROOT, file), "utf8");
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
    assert.deepEqual(problems, []);
  });

  it("stays small (a stray data folder or bundle would show here)", () => {
    assert.ok(result.size < 3 * 1024 * 1024, `tarball ${result.size} bytes`);
    assert.ok(result.unpackedSize < 10 * 1024 * 1024, `unpacked ${result.unpackedSize} bytes`);
  });
});
