/*
 * Access control and transport security, in the embedded Node-RED runtime with adminAuth:
 *  - every admin endpoint the package registers (enumerated from the admin router after loading, so a new one is
 *    covered automatically) refuses callers without a token and callers without its permission;
 *  - TLS verification is on by default (self-signed certificate → clear error) and a core tls-config CA is honoured;
 *  - the workflow callback refuses bad, missing and wrong-length signatures without throwing, comparing with
 *    crypto.timingSafeEqual on equal-length buffers.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { signCallback } from "../../nodes/lib/workflow/callback-auth";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { ALL_NODE_TYPES } from "../helpers/example-flows";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../helpers/exstream-sim";

type Msg = Record<string, any>;

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CALLBACK_SECRET = `callback-${crypto.randomBytes(8).toString("hex")}`;

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ name: string }> };
  handle?: { _router?: { stack: RouteLayer[] }; stack?: RouteLayer[] };
}

/** An HTTPS front end with a fresh self-signed certificate, forwarding to `target`. */
function startTlsFront(target: string, dir: string): Promise<{ url: string; origin: string; close(): Promise<void> }> {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ]),
    { stdio: "ignore" },
  );
  const upstream = new URL(target);
  const server = https.createServer(
    { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
    (req, res) => {
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    },
  );
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({
        origin,
        url: `${origin}${upstream.pathname.replace(/\/$/, "")}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    }),
  );
}

describe("security: admin permissions, TLS verification, callback signatures", function () {
  this.timeout(40_000);
  let cs: ContentServerSimulator;
  let exstream: TestExstreamSim;
  let nr: EmbeddedNodeRed;
  let dir: string;
  let csTls: Awaited<ReturnType<typeof startTlsFront>>;
  let exTls: Awaited<ReturnType<typeof startTlsFront>>;
  let adminToken: string;
  let readerToken: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "security-access-"));
    cs = await startSeededContentServer();
    exstream = await startTestExstreamSim();
    fs.mkdirSync(path.join(dir, "cs"));
    fs.mkdirSync(path.join(dir, "ex"));
    csTls = await startTlsFront(cs.url, path.join(dir, "cs"));
    exTls = await startTlsFront(exstream.url, path.join(dir, "ex"));
    nr = await startEmbeddedNodeRed({
      nodeTypes: ALL_NODE_TYPES,
      users: [
        { username: "admin", password: "admin-pass", permissions: "*" },
        { username: "reader", password: "reader-pass", permissions: ["flows.read"] },
      ],
    });
    adminToken = await nr.token("admin", "admin-pass");
    readerToken = await nr.token("reader", "reader-pass");
    const xcfg = (id: string, baseUrl: string, tls = "") => ({
      id,
      type: "exstream-config",
      baseUrl,
      tenant: EXSTREAM_DEMO.tenant,
      domain: EXSTREAM_DEMO.domain,
      grantType: "client_credentials",
      clientAuth: "body",
      retryAttempts: "1",
      tls,
      credentials: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
    const cscfg = (id: string, baseUrl: string, tls = "") => ({
      id,
      type: "cs-config",
      baseUrl,
      authMode: "cs",
      retryAttempts: "1",
      tls,
      credentials: { ...DEMO_LOGIN },
    });
    const tlsConfig = (id: string, ca: string) => ({
      id,
      type: "tls-config",
      cert: "",
      key: "",
      ca,
      certname: "",
      keyname: "",
      caname: "",
      servername: "",
      alpnprotocol: "",
      verifyservercert: true,
    });
    await nr.deploy(
      [
        { id: "tab1", type: "tab" },
        cscfg("cs-plain", cs.url),
        cscfg("cs-selfsigned", csTls.url),
        cscfg("cs-ca", csTls.url, "tls-cs"),
        xcfg("ex-selfsigned", exTls.url),
        xcfg("ex-ca", exTls.url, "tls-ex"),
        tlsConfig("tls-cs", path.join(dir, "cs", "cert.pem")),
        tlsConfig("tls-ex", path.join(dir, "ex", "cert.pem")),
        {
          id: "trig",
          z: "tab1",
          type: "cs-workflow-trigger",
          server: "cs-plain",
          mode: "callback",
          callbackPath: "/security-callback",
          callbackAuth: "hmac",
          x: 100,
          y: 100,
          wires: [[]],
          credentials: { callbackSecret: CALLBACK_SECRET },
        },
      ],
      adminToken,
    );
    const ids = ["cs-plain", "cs-selfsigned", "cs-ca", "ex-selfsigned", "ex-ca", "trig"];
    const deadline = Date.now() + 5000;
    while (ids.some((id) => !nr.RED.nodes.getNode(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    sinon.restore();
    await nr?.stop();
    await Promise.allSettled([csTls?.close(), exTls?.close(), cs?.close(), exstream?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // ——— admin endpoints ———

  /**
   * Every admin route of this package: paths starting with one of the package's node types, found by walking the
   * admin app's router and every app or router mounted into it (the runtime's own admin app, where nodes register).
   */
  function packageRoutes(): Array<{ method: string; path: string; handlers: string[] }> {
    const routes: Array<{ method: string; path: string; handlers: string[] }> = [];
    const walk = (stack: RouteLayer[]) => {
      for (const layer of stack) {
        const route = layer.route;
        if (route) {
          if (!ALL_NODE_TYPES.some((type: string) => route.path.startsWith(`/${type}/`))) continue;
          for (const method of Object.keys(route.methods)) {
            routes.push({ method, path: route.path, handlers: route.stack.map((s) => s.name) });
          }
          continue;
        }
        const inner = layer.handle?._router?.stack ?? layer.handle?.stack;
        if (Array.isArray(inner)) walk(inner);
      }
    };
    // Nodes register on the runtime's admin app, which Node-RED mounts into the editor API's admin app.
    const runtime = require("@node-red/runtime") as { httpAdmin?: { _router?: { stack: RouteLayer[] } } };
    for (const app of [nr.RED.httpAdmin as { _router?: { stack: RouteLayer[] } }, runtime.httpAdmin]) {
      if (app?._router) walk(app._router.stack);
    }
    return routes;
  }

  const concrete = (routePath: string) =>
    routePath
      .replace(":server", "cs-plain")
      .replace(/:[A-Za-z]+/g, "1")
      .replace(/\*/g, "x");

  it("finds every admin endpoint the package registers (test connection and the editor lookups)", () => {
    const routes = packageRoutes();
    const paths = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    assert.ok(paths.includes("POST /cs-config/test-connection"), paths.join(", "));
    assert.ok(paths.includes("POST /exstream-config/test-connection"));
    assert.ok(paths.some((p) => p.startsWith("GET /metadata-map/:server/categories")));
    assert.ok(paths.some((p) => p.startsWith("GET /cs-workflow-trigger/:server/workflow-maps")));
    assert.ok(paths.some((p) => p.startsWith("GET /exstream-generate/:server/communications")));
    assert.ok(routes.length >= 10, `${routes.length} routes`);
  });

  it("registers admin endpoints only through the permission-guarded helper (no direct RED.httpAdmin use)", () => {
    const offenders: string[] = [];
    const walk = (folder: string) => {
      for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(".ts") && /httpAdmin\s*[.[]/.test(fs.readFileSync(full, "utf8"))) {
          offenders.push(path.relative(REPO_ROOT, full));
        }
      }
    };
    walk(path.join(REPO_ROOT, "nodes"));
    assert.deepEqual(offenders, ["nodes/lib/node-red/admin.ts"]);
  });

  it("refuses every package admin endpoint without a token, and with a token lacking the permission", async () => {
    for (const route of packageRoutes()) {
      assert.ok(route.handlers.length >= 2, `${route.path} has a permission check in front of its handler`);
      const url = `${nr.adminUrl}${concrete(route.path)}`;
      const init = (token?: string): RequestInit => ({
        method: route.method.toUpperCase(),
        headers: {
          "Content-Type": "application/json",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        ...(route.method === "post" ? { body: JSON.stringify({ id: "cs-plain" }) } : {}),
      });
      const anonymous = await fetch(url, init());
      assert.equal(anonymous.status, 401, `${route.method.toUpperCase()} ${route.path} without a token`);
      const reader = await fetch(url, init(readerToken));
      assert.equal(reader.status, 401, `${route.method.toUpperCase()} ${route.path} with flows.read only`);
      await reader.text();
      await anonymous.text();
    }
    // …and the permission check is not just refusing everyone: the admin passes it.
    const allowed = await fetch(`${nr.adminUrl}/metadata-map/cs-plain/categories`, {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    assert.equal(allowed.status, 200);
  });

  // ——— TLS ———

  async function testConnection(type: "cs-config" | "exstream-config", id: string) {
    const res = await fetch(`${nr.adminUrl}/${type}/test-connection`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ id }),
    });
    return { status: res.status, body: (await res.json()) as Msg };
  }

  it("cs-config verifies the server certificate by default: a self-signed certificate fails with a clear error", async () => {
    const { status, body } = await testConnection("cs-config", "cs-selfsigned");
    assert.notEqual(status, 200);
    assert.match(body.message, /certificate|self[-_ ]signed|_CERT\b/i);
  });

  it("cs-config honours a CA given through a core tls-config node", async () => {
    const { status, body } = await testConnection("cs-config", "cs-ca");
    assert.equal(status, 200, body.message);
    assert.equal(body.ok, true);
  });

  it("exstream-config verifies the server certificate by default, and honours a tls-config CA", async () => {
    const refused = await testConnection("exstream-config", "ex-selfsigned");
    assert.notEqual(refused.status, 200);
    assert.match(refused.body.message, /certificate|self[-_ ]signed|_CERT\b/i);
    const trusted = await testConnection("exstream-config", "ex-ca");
    assert.equal(trusted.status, 200, trusted.body.message);
  });

  // ——— workflow callback ———

  it("refuses bad, missing and wrong-length callback signatures without throwing, comparing in constant time", async () => {
    const compare = sinon.spy(crypto, "timingSafeEqual");
    const url = `${nr.url}/api/security-callback`;
    const body = JSON.stringify({ processId: 424242, taskId: 10 });
    const stamp = { timestamp: String(Math.floor(Date.now() / 1000)), nonce: "security-test-nonce-0001" };
    const post = (signature?: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "x-callback-timestamp": stamp.timestamp,
          "x-callback-nonce": stamp.nonce,
          ...(signature !== undefined ? { "x-signature": signature } : {}),
        },
        body,
      });
    const good = signCallback(CALLBACK_SECRET, { ...stamp, body });
    const cases: Array<[string, string | undefined]> = [
      ["missing", undefined],
      ["empty", ""],
      ["wrong secret, same length", signCallback("not-the-secret", { ...stamp, body })],
      ["one hex digit changed", (good[0] === "a" ? "b" : "a") + good.slice(1)],
      ["too short", good.slice(0, 10)],
      ["too long", good + "00"],
      ["not hex at all", "z".repeat(64)],
      ["signature of another body", signCallback(CALLBACK_SECRET, { ...stamp, body: body + " " })],
    ];
    for (const [label, signature] of cases) {
      const res = await post(signature);
      assert.equal(res.status, 401, `${label}: refused`);
      await res.text();
    }
    for (const call of compare.getCalls()) {
      const [a, b] = call.args as [Buffer, Buffer];
      assert.equal(a.length, b.length, "timingSafeEqual only on equal-length buffers");
      assert.equal(a.length, 32);
    }
    assert.ok(compare.callCount >= 3, "same-length signatures are compared with timingSafeEqual");
    compare.resetHistory();
    const accepted = await post(`sha256=${good}`);
    assert.equal(accepted.status, 202);
    assert.ok(compare.calledOnce, "the accepted signature went through timingSafeEqual as well");
    compare.restore();
  });
});
