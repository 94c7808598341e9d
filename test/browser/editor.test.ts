/*
 * The real Node-RED editor in Debian's Chromium (playwright-core, no downloaded browsers), against the built package:
 *
 *   - both simulators run as a child process through the simulator package's CLI (sim/dist/cli.js all),
 *   - Node-RED runs as a child process with the editor on and `nodesDir` = the repository root, so it loads the package
 *     exactly as `package.json` declares it (dist/) — and so it is not the process-wide Node-RED singleton the other
 *     specs of this mocha run embed,
 *   - the palette shows every node under "OpenText"; every non-config node is dragged into the workspace, its dialog
 *     opened, its config node(s) created through the "+" button (URL and credentials typed into the password fields),
 *     its required fields filled, and deployed ("Successfully deployed");
 *   - every example is imported from Import ▸ Examples ▸ <package name> and deployed;
 *   - no browser console error and no page error anywhere; screenshots go to test-artifacts/browser/.
 *
 * Needs /usr/bin/chromium (or CHROMIUM_PATH). Without it the suite is skipped locally and fails under CI=true.
 * Runs after `npm run build` (part of `npm test`).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { requirePrerequisite } from "../helpers/prerequisites";

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "browser");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  "node-red": { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg["node-red"].nodes);
/**
 * The nodes a user drags in: all but the config nodes (those are created from the nodes that use them). Read from the
 * editor files at load time, to name one test per node; each test checks the category against the running editor.
 */
const FLOW_NODE_TYPES = TYPES.filter((type) => {
  const built = path.join(ROOT, pkg["node-red"].nodes[type].replace(/\.js$/, ".html"));
  const html = [built, path.join(ROOT, "nodes", type, `${type}.html`)].find((f) => fs.existsSync(f));
  return !html || !/category:\s*["']config["']/.test(fs.readFileSync(html, "utf8"));
});

/** Demo identities of the simulators (see sim/ and the README). */
const CS_LOGIN = { username: "otintegration", password: "integration" };
const EXSTREAM_LOGIN = {
  clientId: "exstream-sim",
  clientSecret: "exstream-sim-secret",
  tenant: "demo",
  domain: "Demo",
};

/**
 * Values typed into a node's fields before its config nodes are created (a select may reveal the config field, as
 * the output watch's "Orchestration API" source does) — whatever else the node needs to be valid.
 */
const NODE_FIELDS: Record<string, Record<string, string>> = {
  "exstream-output-watch": { source: "api" },
  "metadata-map": { category: "Customer Communication" },
  "cs-archive": { folderId: "2000" },
  "cs-workflow": { map: "Letter Generation" },
};

/** Dialog work beyond plain fields, after the config nodes exist. */
const NODE_STEPS: Record<string, (page: Page) => Promise<void>> = {
  // A mapping needs at least one rule: add a row to the rule list, Customer ID ← the Exstream key CustomerId.
  "metadata-map": async (page) => {
    await page.locator(".node-input-rule-container-row .red-ui-editableList-addButton").click();
    const row = page.locator("#node-input-rule-container li").last();
    await row.locator("input.rule-target").fill("Customer ID");
    await row.locator(".red-ui-typedInput-container input.red-ui-typedInput-input").fill("CustomerId");
    await row.locator(".red-ui-typedInput-container input.red-ui-typedInput-input").blur();
  },
};

interface Running {
  cs: string;
  exstream: string;
  nodeRed: string;
  children: ChildProcess[];
  dir: string;
}

describe("editor in Chromium (playwright-core)", function () {
  this.timeout(120_000);
  let run: Running | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];
  let shot = 0;

  before(async function () {
    requirePrerequisite(
      this,
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} (install Debian's chromium: apt-get install -y chromium, or set CHROMIUM_PATH)`,
    );
    assert.ok(fs.existsSync(path.join(ROOT, "dist", "nodes")), "dist/ missing — run `npm run build` first");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (f.endsWith(".png")) fs.rmSync(path.join(ARTIFACTS, f));
    run = await startServers();
    const { chromium } = await import("playwright-core");
    const profile = path.join(run.dir, "chromium-profile");
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on("console", (msg: ConsoleMessage) => {
      if (msg.type() === "error") problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    await page.goto(run.nodeRed);
    await editorReady();
  });

  after(async function () {
    this.timeout(20_000);
    await context?.close().catch(() => undefined);
    if (run) await stopServers(run);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed" || !page) return;
    await screenshot(`failed-${slug(this.currentTest.title)}`);
    // Leave the editor usable for the next test: back to the deployed flows, without what the failed test left.
    page.once("dialog", (dialog) => void dialog.accept()); // "leave the page with undeployed changes?"
    await page.reload();
    await editorReady();
    problems.splice(0);
  });

  async function editorReady(): Promise<void> {
    await page.locator('.red-ui-palette-node[data-palette-type="inject"]').waitFor({ state: "visible" });
    await page.waitForFunction(() => (window as any).RED?.workspaces?.active());
  }

  async function screenshot(name: string): Promise<void> {
    shot++;
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`) });
  }

  function assertNoBrowserProblems(): void {
    const seen = problems.splice(0);
    assert.deepEqual(seen, [], "browser console errors / page errors");
  }

  it("shows every node of the package in the palette under OpenText", async () => {
    const header = page.locator(".red-ui-palette-header", { hasText: /^OpenText$/ });
    await header.waitFor({ state: "visible" });
    const category = page.locator(".red-ui-palette-category", { has: header });
    for (const type of TYPES) {
      const def = await page.evaluate((t) => (window as any).RED.nodes.getType(t)?.category, type);
      assert.ok(def, `${type} is registered in the editor`);
      if (def === "config") continue;
      await category.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).waitFor({ state: "visible" });
    }
    await screenshot("palette");
    assertNoBrowserProblems();
  });

  for (const [index, type] of FLOW_NODE_TYPES.entries()) {
    it(`${type}: drag in, configure through the dialog (config node with credentials via +), deploy`, async () => {
      const category = await page.evaluate((t) => (window as any).RED.nodes.getType(t)?.category, type);
      assert.equal(category, "OpenText", `${type} is registered in the editor under OpenText`);
      const id = await dragIntoWorkspace(type, index);
      await openEditDialog(id);
      for (const [prop, value] of Object.entries(NODE_FIELDS[type] ?? {})) await fillField("node-input", prop, value);
      const configs = await configProperties(type);
      assert.ok(configs.length > 0, `${type}: no config node field shown in its dialog`);
      for (const { prop, configType } of configs) await addConfigNode(prop, configType);
      await NODE_STEPS[type]?.(page);
      const invalid = await invalidFields();
      await screenshot(`${type}-dialog`);
      assert.deepEqual(invalid, [], `${type}: fields still marked invalid in the dialog`);
      await page.locator("#node-dialog-ok").click();
      await page.locator(".red-ui-tray").waitFor({ state: "detached" });
      const state = await page.evaluate((nodeId) => {
        const RED = (window as any).RED;
        const n = RED.nodes.node(nodeId);
        return {
          valid: n.valid,
          errors: n.validationErrors as string[] | undefined,
          configs: Object.keys(n._def.defaults).filter((p) => RED.nodes.node(n[p])),
        };
      }, id);
      assert.equal(state.valid, true, `${type} is valid after the dialog (invalid: ${state.errors?.join(", ")})`);
      assert.deepEqual(state.configs.sort(), configs.map((c) => c.prop).sort(), `${type}: config nodes attached`);
      await deploy(`${type}-deployed`);
      await assertDeployed(id, type);
      assertNoBrowserProblems();
    });
  }

  for (const type of ["cs-config", "exstream-config"]) {
    it(`${type}: Test connection in the dialog of a deployed connection (stored secret), refused for a changed URL until the secret is typed again`, async () => {
      const id = await page.evaluate((t) => {
        let found = "";
        (window as any).RED.nodes.eachConfig((n: { id: string; type: string }) => {
          if (!found && n.type === t) found = n.id;
        });
        return found;
      }, type);
      assert.ok(id, `a deployed ${type} (created by the node tests above)`);
      await page.evaluate(([t, nodeId]) => (window as any).RED.editor.editConfig("", t, nodeId), [type, id]);
      await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
      const secret = type === "cs-config" ? "password" : "clientSecret";
      const result = page.locator(`#node-config-${type}-test-result`);
      const testConnection = async (outcome: "ok" | "failed"): Promise<string> => {
        await page.locator(`#node-config-${type}-test`).click();
        await page.locator(`#node-config-${type}-test-result.${type}-test-${outcome}`).waitFor();
        return (await result.textContent()) ?? "";
      };
      assert.equal(await page.locator(`#node-config-input-${secret}`).inputValue(), "__PWRD__", "secret stored");
      await testConnection("ok");
      // The same server under another spelling counts as another URL: the stored secret is not sent there…
      const baseUrl = await page.locator("#node-config-input-baseUrl").inputValue();
      await fillField("node-config-input", "baseUrl", `${baseUrl}/`);
      assert.match(await testConnection("failed"), new RegExp(`enter ${secret} again`));
      // …until the dialog brings the secret itself.
      await fillField(
        "node-config-input",
        secret,
        type === "cs-config" ? CS_LOGIN.password : EXSTREAM_LOGIN.clientSecret,
      );
      await testConnection("ok");
      await screenshot(`${type}-test-connection`);
      await page.locator("#node-config-dialog-cancel").click();
      await page.locator("#node-config-dialog-cancel").waitFor({ state: "detached" });
      // The refused test answered 400, which Chromium reports as a failed resource load: expected here.
      const refused = (p: string) => /status of 400/.test(p) && p.includes(`/${type}/test-connection`);
      problems.splice(0, problems.length, ...problems.filter((p) => !refused(p)));
      assertNoBrowserProblems();
    });
  }

  it("lists the package's examples under Import ▸ Examples", async () => {
    const examples = exampleNames();
    assert.ok(examples.length > 0, "examples/ is empty");
    await openExamples();
    for (const name of examples) await page.locator(".red-ui-treeList-label", { hasText: name }).first().waitFor();
    await screenshot("import-examples");
    await page.locator("#red-ui-clipboard-dialog-cancel").click();
    assertNoBrowserProblems();
  });

  for (const name of exampleNames()) {
    it(`example ${name}: import from Import ▸ Examples and deploy`, async () => {
      const tabsBefore = await page.evaluate(() => {
        const ids: string[] = [];
        (window as any).RED.nodes.eachWorkspace((ws: { id: string }) => ids.push(ws.id));
        return ids;
      });
      await openExamples();
      await page.locator(".red-ui-treeList-label", { hasText: name }).first().click();
      await page.locator("#red-ui-clipboard-dialog-ok").click();
      await resolveImportConflicts(tabsBefore.length);
      const imported = await page.evaluate((before) => {
        const RED = (window as any).RED;
        const tabs: string[] = [];
        RED.nodes.eachWorkspace((ws: { id: string }) => {
          if (!before.includes(ws.id)) tabs.push(ws.id);
        });
        const nodes: { id: string; type: string; valid: boolean }[] = [];
        RED.nodes.eachNode((n: any) => {
          if (tabs.includes(n.z)) nodes.push({ id: n.id, type: n.type, valid: n.valid });
        });
        return { tabs, nodes };
      }, tabsBefore);
      assert.equal(imported.tabs.length, 1, `${name} imported as one new flow tab`);
      const expected = readExample(name).filter(
        (n) => n.type !== "group" && n.z === readExample(name).find((t) => t.type === "tab")?.id,
      );
      assert.equal(imported.nodes.length, expected.length, `${name}: every node of the flow imported`);
      assert.deepEqual(
        imported.nodes.filter((n) => !n.valid).map((n) => `${n.type} ${n.id}`),
        [],
        `${name}: imported nodes are valid`,
      );
      // Show the imported flow (its tab may sit under the "Imported" notification, so not by clicking it).
      await page.evaluate((tab) => (window as any).RED.workspaces.show(tab), imported.tabs[0]);
      await assertReadableLayout(name, imported.tabs[0]);
      await deploy(`example-${name}`);
      assertNoBrowserProblems();
    });
  }

  it("left no errors in the Node-RED log", () => {
    const log = fs.readFileSync(path.join(ARTIFACTS, "node-red.log"), "utf8");
    assert.deepEqual(
      log.split("\n").filter((line) => /\[error\]|^\s*at |Error:/.test(line)),
      [],
    );
  });

  // ---------------------------------------------------------------- editor actions

  async function dragIntoWorkspace(type: string, index: number): Promise<string> {
    const before = await nodeIdsOfType(type);
    const palette = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await palette.scrollIntoViewIfNeeded();
    await palette.dragTo(page.locator("#red-ui-workspace-chart"), {
      targetPosition: { x: 180 + (index % 3) * 260, y: 120 + Math.floor(index / 3) * 110 },
    });
    const after = await nodeIdsOfType(type);
    const added = after.filter((id) => !before.includes(id));
    assert.equal(added.length, 1, `${type}: one node added by the drag`);
    return added[0];
  }

  function nodeIdsOfType(type: string): Promise<string[]> {
    return page.evaluate((t) => {
      const ids: string[] = [];
      (window as any).RED.nodes.eachNode((n: { id: string; type: string }) => {
        if (n.type === t) ids.push(n.id);
      });
      return ids;
    }, type);
  }

  async function openEditDialog(id: string): Promise<void> {
    await page.locator(`#red-ui-workspace-chart g.red-ui-flow-node[id="${id}"] rect.red-ui-flow-node`).dblclick();
    await page.locator(".red-ui-tray #node-dialog-ok").waitFor({ state: "visible" });
  }

  /** The node's properties that hold a config node (from its registered definition) and are shown in the dialog. */
  function configProperties(type: string): Promise<{ prop: string; configType: string }[]> {
    return page.evaluate((t) => {
      const RED = (window as any).RED;
      const defaults = RED.nodes.getType(t).defaults as Record<string, { type?: string }>;
      return Object.entries(defaults)
        .filter(([, d]) => d.type && RED.nodes.getType(d.type)?.category === "config" && d.type !== "tls-config")
        .filter(([prop]) => document.getElementById(`node-input-btn-${prop}-add`)?.offsetParent)
        .map(([prop, d]) => ({ prop, configType: d.type as string }));
    }, type);
  }

  /** Creates a new config node through the "+" button beside the select, typing URL and credentials. */
  async function addConfigNode(prop: string, configType: string): Promise<void> {
    await page.locator(`#node-input-btn-${prop}-add`).click();
    await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
    const fields: Record<string, string> =
      configType === "cs-config"
        ? { name: "Content Server (browser test)", baseUrl: run!.cs, authMode: "cs", ...CS_LOGIN }
        : configType === "exstream-config"
          ? {
              name: "Exstream (browser test)",
              baseUrl: run!.exstream,
              grantType: "client_credentials",
              ...EXSTREAM_LOGIN,
            }
          : {};
    for (const [key, value] of Object.entries(fields)) await fillField("node-config-input", key, value);
    for (const secret of ["password", "clientSecret"].filter((k) => k in fields)) {
      assert.equal(
        await page.locator(`#node-config-input-${secret}`).getAttribute("type"),
        "password",
        `${configType}: ${secret} is a password field`,
      );
    }
    const invalid = await invalidFields();
    await screenshot(`${configType}-for-${prop}`);
    assert.deepEqual(invalid, [], `${configType}: fields still marked invalid`);
    await page.locator("#node-config-dialog-ok").click();
    await page.locator("#node-config-dialog-ok").waitFor({ state: "detached" });
    const selected = await page.locator(`#node-input-${prop}`).inputValue();
    assert.ok(selected && selected !== "_ADD_", `the new ${configType} is selected in ${prop}`);
  }

  /** Types into a field of the open dialog: a plain input, a select or the visible half of a TypedInput. */
  async function fillField(prefix: string, prop: string, value: string): Promise<void> {
    const field = page.locator(`#${prefix}-${prop}`);
    const typed = page.locator(`#${prefix}-${prop} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
    if (await typed.count()) {
      await typed.fill(value);
      await typed.blur(); // Node-RED validates on "change", which a text field fires when it loses focus
    } else if ((await field.evaluate((e) => e.tagName)) === "SELECT") {
      await field.selectOption(value);
    } else {
      await field.fill(value);
      await field.blur();
    }
  }

  /** Visible fields of the open tray that Node-RED marks invalid (after its change handlers have settled). */
  async function invalidFields(): Promise<string[]> {
    let invalid: string[] = [];
    for (const deadline = Date.now() + 2000; Date.now() < deadline; await page.waitForTimeout(100)) {
      invalid = await page.evaluate(() => {
        const trays = document.querySelectorAll(".red-ui-tray");
        const tray = trays[trays.length - 1];
        return Array.from(tray.querySelectorAll<HTMLElement>(".input-error"))
          .filter((e) => e.offsetParent !== null)
          .map((e) => e.id || (e.previousElementSibling as HTMLElement | null)?.id || e.className);
      });
      if (invalid.length === 0) break;
    }
    return invalid;
  }

  async function deploy(name: string): Promise<void> {
    await dismissNotifications();
    // A notification of an earlier step may still be fading out: only a new one counts.
    await page.evaluate(() =>
      document.querySelectorAll(".red-ui-notification").forEach((n) => n.setAttribute("data-test-seen", "")),
    );
    await page.locator("#red-ui-header-button-deploy").click();
    const fresh = page.locator(".red-ui-notification:not([data-test-seen])").first();
    await fresh.waitFor({ state: "visible" });
    const notice = await fresh.innerText();
    await page.locator(".red-ui-deploy-button-spinner").waitFor({ state: "hidden" });
    await screenshot(name);
    assert.match(notice, /Successfully deployed/, `deploy answered: ${notice}`);
    assert.ok(
      await page.locator("#red-ui-header-button-deploy").evaluate((b) => b.classList.contains("disabled")),
      "nothing left to deploy",
    );
  }

  /** Closes the informational notifications (a click closes them) so they hide neither the workspace nor a result. */
  async function dismissNotifications(): Promise<void> {
    const info = page.locator(".red-ui-notification:visible", { hasNot: page.locator("button") });
    for (let i = await info.count(); i > 0; i--)
      await info
        .first()
        .click({ timeout: 2000 })
        .catch(() => undefined);
    await page.waitForFunction(() => {
      const open = Array.from(document.querySelectorAll<HTMLElement>(".red-ui-notification"));
      return open.every((n) => n.offsetParent === null || n.querySelector("button"));
    });
  }

  async function assertDeployed(id: string, type: string): Promise<void> {
    const res = await fetch(`${run!.nodeRed}/flows`);
    const flows = (await res.json()) as { id: string; type: string }[];
    assert.ok(
      flows.some((n) => n.id === id && n.type === type),
      `${type} ${id} is in the deployed flows`,
    );
    const creds = fs.readFileSync(path.join(run!.dir, "userdir", "flows_cred.json"), "utf8");
    assert.doesNotMatch(
      creds,
      new RegExp(`${CS_LOGIN.password}|${EXSTREAM_LOGIN.clientSecret}`),
      "credentials encrypted",
    );
  }

  /**
   * Every node's drawn box on the example's tab, at zoom 1 and scrolled to the top left, in an editor window of
   * 1920 × 1080 with palette and sidebar open: no two overlap, none reaches outside the visible canvas; the flow is
   * grouped by stage (input / map / store / complete, errors and dead letters apart).
   */
  async function assertReadableLayout(name: string, tab: string): Promise<void> {
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 1920, height: 1080 });
    try {
      type Box = { left: number; top: number; right: number; bottom: number };
      const drawn: { scale: number; visible: Box; boxes: { label: string; box?: Box }[]; groups: string[] } =
        await page.evaluate(async (z) => {
          const RED = (window as any).RED;
          RED.view.zoomZero?.();
          const chart = document.getElementById("red-ui-workspace-chart")!;
          chart.scrollLeft = 0;
          chart.scrollTop = 0;
          await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          const area = chart.getBoundingClientRect();
          const visible = {
            left: area.left,
            top: area.top,
            right: area.left + chart.clientWidth,
            bottom: area.top + chart.clientHeight,
          };
          const boxes = RED.nodes.filterNodes({ z }).map((n: any) => {
            const element = document.getElementById(n.id);
            const box = element?.getBoundingClientRect();
            return {
              label: `${n.type} "${n.name || ""}"`,
              box: box && { left: box.left, top: box.top, right: box.right, bottom: box.bottom },
            };
          });
          const groups = RED.nodes.groups(z).map((g: any) => g.name);
          return { scale: RED.view.scale(), visible, boxes, groups };
        }, tab);
      assert.equal(drawn.scale, 1, "zoom 1");
      await screenshot(`example-${name}-layout`);
      const problems: string[] = [];
      for (const { label, box } of drawn.boxes) {
        if (!box) problems.push(`${label}: not drawn`);
        else if (
          box.left < drawn.visible.left ||
          box.top < drawn.visible.top ||
          box.right > drawn.visible.right ||
          box.bottom > drawn.visible.bottom
        ) {
          problems.push(`${label}: outside the visible canvas ${JSON.stringify(box)} ${JSON.stringify(drawn.visible)}`);
        }
      }
      const placed = drawn.boxes.filter((b) => b.box);
      for (let i = 0; i < placed.length; i++) {
        for (let j = i + 1; j < placed.length; j++) {
          const [a, b] = [placed[i].box!, placed[j].box!];
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
            problems.push(`${placed[i].label} overlaps ${placed[j].label}`);
          }
        }
      }
      assert.deepEqual(problems, [], `${name}: layout`);
      for (const stage of ["input", "map", "store", "complete", "errors and dead letters"]) {
        assert.ok(drawn.groups.includes(stage), `${name}: group "${stage}" (has: ${drawn.groups.join(", ")})`);
      }
    } finally {
      if (viewport) await page.setViewportSize(viewport);
    }
  }

  async function openExamples(): Promise<void> {
    await page.locator("#red-ui-header-button-sidemenu").click();
    await page.locator("#menu-item-import").click();
    await page.locator("#red-ui-clipboard-dialog-import-tabs").waitFor({ state: "visible" });
    await page
      .locator('#red-ui-clipboard-dialog-import-tabs a[href="#red-ui-clipboard-dialog-import-tab-examples"]')
      .click();
    const module = page.locator("#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label", {
      hasText: pkg.name,
    });
    await module.first().click();
  }

  /**
   * The examples share their config nodes' ids (cs-config-demo, exstream-config-demo), so from the second one on
   * Node-RED asks what to do with nodes that already exist: import a copy, as a user would.
   */
  async function resolveImportConflicts(tabsBefore: number): Promise<void> {
    const conflict = page.locator(".red-ui-notification", { hasText: "already exist" });
    const imported = page.waitForFunction((n) => {
      let count = 0;
      (window as any).RED.nodes.eachWorkspace(() => count++);
      return count > n;
    }, tabsBefore);
    await Promise.race([imported, conflict.waitFor({ state: "visible" })]);
    if (await conflict.isVisible()) {
      await conflict.getByRole("button", { name: "Import copy" }).click();
      await imported;
    }
  }
});

// ---------------------------------------------------------------- examples and servers

interface FlowNode {
  id: string;
  type: string;
  z?: string;
}

function exampleNames(): string[] {
  const dir = path.join(ROOT, "examples");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.replace(/\.json$/, ""))
        .sort()
    : [];
}

function readExample(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "examples", `${name}.json`), "utf8")) as FlowNode[];
}

function slug(text: string): string {
  return text
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a child process and resolves with the first match of `ready` in its stdout. */
function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  log: string,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const out = fs.openSync(log, "w");
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${ready} (see ${log})`)), 30_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      fs.writeSync(out, chunk);
      text += chunk.toString();
      const match = text.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => fs.writeSync(out, chunk));
    child.once("exit", (code) => fail(new Error(`${args[0]} exited with ${code} before it was ready (see ${log})`)));
  });
}

async function startServers(): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nr-browser-"));
  const children: ChildProcess[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  try {
    const sims = await startChild(
      [
        path.join(ROOT, "sim", "dist", "cli.js"),
        "all",
        "--seed",
        "demo",
        "--cs-port",
        "0",
        "--exstream-port",
        "0",
        "--data",
        path.join(dir, "sim"),
      ],
      env,
      path.join(ARTIFACTS, "simulators.log"),
      /content-server listening on (\S+)[\s\S]*exstream listening on (\S+)/,
    );
    children.push(sims.child);
    const [, cs, exstream] = sims.match;
    const userDir = path.join(dir, "userdir");
    fs.mkdirSync(userDir);
    const port = await freePort();
    fs.writeFileSync(
      path.join(userDir, "settings.js"),
      `module.exports = ${JSON.stringify(
        {
          uiHost: "127.0.0.1",
          uiPort: port,
          flowFile: "flows.json",
          credentialSecret: "browser-test-secret",
          nodesDir: [ROOT],
          logging: { console: { level: "info", metrics: false, audit: false } },
          diagnostics: { enabled: false },
          runtimeState: { enabled: false },
          telemetry: { enabled: false },
          editorTheme: { projects: { enabled: false }, tours: false, palette: { catalogues: [] } },
          externalModules: { autoInstall: false, palette: { allowInstall: false } },
        },
        null,
        2,
      )};\n`,
    );
    const nodeRed = await startChild(
      [require.resolve("node-red/red.js"), "-s", path.join(userDir, "settings.js"), "-u", userDir],
      {
        ...env,
        CS_URL: cs,
        CS_AUTH_MODE: "cs",
        CS_USERNAME: CS_LOGIN.username,
        CS_PASSWORD: CS_LOGIN.password,
        EXSTREAM_URL: exstream,
        EXSTREAM_TENANT: EXSTREAM_LOGIN.tenant,
        EXSTREAM_DOMAIN: EXSTREAM_LOGIN.domain,
        EXSTREAM_CLIENT_ID: EXSTREAM_LOGIN.clientId,
        EXSTREAM_CLIENT_SECRET: EXSTREAM_LOGIN.clientSecret,
        EXSTREAM_OUTPUT_ROOT: path.join(dir, "sim", "exstream-output"),
        EXSTREAM_WORK_DIR: path.join(dir, "exstream-work"),
      },
      path.join(ARTIFACTS, "node-red.log"),
      /Started flows/,
    );
    children.push(nodeRed.child);
    return { cs, exstream, nodeRed: `http://127.0.0.1:${port}`, children, dir };
  } catch (err) {
    for (const child of children) child.kill("SIGKILL");
    throw err;
  }
}

async function stopServers(run: Running): Promise<void> {
  await Promise.all(
    run.children.reverse().map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  fs.rmSync(run.dir, { recursive: true, force: true });
}
