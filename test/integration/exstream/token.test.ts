import assert from "node:assert/strict";
import sinon from "sinon";
import { ExstreamError } from "../../../nodes/lib/exstream";
import { CLOUD_TOKEN_PATH_TEMPLATE, DEFAULT_SCOPE } from "../../../nodes/lib/exstream/token";
import { clientFor, EXSTREAM_DEMO, withSimulator } from "./setup";

describe("Exstream client: OTDS token", () => {
  const { sim } = withSimulator();

  it("derives the token URL from base URL + tenant, or takes it as given", () => {
    const derived = clientFor(sim());
    assert.equal(derived.tokenUrl, `${sim().url}/otdsws/otdstenant/demo/oauth2/token`);
    const cloud = clientFor(sim(), { tokenPathTemplate: CLOUD_TOKEN_PATH_TEMPLATE });
    assert.equal(cloud.tokenUrl, `${sim().url}/tenants/demo/oauth2/token`);
    const explicit = clientFor(sim(), { tokenUrl: "https://otds.example.test/token", tenant: undefined });
    assert.equal(explicit.tokenUrl, "https://otds.example.test/token");
    for (const c of [derived, cloud, explicit]) c.close();
  });

  for (const [label, auth] of [
    ["client credentials, client auth in the body", {}],
    ["client credentials, HTTP Basic client auth", { clientAuth: "basic" as const }],
    [
      "the password grant",
      { grantType: "password" as const, username: EXSTREAM_DEMO.username, password: EXSTREAM_DEMO.password },
    ],
    ["the cloud token path", { tokenPathTemplate: CLOUD_TOKEN_PATH_TEMPLATE }],
  ] as const) {
    it(`obtains a token with ${label} and calls the Design API with it`, async () => {
      const client = clientFor(sim(), auth);
      try {
        const result = await client.testConnection();
        assert.equal(result.domainFound, true);
        assert.ok(result.domains.includes("Demo"));
        assert.equal(client.tokenRequestCount, 1);
      } finally {
        client.close();
      }
    });
  }

  it("asks for the scope otds:groups by default, as OpenText's SDK does", async () => {
    assert.equal(DEFAULT_SCOPE, "otds:groups");
    const client = clientFor(sim());
    try {
      await client.getToken();
      assert.equal(sim().tokenRequests().at(-1)?.scope, "otds:groups");
    } finally {
      client.close();
    }
  });

  it("sends a configured scope instead, and no scope parameter when the scope is empty", async () => {
    const cloud = clientFor(sim(), { scope: "search otds:groups subscription:letters" });
    const none = clientFor(sim(), { scope: "" });
    try {
      await cloud.getToken();
      assert.equal(sim().tokenRequests().at(-1)?.scope, "search otds:groups subscription:letters");
      await none.getToken();
      const last = sim().tokenRequests().at(-1);
      assert.equal(last?.grantType, "client_credentials");
      assert.equal(last?.scope, undefined);
    } finally {
      cloud.close();
      none.close();
    }
  });

  it("obtains a token on OpenText's OT2 SDK path when the token path template is set to it", async () => {
    const client = clientFor(sim(), { tokenPathTemplate: "/otdstenant/{tenant}/oauth2/token" });
    try {
      assert.equal((await client.testConnection()).domainFound, true);
      assert.equal(sim().tokenRequests().at(-1)?.path, "/otdstenant/demo/oauth2/token");
    } finally {
      client.close();
    }
  });

  it("reuses one token for many calls", async () => {
    const client = clientFor(sim());
    try {
      for (let i = 0; i < 5; i++) await client.listDomains();
      assert.equal(client.tokenRequestCount, 1);
    } finally {
      client.close();
    }
  });

  it("sends exactly one token request when twenty concurrent calls meet a token the server has expired", async () => {
    const client = clientFor(sim(), {}, { maxConcurrent: 8 });
    try {
      await client.listDomains();
      const issuedBefore = sim().counters().tokensIssued;
      sim().expireTokens();
      const results = await Promise.all(Array.from({ length: 20 }, () => client.listDomains()));
      assert.equal(results.length, 20);
      assert.equal(client.tokenRequestCount, 2, "one initial token + one renewal");
      assert.equal(sim().counters().tokensIssued - issuedBefore, 1, "the server issued exactly one new token");
    } finally {
      client.close();
    }
  });

  it("renews a token before it expires: twenty concurrent calls after the refresh point cause one token request", async () => {
    sim().setTokenLifetime(1);
    // Only Date is fake (HTTP keeps working); client and simulator read the same clock.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    const client = clientFor(sim(), { refreshMarginMs: 500 });
    try {
      await client.listDomains();
      const issuedBefore = sim().counters().tokensIssued;
      const unauthorizedBefore = sim().counters().unauthorized;
      clock.tick(750); // past the refresh point (1 s − 1/3 s margin), before expiry
      await Promise.all(Array.from({ length: 20 }, () => client.listDomains()));
      assert.equal(sim().counters().tokensIssued - issuedBefore, 1);
      assert.equal(sim().counters().unauthorized, unauthorizedBefore, "renewed before the server refused it");
    } finally {
      clock.restore();
      sim().setTokenLifetime(900);
      client.close();
    }
  });

  it("fails with an ExstreamError (status 401, operation token) for wrong credentials, without the secret", async () => {
    const wrongSecret = "definitely-wrong-secret-value";
    const client = clientFor(sim(), { clientSecret: wrongSecret });
    try {
      await assert.rejects(client.listDomains(), (err: unknown) => {
        assert.ok(err instanceof ExstreamError);
        assert.equal(err.name, "ExstreamError");
        assert.equal(err.operation, "token");
        assert.ok(err.status === 400 || err.status === 401, `status ${err.status}`);
        assert.ok(!JSON.stringify(err).includes(wrongSecret));
        assert.ok(!String(err.stack).includes(wrongSecret));
        return true;
      });
      assert.equal(client.tokenRequestCount, 1, "a refused token request is not retried");
    } finally {
      client.close();
    }
  });
});

describe("Exstream client: OTDS token on an installation-specific path", () => {
  const CUSTOM_TEMPLATE = "/otds/otdsws/otdstenant/{tenant}/oauth2/token";
  const NO_TENANT_PATH = "/auth/oauth2/token";
  const { sim } = withSimulator({ "token-path": `${CUSTOM_TEMPLATE},${NO_TENANT_PATH}` });

  it("uses a custom token path template, and no default path at all", async () => {
    const client = clientFor(sim(), { tokenPathTemplate: CUSTOM_TEMPLATE });
    try {
      assert.equal(client.tokenUrl, `${sim().url}/otds/otdsws/otdstenant/demo/oauth2/token`);
      assert.equal((await client.testConnection()).domainFound, true);
      assert.deepEqual(
        sim()
          .tokenRequests()
          .map((r) => r.path),
        ["/otds/otdsws/otdstenant/demo/oauth2/token"],
      );
    } finally {
      client.close();
    }
  });

  it("takes a full custom token URL as given, and a template without {tenant} needs no tenant", async () => {
    const full = clientFor(sim(), { tokenUrl: `${sim().url}${NO_TENANT_PATH}`, tenant: undefined });
    const template = clientFor(sim(), { tokenPathTemplate: NO_TENANT_PATH, tenant: undefined });
    try {
      assert.equal(template.tokenUrl, `${sim().url}${NO_TENANT_PATH}`);
      for (const client of [full, template]) assert.equal((await client.testConnection()).domainFound, true);
      assert.deepEqual(
        sim()
          .tokenRequests()
          .slice(-2)
          .map((r) => r.path),
        [NO_TENANT_PATH, NO_TENANT_PATH],
      );
    } finally {
      full.close();
      template.close();
    }
  });

  it("refuses a template with {tenant} when no tenant is configured", () => {
    assert.throws(() => clientFor(sim(), { tokenPathTemplate: CUSTOM_TEMPLATE, tenant: undefined }), /tenant/);
  });
});
