/*
 * The headless deployment (flows/settings.js, issue 12.2) refuses by default, each shown on the real Node-RED process:
 *  - to start on a non-loopback host while the editor and admin API have no login (unless the admin API is off);
 *  - a credential secret shorter than 16 characters, and the public demo secret while a real server is configured;
 *  - requests whose Host header is not a loopback name or listed in NODE_RED_ALLOWED_HOSTS (DNS rebinding), on the
 *    admin API and on HTTP-in routes, and admin requests from a page of another origin.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { cleanEnv, freePort, startProcess, stopProcess, type StartedProcess } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const SETTINGS = path.join(ROOT, "flows", "settings.js");
const GOOD_SECRET = "a-test-credential-secret-of-40-characters";
const DEMO_SECRET = "demo-only-credential-secret";

/** Starts Node-RED with flows/settings.js in `userDir`; resolves when its flows have started (the admin API answers
 * /flows only from then on) or it has exited. */
function startNodeRed(env: Record<string, string>, userDir: string): Promise<StartedProcess> {
  const args = [require.resolve("node-red/red.js"), "-s", SETTINGS, "-u", userDir];
  return startProcess(args, cleanEnv(env), /Started flows/, userDir);
}

/** A websocket handshake on the editor's /comms with the given headers: the status answered (101 = accepted). */
function upgrade(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/comms",
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": Buffer.from("a websocket key!").toString("base64"),
        ...headers,
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A GET with the given Host (and Origin) header; fetch() would not let us choose the Host. */
function get(
  port: number,
  urlPath: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: "GET", headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("security: the headless deployment (flows/settings.js) refuses what would open it", function () {
  this.timeout(120_000);
  let dir: string;
  const running: ChildProcess[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "security-deployment-"));
  });

  after(async () => {
    await Promise.all(running.map(stopProcess));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, env: Record<string, string>): Promise<StartedProcess> {
    const userDir = path.join(dir, name);
    fs.mkdirSync(userDir);
    const port = String(await freePort());
    const started = await startNodeRed({ NODE_RED_PORT: port, ...env }, userDir);
    running.push(started.child);
    return started;
  }

  function assertRefused(started: StartedProcess, message: RegExp): void {
    assert.notEqual(started.outcome, "ready", `Node-RED started:\n${started.output}`);
    assert.notEqual(started.outcome, 0);
    assert.match(started.output, message);
  }

  it("refuses to start on 0.0.0.0 while the editor and admin API have no login", async () => {
    const started = await start("open", { NODE_RED_CREDENTIAL_SECRET: GOOD_SECRET, NODE_RED_HOST: "0.0.0.0" });
    assertRefused(started, /NODE_RED_HOST=0\.0\.0\.0 .*NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD_HASH/);
  });

  it("starts on 0.0.0.0 when the admin API is off (HTTP-in routes only)", async () => {
    const started = await start("headless", {
      NODE_RED_CREDENTIAL_SECRET: GOOD_SECRET,
      NODE_RED_HOST: "0.0.0.0",
      NODE_RED_ADMIN: "0",
    });
    assert.equal(started.outcome, "ready", started.output);
    await stopProcess(started.child);
  });

  it("refuses a credential secret shorter than 16 characters", async () => {
    const started = await start("short", { NODE_RED_CREDENTIAL_SECRET: "x" });
    assertRefused(started, /NODE_RED_CREDENTIAL_SECRET has 1 characters: use at least 16/);
  });

  it("refuses the public demo secret while a real server URL is configured", async () => {
    const real = await start("demo-real", {
      NODE_RED_CREDENTIAL_SECRET: DEMO_SECRET,
      CS_URL: "https://otcs.example.com/otcs/cs.exe",
      EXSTREAM_URL: "https://exstream.example.com",
    });
    assertRefused(real, /demo secret while CS_URL and EXSTREAM_URL point at a real server/);
    // …also when the demo switch is on but one URL is not a local simulator's.
    const mixed = await start("demo-mixed", {
      NODE_RED_CREDENTIAL_SECRET: DEMO_SECRET,
      DEMO_SIMULATORS: "1",
      CS_URL: "http://127.0.0.1:8181/cs/cs",
      EXSTREAM_URL: "https://exstream.example.com",
    });
    assertRefused(mixed, /demo secret while EXSTREAM_URL point at a real server/);
  });

  describe("on loopback without adminAuth", function () {
    let port: number;
    let editorPort: number;
    before(async function () {
      editorPort = await freePort();
      const editorDir = path.join(dir, "loopback-editor");
      fs.mkdirSync(editorDir);
      const editor = await startNodeRed(
        {
          NODE_RED_CREDENTIAL_SECRET: DEMO_SECRET,
          DEMO_SIMULATORS: "1",
          CS_URL: "http://127.0.0.1:8181/cs/cs",
          EXSTREAM_URL: "http://localhost:8282",
          NODE_RED_PORT: String(editorPort),
        },
        editorDir,
      );
      running.push(editor.child);
      assert.equal(editor.outcome, "ready", editor.output);
      port = await freePort();
      const userDir = path.join(dir, "loopback");
      fs.mkdirSync(userDir);
      const started = await startNodeRed(
        {
          NODE_RED_CREDENTIAL_SECRET: DEMO_SECRET, // accepted: the simulators of npm start, on loopback
          DEMO_SIMULATORS: "1",
          CS_URL: "http://127.0.0.1:8181/cs/cs",
          EXSTREAM_URL: "http://localhost:8282",
          NODE_RED_PORT: String(port),
          NODE_RED_EDITOR: "0",
          NODE_RED_ALLOWED_HOSTS: "nodered.example.com, other.example.com",
        },
        userDir,
      );
      running.push(started.child);
      assert.equal(started.outcome, "ready", started.output);
    });

    it("answers the admin API for loopback names and the allowed hosts", async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "nodered.example.com"]) {
        const res = await get(port, "/flows", { Host: host });
        assert.equal(res.status, 200, `Host ${host}: ${res.body}`);
      }
    });

    it("refuses a Host header that is not a loopback name nor allowed (DNS rebinding), on admin and HTTP-in routes", async () => {
      for (const urlPath of ["/flows", "/settings", "/any-http-in-route"]) {
        const res = await get(port, urlPath, { Host: "evil.example" });
        assert.equal(res.status, 403, `${urlPath}: ${res.body}`);
        assert.match(res.body, /Host "evil\.example" is not served here: add it to NODE_RED_ALLOWED_HOSTS/);
      }
      const loopback = await get(port, "/any-http-in-route", { Host: `127.0.0.1:${port}` });
      assert.equal(loopback.status, 404, "an unknown route on a good Host is just not found");
    });

    it("refuses the editor's websocket to a foreign Host or from a page of another origin", async () => {
      assert.equal(await upgrade(editorPort, { Host: `127.0.0.1:${editorPort}` }), 101, "the editor's own socket");
      assert.equal(await upgrade(editorPort, { Host: "evil.example" }), 403, "DNS rebinding");
      assert.equal(
        await upgrade(editorPort, { Host: `127.0.0.1:${editorPort}`, Origin: "https://evil.example" }),
        403,
        "a page of another origin",
      );
      assert.equal(
        await upgrade(editorPort, { Host: `localhost:${editorPort}`, Origin: `http://localhost:${editorPort}` }),
        101,
      );
    });

    it("refuses admin requests from a page of another origin", async () => {
      const res = await get(port, "/flows", { Host: `127.0.0.1:${port}`, Origin: "https://evil.example" });
      assert.equal(res.status, 403, res.body);
      const own = await get(port, "/flows", { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` });
      assert.equal(own.status, 200, "the editor's own origin");
    });
  });
});
