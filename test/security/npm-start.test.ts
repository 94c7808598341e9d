/*
 * `npm start` (scripts/start.js, issue 12.3) never mixes a simulator with a real server: a half configuration (one of
 * CS_URL / EXSTREAM_URL) is an error naming the missing variable, before any simulator starts or any setting is
 * overwritten; with neither set it runs the demo (both simulators, demo secret) and says so in one line.
 * Runs scripts/start.js directly: `npm start` would rebuild dist/ first.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cleanEnv, freePort, startProcess, stopProcess, type StartedProcess } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const START = path.join(ROOT, "scripts", "start.js");

/** Runs scripts/start.js with only `env` of the caller's CS_*, EXSTREAM_*, NODE_RED_*, DEMO_* settings. */
function runStart(env: Record<string, string>, ready: RegExp): Promise<StartedProcess> {
  return startProcess([START], cleanEnv(env), ready, ROOT);
}

describe("security: npm start never mixes a simulator with a real server", function () {
  this.timeout(120_000);
  let dir: string;
  const children: ChildProcess[] = [];

  before(function () {
    if (!fs.existsSync(path.join(ROOT, "sim", "dist", "content-server"))) {
      throw new Error("sim/dist/ is missing: run npm run build (npm test does it in pretest)");
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "security-start-"));
  });

  after(async () => {
    await Promise.all(children.map(stopProcess));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Simulators on random ports and data in a temporary folder, should the script start them. */
  const sandbox = (name: string) => ({
    DEMO_DATA_DIR: path.join(dir, name),
    CS_SIM_PORT: "0",
    EXSTREAM_SIM_PORT: "0",
    DEMO_TRAFFIC: "0",
  });

  const halfConfigurations: Array<[string, Record<string, string>, string]> = [
    ["CS_URL without EXSTREAM_URL", { CS_URL: "https://otcs.example.com/otcs/cs.exe" }, "EXSTREAM_URL"],
    ["EXSTREAM_URL without CS_URL", { EXSTREAM_URL: "https://exstream.example.com" }, "CS_URL"],
  ];
  for (const [label, urls, missing] of halfConfigurations) {
    it(`refuses ${label}, naming ${missing}, before starting anything or touching EXSTREAM_OUTPUT_ROOT`, async () => {
      const outputRoot = path.join(dir, `operator-output-${missing}`);
      const run = await runStart(
        {
          ...sandbox(missing),
          ...urls,
          EXSTREAM_OUTPUT_ROOT: outputRoot,
          NODE_RED_CREDENTIAL_SECRET: "an-operator-secret-of-enough-length",
        },
        /simulator on |demo mode|Node-RED on /,
      );
      children.push(run.child);
      assert.notEqual(run.outcome, "ready", `it started:\n${run.output}`);
      assert.equal(run.outcome, 1, run.output);
      assert.match(run.output, new RegExp(`^${missing} is not set but .+ is: set both for real servers`, "m"));
      assert.doesNotMatch(run.output, /simulator on |demo mode/, "no simulator started");
      assert.equal(fs.existsSync(path.join(dir, missing)), false, "nothing written to the data folder");
      assert.equal(fs.existsSync(outputRoot), false, "the operator's output root untouched");
    });
  }

  it("refuses real servers without a credential secret of the operator's own", async () => {
    const run = await runStart(
      { ...sandbox("no-secret"), CS_URL: "https://otcs.example.com/cs", EXSTREAM_URL: "https://exstream.example.com" },
      /simulator on |demo mode|Node-RED on /,
    );
    children.push(run.child);
    assert.equal(run.outcome, 1, run.output);
    assert.match(run.output, /NODE_RED_CREDENTIAL_SECRET is not set: real servers need a secret of your own/);
  });

  it("runs the demo with neither URL set, saying so in one line, on loopback with a generated credential secret", async () => {
    const port = await freePort();
    const run = await runStart({ ...sandbox("demo"), NODE_RED_PORT: String(port) }, /Node-RED on http\S+/);
    children.push(run.child);
    assert.equal(run.outcome, "ready", run.output);
    const announcements = run.output.split("\n").filter((line) => /^demo mode/.test(line));
    assert.equal(announcements.length, 1, run.output);
    assert.match(
      announcements[0],
      /^demo mode \(CS_URL and EXSTREAM_URL not set\): both simulators with demo credentials and a credential secret generated for this data folder \(Content Server http:\/\/127\.0\.0\.1:\d+\/\S+, Exstream http:\/\/127\.0\.0\.1:\d+\) — set both URLs for real servers$/,
    );
    assert.match(run.output, new RegExp(`Node-RED on http://127\\.0\\.0\\.1:${port}`));
    const flows = await fetch(`http://127.0.0.1:${port}/flows`);
    assert.equal(flows.status, 200, "the editor's admin API answers on loopback");
    const deployed = (await flows.json()) as Array<{ type: string }>;
    assert.ok(
      deployed.some((node) => node.type === "cs-config"),
      "the seven data flows are loaded",
    );
    await stopProcess(run.child);
  });
});
