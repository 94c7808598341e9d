import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

describe("package.json", () => {
  it("carries what the Node-RED flow library asks of a package", () => {
    assert.match(pkg.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/, "scoped name");
    assert.equal(pkg.license, "Apache-2.0");
    assert.ok(pkg.repository?.url, "repository");
    assert.ok(pkg.bugs?.url, "bugs");
    assert.ok(pkg.keywords.includes("node-red"), "node-red keyword");
    assert.equal(pkg["node-red"].version, ">=3.1.0");
    assert.equal(pkg.engines.node, ">=20");
  });

  it("depends at runtime on exactly what the nodes use: axios, sax, hpagent and pg (the simulators' are theirs)", () => {
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), ["axios", "hpagent", "pg", "sax"]);
  });

  it("keeps the simulators in a workspace package of their own with its own bin and dependencies", () => {
    assert.deepEqual(pkg.workspaces, ["sim"]);
    const sim = JSON.parse(fs.readFileSync(path.join(root, "sim", "package.json"), "utf8"));
    assert.equal(sim.name, "@ccm-bridge/exstream-xecm-sim");
    assert.deepEqual(sim.bin, { "exstream-xecm-sim": "dist/cli.js" });
    assert.deepEqual(Object.keys(sim.dependencies).sort(), ["adm-zip", "busboy", "pdfkit", "sax"]);
    assert.equal(pkg.bin, undefined);
  });

  it("links README images and repository files by absolute URLs (the package page has no repository), to files that exist", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const repository = pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
    const raw = repository.replace("https://github.com/", "https://raw.githubusercontent.com/") + "/main/";
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(
      targets.some((t) => t.startsWith(raw)),
      "at least one image",
    );
    for (const target of targets) {
      assert.match(target, /^(https?:|mailto:|#)/, `${target}: relative links break on the package page`);
      const file = target.startsWith(raw)
        ? target.slice(raw.length)
        : target.startsWith(`${repository}/blob/main/`)
          ? target.slice(`${repository}/blob/main/`.length)
          : undefined;
      if (file) assert.ok(fs.existsSync(path.join(root, file.split("#")[0])), `${target}: no such file`);
    }
  });

  it("points every registered node at a built file with its editor html beside it", () => {
    for (const [type, file] of Object.entries<string>(pkg["node-red"].nodes)) {
      const js = path.join(root, file);
      assert.ok(fs.existsSync(js), `${type}: ${file} missing (run npm run build)`);
      assert.ok(fs.existsSync(js.replace(/\.js$/, ".html")), `${type}: html missing beside ${file}`);
      assert.equal(typeof require(js), "function", `${type} exports a function`);
      const html = fs.readFileSync(js.replace(/\.js$/, ".html"), "utf8");
      assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\(\\s*["']${type}["']`), `${type} registered in html`);
      assert.ok(fs.existsSync(path.join(path.dirname(js), "locales", "en-US")), `${type}: en-US locale`);
    }
  });
});
