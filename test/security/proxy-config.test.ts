/*
 * Issue 11.21: a connection config node may name a core `http proxy` node; its URL and credentials are used for every
 * call of that connection (CONNECT tunnel), and the proxy password never appears in an error or a log line.
 */
import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csConfig from "../../nodes/cs-config/cs-config";
import type { CsConfigNode } from "../../nodes/cs-config/types";
import exstreamConfig from "../../nodes/exstream-config/exstream-config";
import type { ExstreamConfigNode } from "../../nodes/exstream-config/types";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { startConnectProxy, withProxyEnv, type ConnectProxy } from "../helpers/connect-proxy";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../helpers/exstream-sim";

helper.init(require.resolve("node-red"));
const httpProxyNode = require("@node-red/nodes/core/network/06-httpproxy.js");

const PROXY_USER = "proxy-user";
const PROXY_PASSWORD = "proxy-pa55word-77";

describe("security: a connection's own proxy (core http proxy node)", function () {
  let cs: ContentServerSimulator;
  let exstream: TestExstreamSim;
  let proxy: ConnectProxy;
  let restoreEnv: () => void;

  before(async () => {
    cs = await startSeededContentServer();
    exstream = await startTestExstreamSim();
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await exstream.close();
    await cs.close();
  });
  beforeEach(async () => {
    proxy = await startConnectProxy({ username: PROXY_USER, password: PROXY_PASSWORD });
    restoreEnv = withProxyEnv({});
  });
  afterEach(async () => {
    await helper.unload();
    restoreEnv();
    await proxy.close();
  });

  const proxyConfig = { id: "proxy1", type: "http proxy", name: "corporate", url: "", noproxy: [] as string[] };
  const load = (password: string) => {
    const flow = [
      { ...proxyConfig, url: proxy.url },
      { id: "cs1", type: "cs-config", baseUrl: cs.url, authMode: "cs", proxy: "proxy1", retryAttempts: "1" },
      {
        id: "ex1",
        type: "exstream-config",
        baseUrl: exstream.url,
        domain: EXSTREAM_DEMO.domain,
        tenant: EXSTREAM_DEMO.tenant,
        grantType: "client_credentials",
        proxy: "proxy1",
        retryAttempts: "1",
      },
    ];
    return helper.load([httpProxyNode, csConfig, exstreamConfig], flow, {
      proxy1: { username: PROXY_USER, password },
      cs1: { ...DEMO_LOGIN },
      ex1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
  };

  it("sends every Content Server and Exstream call through the proxy with its credentials", async () => {
    await load(PROXY_PASSWORD);
    const csClient = (helper.getNode("cs1") as unknown as CsConfigNode).getClient();
    const exClient = (helper.getNode("ex1") as unknown as ExstreamConfigNode).getClient();
    assert.equal((await csClient.nodes.getNode(2000)).id, 2000);
    assert.ok((await exClient.listDomains()).length > 0);
    assert.ok(proxy.tunnels.includes(new URL(cs.url).host), "CS through the proxy");
    assert.ok(proxy.tunnels.includes(new URL(exstream.url).host), "Exstream through the proxy");
    const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString("base64")}`;
    assert.ok(proxy.authorizations.length > 0 && proxy.authorizations.every((a) => a === expected));
  });

  it("reports a proxy that refuses the credentials without the password in errors or logs", async () => {
    const wrong = "wrong-pa55word-88";
    await load(wrong);
    const csErr = await (helper.getNode("cs1") as unknown as CsConfigNode)
      .getClient()
      .nodes.getNode(2000)
      .catch((e: unknown) => e as Error);
    const exErr = await (helper.getNode("ex1") as unknown as ExstreamConfigNode)
      .getClient()
      .listDomains()
      .catch((e: unknown) => e as Error);
    for (const err of [csErr, exErr]) {
      assert.ok(err instanceof Error);
      assert.match(err.message, /407/);
      for (const text of [err.message, JSON.stringify(err), String(err.stack)]) assert.ok(!text.includes(wrong));
    }
    const logged = JSON.stringify(helper.log().args);
    assert.ok(!logged.includes(wrong) && !logged.includes(PROXY_PASSWORD), "no proxy password in the log");
  });

  it("fails with a clear error when the named proxy configuration is not deployed", async () => {
    const flow = [{ id: "cs2", type: "cs-config", baseUrl: cs.url, authMode: "cs", proxy: "missing-proxy" }];
    await helper.load([csConfig], flow, { cs2: { ...DEMO_LOGIN } });
    assert.throws(
      () => (helper.getNode("cs2") as unknown as CsConfigNode).getClient(),
      /cs-config: proxy configuration missing-proxy is not deployed/,
    );
  });
});
