import assert from "node:assert/strict";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { SimClient } from "./sim-client";

describe("Exstream simulator: OTDS OAuth2", () => {
  let sim: TestExstreamSim;
  let client: SimClient;

  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const token = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${sim.url}${path}`, { method: "POST", headers, body });
  const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
  const CLIENT_CREDENTIALS = {
    grant_type: "client_credentials",
    client_id: "exstream-sim",
    client_secret: "exstream-sim-secret",
  };
  /** A form-encoded client_credentials token request on `path`. */
  const serviceToken = (path: string, extra: Record<string, string> = {}) =>
    token(path, form({ ...CLIENT_CREDENTIALS, ...extra }), FORM);

  it("issues a client_credentials token on the OTDS tenant path (form body)", async () => {
    const res = await serviceToken("/otdsws/otdstenant/demo/oauth2/token");
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 900);
    assert.equal(typeof body.access_token, "string");
    assert.equal(body.refresh_token, undefined);
  });

  it("answers only the fields of OpenText's token response and records the request without secrets", async () => {
    const res = await serviceToken("/otdsws/otdstenant/demo/oauth2/token", { scope: "otds:groups" });
    assert.deepEqual(Object.keys((await res.json()) as object).sort(), ["access_token", "expires_in", "token_type"]);
    assert.deepEqual(sim.tokenRequests(), [
      {
        path: "/otdsws/otdstenant/demo/oauth2/token",
        tenant: "demo",
        grantType: "client_credentials",
        clientId: "exstream-sim",
        scope: "otds:groups",
      },
    ]);
    assert.ok(!JSON.stringify(sim.tokenRequests()).includes("exstream-sim-secret"));
  });

  it("serves the token on the SDK's OT2 path /otdstenant/{tenant}/oauth2/token", async () => {
    assert.equal((await serviceToken("/otdstenant/demo/oauth2/token")).status, 200);
  });

  it("serves further token paths given with --token-path, with or without a {tenant} placeholder", async () => {
    await sim.close();
    sim = await startTestExstreamSim({
      "token-path": "/otds/otdsws/otdstenant/{tenant}/oauth2/token, /auth/oauth2/token",
    });
    assert.equal((await serviceToken("/otds/otdsws/otdstenant/demo/oauth2/token")).status, 200);
    assert.equal((await serviceToken("/auth/oauth2/token")).status, 200, "no placeholder: the seeded tenant");
    assert.equal((await serviceToken("/otds/otdsws/otdstenant/nobody/oauth2/token")).status, 404);
    assert.deepEqual(
      sim.tokenRequests().map((r) => r.tenant),
      ["demo", "demo"],
    );
  });

  it("accepts a JSON body on the cloud path /tenants/{tenant}/oauth2/token", async () => {
    const res = await token("/tenants/demo/oauth2/token", JSON.stringify(CLIENT_CREDENTIALS), {
      "Content-Type": "application/json",
    });
    assert.equal(res.status, 200);
  });

  it("issues a password-grant token with HTTP Basic client authentication and a refresh token", async () => {
    const basic = Buffer.from("exstream-sim:exstream-sim-secret").toString("base64");
    const res = await token(
      "/tenants/demo/oauth2/token",
      form({ grant_type: "password", username: "demo-admin", password: "demo-admin-secret", scope: "openid" }),
      {
        ...FORM,
        Authorization: `Basic ${basic}`,
      },
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "refresh_token", "token_type"]);
    assert.equal(sim.tokenRequests().at(-1)?.scope, "openid", "the requested scope is recorded, not echoed");
    const refreshed = await token(
      "/tenants/demo/oauth2/token",
      form({ grant_type: "refresh_token", refresh_token: body.refresh_token }),
      { ...FORM, Authorization: `Basic ${basic}` },
    );
    assert.equal(refreshed.status, 200);
    const again = await token(
      "/tenants/demo/oauth2/token",
      form({ grant_type: "refresh_token", refresh_token: body.refresh_token }),
      FORM,
    );
    assert.equal(again.status, 400, "a refresh token is single use");
    assert.equal(sim.counters().tokensRefreshed, 1);
  });

  it("rejects a wrong secret (401 invalid_client), a wrong password (400 invalid_grant) and unknown grants", async () => {
    const bad = await token(
      "/tenants/demo/oauth2/token",
      form({ grant_type: "client_credentials", client_id: "exstream-sim", client_secret: "nope" }),
      FORM,
    );
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, "invalid_client");
    const pw = await token(
      "/tenants/demo/oauth2/token",
      form({ grant_type: "password", username: "demo-admin", password: "wrong", client_id: "Exstream" }),
      FORM,
    );
    assert.equal(pw.status, 400);
    assert.equal(((await pw.json()) as { error: string }).error, "invalid_grant");
    const grant = await token("/tenants/demo/oauth2/token", form({ grant_type: "implicit" }), FORM);
    assert.equal(grant.status, 400);
    const tenant = await token("/tenants/nobody/oauth2/token", form({ grant_type: "client_credentials" }), FORM);
    assert.equal(tenant.status, 404);
  });

  it("answers 401 with the error envelope without, with an unknown and with an expired bearer token", async () => {
    const none = await client.request("GET", "/design/api/v1/domains", { auth: false });
    assert.equal(none.status, 401);
    assert.equal(none.json.status, 401);
    assert.equal(none.json.error, "Unauthorized");
    assert.equal(none.json.path, "/design/api/v1/domains");
    assert.equal(typeof none.json.timestamp, "number");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const unknown = await client.request("GET", "/design/api/v1/domains", {
      auth: false,
      headers: { Authorization: "Bearer forged" },
    });
    assert.equal(unknown.status, 401);

    assert.equal((await client.get("/design/api/v1/domains")).status, 200);
    sim.advanceClock(901_000);
    assert.equal((await client.get("/design/api/v1/domains")).status, 401, "token expired after its 900 s lifetime");
  });

  it("honours a configured token lifetime and the expire-all control", async () => {
    await sim.close();
    sim = await startTestExstreamSim({ "token-lifetime": "5" });
    client = new SimClient(sim);
    const res = await token(
      sim.tokenUrl.replace(sim.url, ""),
      form({
        grant_type: "client_credentials",
        client_id: EXSTREAM_DEMO.clientId,
        client_secret: EXSTREAM_DEMO.clientSecret,
      }),
      FORM,
    );
    assert.equal(((await res.json()) as { expires_in: number }).expires_in, 5);
    assert.equal((await client.get("/design/api/v1/domains")).status, 200);
    const expire = await fetch(`${sim.url}/sim/tokens/expire`, { method: "POST" });
    assert.equal(expire.status, 200);
    assert.equal((await client.get("/design/api/v1/domains")).status, 401);
    assert.equal(sim.counters().tokensIssued, 2);
    assert.ok(sim.counters().unauthorized >= 1);
  });

  it("binds the token to its tenant: a domain of another tenant is not found", async () => {
    const res = await client.get("/design/api/v1/resources/NoSuchDomain");
    assert.equal(res.status, 404);
    assert.match(res.json.message, /NoSuchDomain/);
  });
});
