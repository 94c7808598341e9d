import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csConfig from "../../../nodes/cs-config/cs-config";
import type { CsConfigNode } from "../../../nodes/cs-config/types";
import { ContentServerError } from "../../../nodes/lib/content-server";
import {
  DEMO_LOGIN,
  DEMO_OAUTH_CLIENT,
  startSeededContentServer,
  type ContentServerSimulator,
} from "../../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../../helpers/embedded-node-red";

helper.init(require.resolve("node-red"));

const ENV = {
  CS_CONFIG_TEST_URL: "",
  CS_CONFIG_TEST_USER: DEMO_LOGIN.username,
  CS_CONFIG_TEST_PASSWORD: DEMO_LOGIN.password,
  CS_CONFIG_TEST_CLIENT_SECRET: DEMO_OAUTH_CLIENT.clientSecret,
};

describe("cs-config node", function () {
  let sim: ContentServerSimulator;

  before(async () => {
    sim = await startSeededContentServer();
    ENV.CS_CONFIG_TEST_URL = sim.url;
    Object.assign(process.env, ENV);
  });
  after(async () => {
    for (const name of Object.keys(ENV)) delete process.env[name];
    await sim.close();
  });

  describe("in the test runtime", function () {
    before((done) => {
      helper.startServer(done);
    });
    after((done) => {
      helper.stopServer(done);
    });
    afterEach(async () => {
      await helper.unload();
    });

    it("takes URL and credentials from the environment through ${ENV} placeholders and shares one client", async () => {
      const flow = [
        {
          id: "cfg1",
          type: "cs-config",
          name: "CS",
          baseUrl: "${CS_CONFIG_TEST_URL}",
          authMode: "cs",
          timeoutMs: "5000",
          maxConcurrent: "2",
        },
      ];
      await helper.load(csConfig, flow, {
        cfg1: { username: "${CS_CONFIG_TEST_USER}", password: "${CS_CONFIG_TEST_PASSWORD}" },
      });
      const node = helper.getNode("cfg1") as unknown as CsConfigNode;
      const client = node.getClient();
      assert.equal(node.getClient(), client, "one client per config node");
      const check = await client.testConnection();
      assert.equal(check.userName, DEMO_LOGIN.username);
      assert.equal(client.baseUrl, sim.url);
    });

    it("uses OAuth2 client credentials with the secret from the environment", async () => {
      const flow = [
        { id: "cfg2", type: "cs-config", baseUrl: sim.url, authMode: "oauth", otdsUrl: "${CS_CONFIG_TEST_OTDS}" },
      ];
      process.env.CS_CONFIG_TEST_OTDS = sim.otdsUrl;
      try {
        await helper.load(csConfig, flow, {
          cfg2: { clientId: DEMO_OAUTH_CLIENT.clientId, clientSecret: "${CS_CONFIG_TEST_CLIENT_SECRET}" },
        });
        const node = helper.getNode("cfg2") as unknown as CsConfigNode;
        assert.equal(node.clientOptions().otdsUrl, sim.otdsUrl);
        const check = await node.getClient().testConnection();
        assert.ok(check.userName.length > 0);
      } finally {
        delete process.env.CS_CONFIG_TEST_OTDS;
      }
    });

    it("exchanges the OTDS ticket unless told otherwise: saved connections without the field get exchange", async () => {
      process.env.CS_CONFIG_TEST_TICKET_USE = "direct";
      try {
        const flow = [
          { id: "saved", type: "cs-config", baseUrl: sim.url, authMode: "otds", otdsUrl: sim.otdsUrl },
          {
            id: "env",
            type: "cs-config",
            baseUrl: sim.url,
            authMode: "otds",
            otdsTicketUse: "${CS_CONFIG_TEST_TICKET_USE}",
          },
          { id: "odd", type: "cs-config", baseUrl: sim.url, authMode: "otds", otdsTicketUse: "sometimes" },
        ];
        const login = { username: DEMO_LOGIN.username, password: DEMO_LOGIN.password };
        await helper.load(csConfig, flow, { saved: login, env: login, odd: login });
        const saved = helper.getNode("saved") as unknown as CsConfigNode;
        assert.equal(saved.clientOptions().otdsTicketUse, "exchange");
        assert.equal((await saved.getClient().testConnection()).userName, DEMO_LOGIN.username);
        assert.equal((helper.getNode("env") as unknown as CsConfigNode).clientOptions().otdsTicketUse, "direct");
        assert.throws(
          () => (helper.getNode("odd") as unknown as CsConfigNode).clientOptions(),
          /OTDS ticket use must be "exchange" or "direct", not "sometimes"/,
        );
      } finally {
        delete process.env.CS_CONFIG_TEST_TICKET_USE;
      }
    });

    it("closes its client when the flow stops", async () => {
      const flow3 = [{ id: "cfg3", type: "cs-config", baseUrl: sim.url }];
      await helper.load(csConfig, flow3, {
        cfg3: { username: DEMO_LOGIN.username, password: DEMO_LOGIN.password },
      });
      const client = (helper.getNode("cfg3") as unknown as CsConfigNode).getClient();
      await client.login();
      await helper.unload();
      const err = await client.nodes.getNode(2000).catch((e: unknown) => e);
      assert.ok(err instanceof ContentServerError, "a closed client no longer works");
      assert.equal(err.code, "CLOSED");
    });

    it("test-connection answers server version and user for dialog values and for stored credentials", async () => {
      const flow4 = [{ id: "cfg4", type: "cs-config", baseUrl: sim.url }];
      await helper.load(csConfig, flow4, {
        cfg4: { username: DEMO_LOGIN.username, password: DEMO_LOGIN.password },
      });
      const fromDialog = await helper
        .request()
        .post("/cs-config/test-connection")
        .send({ baseUrl: sim.url, authMode: "cs", username: DEMO_LOGIN.username, password: DEMO_LOGIN.password })
        .expect(200);
      assert.equal(fromDialog.body.ok, true);
      assert.equal(fromDialog.body.userName, DEMO_LOGIN.username);
      assert.equal(typeof fromDialog.body.serverVersion, "string");

      const stored = await helper
        .request()
        .post("/cs-config/test-connection")
        .send({ id: "cfg4", baseUrl: sim.url, authMode: "cs", username: DEMO_LOGIN.username, password: "__PWRD__" })
        .expect(200);
      assert.equal(stored.body.userName, DEMO_LOGIN.username);

      const deployed = await helper.request().post("/cs-config/test-connection").send({ id: "cfg4" }).expect(200);
      assert.equal(deployed.body.userName, DEMO_LOGIN.username);

      const wrong = await helper
        .request()
        .post("/cs-config/test-connection")
        .send({ baseUrl: sim.url, authMode: "cs", username: DEMO_LOGIN.username, password: "not-the-password" })
        .expect(502);
      assert.equal(wrong.body.error, "ContentServerError");
      assert.match(wrong.body.message, /401/);
      assert.ok(!JSON.stringify(wrong.body).includes("not-the-password"));

      // ${ENV} in a value the dialog changed is not expanded: deploy first, then test the deployed node.
      const placeholder = await helper
        .request()
        .post("/cs-config/test-connection")
        .send({ baseUrl: "${CS_CONFIG_TEST_URL}", authMode: "cs", username: DEMO_LOGIN.username, password: "x" })
        .expect(400);
      assert.match(placeholder.body.message, /does not expand .*\(baseUrl\): deploy, then test/);
    });
  });

  describe("in an embedded runtime with adminAuth", function () {
    this.timeout(30_000);
    let nr: EmbeddedNodeRed;

    before(async () => {
      nr = await startEmbeddedNodeRed({
        nodeTypes: ["cs-config"],
        users: [
          { username: "admin", password: "admin-pw", permissions: "*" },
          { username: "viewer", password: "viewer-pw", permissions: "read" },
        ],
      });
      const adminToken = await nr.token("admin", "admin-pw");
      await nr.deploy(
        [
          { id: "tab1", type: "tab", label: "cs" },
          {
            id: "cfg9",
            type: "cs-config",
            baseUrl: "${CS_CONFIG_TEST_URL}",
            authMode: "cs",
            credentials: { username: "${CS_CONFIG_TEST_USER}", password: "${CS_CONFIG_TEST_PASSWORD}" },
          },
        ],
        adminToken,
      );
    });
    after(async () => nr.stop());

    const testConnection = (token: string | undefined, body: unknown) =>
      fetch(`${nr.adminUrl}/cs-config/test-connection`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });

    it("lets a caller with cs-config.write test the deployed connection", async () => {
      const res = await testConnection(await nr.token("admin", "admin-pw"), { id: "cfg9" });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { ok: boolean; userName: string; serverVersion: string };
      assert.equal(body.ok, true);
      assert.equal(body.userName, DEMO_LOGIN.username);
    });

    it("tests the dialog of the deployed node as the editor shows it: ${ENV} values as deployed, password hidden", async () => {
      const res = await testConnection(await nr.token("admin", "admin-pw"), {
        id: "cfg9",
        baseUrl: "${CS_CONFIG_TEST_URL}",
        authMode: "cs",
        otdsUrl: "",
        tls: "",
        username: "${CS_CONFIG_TEST_USER}",
        password: "__PWRD__",
      });
      const body = (await res.json()) as { userName?: string; message?: string };
      assert.equal(res.status, 200, body.message);
      assert.equal(body.userName, DEMO_LOGIN.username);
    });

    it("refuses a caller without the permission, and an anonymous caller", async () => {
      const viewer = await testConnection(await nr.token("viewer", "viewer-pw"), { id: "cfg9" });
      assert.equal(viewer.status, 401);
      const anonymous = await testConnection(undefined, { id: "cfg9" });
      assert.equal(anonymous.status, 401);
    });

    it("resolved the ${ENV} credentials of the deployed node", async () => {
      const node = nr.RED.nodes.getNode("cfg9") as CsConfigNode;
      assert.ok(node, "deployed");
      assert.equal((await node.getClient().testConnection()).userName, DEMO_LOGIN.username);
    });
  });
});
