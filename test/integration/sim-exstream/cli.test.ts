import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

describe("Exstream simulator CLI", () => {
  let child: ChildProcess | undefined;
  let output: string;

  beforeEach(() => {
    output = mkdtempSync(path.join(os.tmpdir(), "exstream-cli-"));
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
    rmSync(output, { recursive: true, force: true });
  });

  it("prints `exstream listening on http://127.0.0.1:<port>` and serves the APIs", async function () {
    this.timeout(30_000);
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(repoRoot, "sim", "cli.ts"),
        "exstream",
        "--port",
        "0",
        "--output",
        output,
        "--seed",
        "demo",
      ],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = "";
      let errors = "";
      child!.stdout!.on("data", (d: Buffer) => {
        buffer += d.toString();
        const match = /exstream listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
        if (match) resolve(match[0]);
      });
      child!.stderr!.on("data", (d: Buffer) => (errors += d.toString()));
      child!.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${errors}`)));
    });
    const url = /http:\/\/127\.0\.0\.1:(\d+)/.exec(line)![0];
    assert.notEqual(url.endsWith(":0"), true);
    const token = await fetch(`${url}/otdsws/otdstenant/demo/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=password&username=demo-admin&password=demo-admin-secret&client_id=Exstream",
    });
    assert.equal(token.status, 200);
  });
});
