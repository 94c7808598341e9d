import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../../helpers/embedded-node-red";
import exstreamConfig from "../../../nodes/exstream-config/exstream-config";
import type { ExstreamConfigNode } from "../../../nodes/exstream-config/types";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";

helper.init(require.resolve("node-red"));

const ENV = {
  EXS_TEST_URL: "",
  EXS_TEST_CLIENT_ID: EXSTREAM_DEMO.clientId,
  EXS_TEST_CLIENT_SECRET: EXSTREAM_DEMO.clientSecret,
  EXS_TEST_USER: EXSTREAM_DEMO.username,
  EXS_TEST_PASSWORD: EXSTREAM_DEMO.password,
};

describe("exstream-config node", () => {
  let sim: TestExstreamSim;

  before(async () => {
    sim = await startTestExstreamSim();
    ENV.EXS_TEST_URL = sim.url;
    Object.assign(process.env, ENV);
  });
  after(async () => {
    for (const name of Object.keys(ENV)) delete process.env[name];
    await sim.close();
  });

  describe("in the test runtime", () => {
    beforeEach(async () => {
      await helper.startServer();
    });
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
    });

    const configNode = (extra: Record<string, unknown> = {}) => ({
      id: "exs1",
      type: "exstream-config",
      name: "demo",
      baseUrl: "${EXS_TEST_URL}",
      domain: "Demo",
      tenant: "demo",
      grantType: "client_credentials",
      clientAuth: "body",
      timeoutMs: "5000",
      maxConcurrent: "4",
      retryAttempts: "2",
      ...extra,
    });

    it("expands ${ENV} in properties and credentials and owns one lazily created client", async () => {
      await helper.load(exstreamConfig, [configNode()], {
        exs1: { clientId: "${EXS_TEST_CLIENT_ID}", clientSecret: "${EXS_TEST_CLIENT_SECRET}" },
      });
      const node = helper.getNode("exs1") as unknown as ExstreamConfigNode;
      const options = node.clientOptions();
      assert.equal(options.baseUrl, sim.url);
      assert.equal(options.auth.clientId, EXSTREAM_DEMO.clientId);
      assert.equal(options.auth.clientSecret, EXSTREAM_DEMO.clientSecret);
      const client = node.getClient();
      assert.equal(node.getClient(), client, "one client per config node");
      const check = await client.testConnection();
      assert.equal(check.domainFound, true);
    });

    it("passes the orchestration settings on: batch path, runtime filter style, CSRF cookie and header", async () => {
      await helper.load(exstreamConfig, [configNode()], {
        exs1: { clientId: "${EXS_TEST_CLIENT_ID}", clientSecret: "${EXS_TEST_CLIENT_SECRET}" },
      });
      const defaults = (helper.getNode("exs1") as unknown as ExstreamConfigNode).clientOptions();
      assert.equal(defaults.batchInputPath, "/inputs/batch/{domain}/{channel}");
      assert.equal(defaults.runtimeFilterStyle, "auto");
      assert.deepEqual(defaults.csrf, { cookieName: "csrfToken", headerName: undefined });
      await helper.unload();
      await helper.load(
        exstreamConfig,
        [
          configNode({
            batchInputPath: "/in/{domain}/{channel}",
            runtimeFilterStyle: "object",
            csrfCookieName: "XSRF-TOKEN",
            csrfHeaderName: "X-XSRF-TOKEN",
          }),
        ],
        { exs1: { clientId: "${EXS_TEST_CLIENT_ID}", clientSecret: "${EXS_TEST_CLIENT_SECRET}" } },
      );
      const set = (helper.getNode("exs1") as unknown as ExstreamConfigNode).clientOptions();
      assert.equal(set.batchInputPath, "/in/{domain}/{channel}");
      assert.equal(set.runtimeFilterStyle, "object");
      assert.deepEqual(set.csrf, { cookieName: "XSRF-TOKEN", headerName: "X-XSRF-TOKEN" });
    });

    it("supports the password grant with HTTP Basic client authentication", async () => {
      await helper.load(exstreamConfig, [configNode({ grantType: "password", clientAuth: "basic" })], {
        exs1: {
          clientId: "${EXS_TEST_CLIENT_ID}",
          clientSecret: "${EXS_TEST_CLIENT_SECRET}",
          username: "${EXS_TEST_USER}",
          password: "${EXS_TEST_PASSWORD}",
        },
      });
      const node = helper.getNode("exs1") as unknown as ExstreamConfigNode;
      assert.ok((await node.getClient().listDomains()).length > 0);
    });

    it("tests the connection of a deployed node through the admin endpoint", async () => {
      await helper.load(exstreamConfig, [configNode()], {
        exs1: { clientId: "${EXS_TEST_CLIENT_ID}", clientSecret: "${EXS_TEST_CLIENT_SECRET}" },
      });
      const res = await helper.request().post("/exstream-config/test-connection").send({ id: "exs1" }).expect(200);
      assert.equal(res.body.ok, true);
      assert.equal(res.body.domainFound, true);
      assert.ok(res.body.domains.includes("Demo"));
      assert.ok(res.body.version);
    });

    it("tests the dialog's unsaved values, using the stored secret where the dialog shows __PWRD__", async () => {
      await helper.load(exstreamConfig, [configNode()], {
        exs1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
      });
      const dialog = {
        id: "exs1",
        baseUrl: sim.url,
        domain: "DemoSimple",
        tenant: "demo",
        grantType: "client_credentials",
        clientId: EXSTREAM_DEMO.clientId,
        clientSecret: "__PWRD__",
      };
      const res = await helper.request().post("/exstream-config/test-connection").send(dialog).expect(200);
      assert.equal(res.body.domainFound, true);
    });

    it("answers a failed test with the error's message and no secret", async () => {
      await helper.load(exstreamConfig, [configNode()], {});
      const wrong = "not-the-secret-at-all";
      const res = await helper
        .request()
        .post("/exstream-config/test-connection")
        .send({
          baseUrl: sim.url,
          domain: "Demo",
          tenant: "demo",
          clientId: EXSTREAM_DEMO.clientId,
          clientSecret: wrong,
        })
        .expect(502);
      assert.equal(res.body.error, "ExstreamError");
      assert.match(res.body.message, /token/);
      assert.ok(!JSON.stringify(res.body).includes(wrong));
    });

    it("reports a configuration without tenant or token URL as an error", async () => {
      await helper.load(exstreamConfig, [configNode({ tenant: "" })], {
        exs1: { clientId: "x", clientSecret: "y" },
      });
      const node = helper.getNode("exs1") as unknown as ExstreamConfigNode;
      assert.throws(() => node.getClient(), /token URL or a tenant/);
    });
  });

  describe("with adminAuth in an embedded runtime", function () {
    this.timeout(30_000);
    let nr: EmbeddedNodeRed;

    before(async () => {
      nr = await startEmbeddedNodeRed({
        nodeTypes: ["exstream-config"],
        users: [
          { username: "viewer", password: "pw-for-tests", permissions: "read" },
          { username: "editor", password: "pw-for-tests", permissions: "*" },
        ],
      });
    });
    after(async () => {
      await nr?.stop();
    });

    const tokenOf = (username: string) => nr.token(username, "pw-for-tests");

    const dialog = () => ({
      baseUrl: sim.url,
      domain: "Demo",
      tenant: "demo",
      clientId: EXSTREAM_DEMO.clientId,
      clientSecret: EXSTREAM_DEMO.clientSecret,
    });
    const post = (token?: string) =>
      fetch(`${nr.adminUrl}/exstream-config/test-connection`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(dialog()),
      });

    it("refuses an anonymous caller", async () => {
      assert.equal((await post()).status, 401);
    });

    it("refuses a user without exstream-config.write", async () => {
      assert.equal((await post(await tokenOf("viewer"))).status, 401);
    });

    it("answers a user with the permission", async () => {
      const res = await post(await tokenOf("editor"));
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { domainFound: boolean }).domainFound, true);
    });
  });
});
