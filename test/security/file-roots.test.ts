/*
 * cs-archive reads files only below allowed folders: a message naming /etc/passwd, the deployment's settings.js or a
 * symlink out of an allowed folder is refused with a clear, permanent error before any request reaches Content
 * Server. Allowed are the package's work folder, the folders the package's own nodes write (output-watch roots,
 * downloads, generated outputs), `exstreamXecmAllowedRoots` from settings.js and EXSTREAM_XECM_ALLOWED_ROOTS.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import csArchive from "../../nodes/cs-archive/cs-archive";
import csConfig from "../../nodes/cs-config/cs-config";
import { ALLOWED_ROOTS_ENV, ALLOWED_ROOTS_SETTING } from "../../nodes/lib/node-red/file-roots";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");

type Msg = Record<string, any>;

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const ARCHIVE_FOLDER = 2301;

describe("security: cs-archive reads files only below allowed folders", function () {
  this.timeout(30_000);
  let sim: ContentServerSimulator;
  let allowed: string;
  let elsewhere: string;

  before(async () => {
    sim = await startSeededContentServer();
    allowed = fs.mkdtempSync(path.join(os.tmpdir(), "allowed-root-"));
    elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "not-allowed-"));
    fs.writeFileSync(path.join(allowed, "letter.pdf"), "%PDF-1.7 allowed letter");
    fs.writeFileSync(path.join(elsewhere, "secret.txt"), "not for the archive");
    fs.symlinkSync(path.join(elsewhere, "secret.txt"), path.join(allowed, "innocent.pdf"));
  });
  after(async () => {
    await sim.close();
    fs.rmSync(allowed, { recursive: true, force: true });
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    helper.settings({});
    delete process.env[ALLOWED_ROOTS_ENV];
    await helper.unload();
  });

  async function deploy(settings: Record<string, unknown> = { [ALLOWED_ROOTS_SETTING]: [allowed] }) {
    helper.settings(settings);
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "cfg", type: "cs-config", baseUrl: sim.url, authMode: "cs" },
      {
        id: "archive",
        z: "tab1",
        type: "cs-archive",
        server: "cfg",
        folderId: String(ARCHIVE_FOLDER),
        related: "beside",
        wires: [["out"]],
      },
      { id: "out", z: "tab1", type: "helper" },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper" },
    ];
    await helper.load([csConfig, csArchive, catchNode], flow as helper.TestFlows, { cfg: DEMO_LOGIN });
    return (msg: Msg) =>
      new Promise<{ out?: Msg; caught?: Msg }>((resolve) => {
        helper.getNode("out").once("input", (m: Msg) => resolve({ out: m }));
        helper.getNode("caught").once("input", (m: Msg) => resolve({ caught: m }));
        helper.getNode("archive").receive(msg);
      });
  }

  /** Sends the message and proves it was refused permanently with `reason`, without any call to Content Server. */
  async function assertRefused(send: (msg: Msg) => Promise<{ out?: Msg; caught?: Msg }>, msg: Msg, reason: RegExp) {
    sim.resetCounters();
    const result = await send(msg);
    assert.equal(result.out, undefined, "nothing archived");
    assert.match(result.caught?.error?.message ?? "", reason);
    assert.equal(result.caught?.failure?.permanent, true, "a refused path does not get better by retrying");
    assert.equal(sim.counters.requests, 0, "refused before any request");
  }

  it("refuses msg.filename=/etc/passwd", async () => {
    const send = await deploy();
    await assertRefused(send, { filename: "/etc/passwd" }, /msg\.filename "\/etc\/passwd" is outside the allowed/);
  });

  it("refuses a related rendition pointing at the deployment's settings.js, archiving nothing of the message", async () => {
    const send = await deploy();
    const settings = path.join(REPO_ROOT, "flows", "settings.js");
    await assertRefused(
      send,
      { filename: path.join(allowed, "letter.pdf"), document: { related: [{ path: settings, channel: "email" }] } },
      /document\.related\[0\] ".*settings\.js" is outside the allowed folders/,
    );
  });

  it("refuses a way out with .. and a symlink inside an allowed folder that points out of it", async () => {
    const send = await deploy();
    await assertRefused(
      send,
      { filename: path.join(allowed, "..", path.basename(elsewhere), "secret.txt") },
      /outside/,
    );
    await assertRefused(send, { filename: path.join(allowed, "innocent.pdf") }, /link to a place outside/);
  });

  it("refuses every file when no folder is allowed beyond the package's work folder", async () => {
    const send = await deploy({});
    await assertRefused(send, { filename: path.join(allowed, "letter.pdf") }, /outside the allowed folders/);
  });

  it("archives a file below a folder allowed in settings.js, and below one allowed through the environment", async () => {
    let send = await deploy();
    const viaSettings = await send({ filename: path.join(allowed, "letter.pdf") });
    assert.equal(viaSettings.caught, undefined, viaSettings.caught?.error?.message);
    assert.ok(viaSettings.out?.cs.nodeId, "stored");

    await helper.unload();
    process.env[ALLOWED_ROOTS_ENV] = ["/nonexistent-root", allowed].join(path.delimiter);
    send = await deploy({});
    const viaEnv = await send({ filename: path.join(allowed, "letter.pdf") });
    assert.equal(viaEnv.caught, undefined, viaEnv.caught?.error?.message);
    assert.ok(viaEnv.out?.cs.nodeId, "stored");
  });
});
