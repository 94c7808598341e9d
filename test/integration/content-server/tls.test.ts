import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { requirePrerequisite } from "../../helpers/prerequisites";
import { startConnectProxy, withProxyEnv, type ConnectProxy } from "../../helpers/connect-proxy";
import { ENTERPRISE_WORKSPACE, startProxy, startSim, type Proxy, type TestSim } from "./support";

describe("content-server client: TLS", function () {
  let sim: TestSim;
  let dir: string;
  let server: https.Server;
  let plain: Proxy;
  let httpsUrl: string;
  let ca: Buffer;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-tls-"));
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          "key.pem",
          "-out",
          "cert.pem",
        ]),
        { cwd: dir, stdio: "ignore" },
      );
    } catch (err) {
      if (process.env.CI === "true") throw new Error("openssl is needed for the TLS tests", { cause: err });
      requirePrerequisite(this, false, "openssl (for the TLS tests)");
    }
    ca = fs.readFileSync(path.join(dir, "cert.pem"));
    sim = await startSim();
    plain = await startProxy(sim.url);
    // an https front end (like a reverse proxy with a private CA) forwarding to the simulator
    const target = new URL(plain.url);
    server = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert: ca }, (req, res) => {
      const upstream = require("node:http").request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer: any) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    httpsUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await plain?.close();
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("verifies the server certificate by default and does not retry a certificate failure", async () => {
    const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined });
    const before = plain.requests.length;
    const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
    assert.ok(err instanceof ContentServerError);
    assert.equal(err.code, "NETWORK");
    assert.match(err.networkCode ?? "", /CERT|SELF_SIGNED/);
    assert.equal(plain.requests.length, before, "nothing reached the server");
  });

  it("trusts a CA given in the TLS options", async () => {
    const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined, tls: { ca } });
    assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
  });

  describe("through a forward proxy (CONNECT tunnel)", () => {
    let proxy: ConnectProxy;
    const restores: Array<() => void> = [];
    const frontEnd = () => new URL(httpsUrl).host;
    const proxyEnv = (values: Record<string, string>) => restores.push(withProxyEnv(values));

    beforeEach(async () => {
      proxy = await startConnectProxy({ username: "proxy-user", password: "proxy-pa55word" });
      proxyEnv({});
    });
    afterEach(async () => {
      while (restores.length) restores.pop()?.();
      await proxy.close();
    });

    it("goes through HTTPS_PROXY with the server certificate verified end to end", async () => {
      proxyEnv({ HTTPS_PROXY: proxy.url.replace("//", "//proxy-user:proxy-pa55word@") });
      const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined, tls: { ca } });
      assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
      assert.ok(proxy.tunnels.includes(frontEnd()), `tunnels: ${proxy.tunnels.join(", ")}`);
    });

    it("still refuses an untrusted server certificate behind the proxy", async () => {
      proxyEnv({ HTTPS_PROXY: proxy.url.replace("//", "//proxy-user:proxy-pa55word@") });
      const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined });
      const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.match(err.networkCode ?? "", /CERT|SELF_SIGNED/);
      assert.ok(proxy.tunnels.includes(frontEnd()), "the tunnel was opened, the certificate check failed inside it");
    });

    it("connects directly to a host listed in NO_PROXY", async () => {
      proxyEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" });
      const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined, tls: { ca } });
      assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
      assert.deepEqual(proxy.tunnels, []);
    });

    it("uses the connection's own proxy and credentials instead of the environment", async () => {
      proxyEnv({ HTTPS_PROXY: "http://127.0.0.1:9", NO_PROXY: "127.0.0.1" });
      const client = sim.client({
        baseUrl: httpsUrl,
        otdsUrl: undefined,
        tls: { ca },
        proxy: { url: proxy.url, username: "proxy-user", password: "proxy-pa55word" },
      });
      assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
      assert.ok(proxy.tunnels.includes(frontEnd()));
      assert.ok(proxy.authorizations.length > 0 && proxy.authorizations.every((a) => a.startsWith("Basic ")));
    });

    it("reports a proxy that refuses the credentials without showing them", async () => {
      const client = sim.client({
        baseUrl: httpsUrl,
        otdsUrl: undefined,
        tls: { ca },
        retry: { maxAttempts: 1 },
        proxy: { url: proxy.url, username: "proxy-user", password: "wrong-pa55word" },
      });
      const err = await client.nodes.getNode(ENTERPRISE_WORKSPACE).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError);
      assert.match(err.message, /407/);
      for (const text of [err.message, JSON.stringify(err), String(err.stack)]) {
        assert.ok(!text.includes("wrong-pa55word"), "the proxy password does not appear in the error");
      }
    });
  });

  it("accepts a ready https.Agent", async () => {
    const agent = new https.Agent({ ca });
    const client = sim.client({ baseUrl: httpsUrl, otdsUrl: undefined, httpsAgent: agent });
    assert.equal((await client.nodes.getNode(ENTERPRISE_WORKSPACE)).id, ENTERPRISE_WORKSPACE);
    agent.destroy();
  });
});
