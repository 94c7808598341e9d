import assert from "node:assert/strict";
import { buildClientOptions } from "../../../nodes/exstream-config/client-options";
import type { ExstreamConfigProperties } from "../../../nodes/exstream-config/types";

describe("exstream-config: token fields → client options", () => {
  const expand = (value: string | undefined) => value;
  const base: Partial<ExstreamConfigProperties> = {
    baseUrl: "https://exstream.test",
    domain: "Prod",
    tenant: "t1",
    grantType: "client_credentials",
  };
  const credentials = { clientId: "svc", clientSecret: "secret" };
  const auth = (props: Partial<ExstreamConfigProperties>) => buildClientOptions(props, credentials, expand).auth;

  it("asks for otds:groups when the scope is blank or absent (flows saved before the default existed)", () => {
    assert.equal(auth({ ...base, scope: "" }).scope, "otds:groups");
    assert.equal(auth({ ...base }).scope, "otds:groups");
  });

  it("sends a configured scope as given, and none for the word none", () => {
    assert.equal(
      auth({ ...base, scope: "search otds:groups subscription:s1" }).scope,
      "search otds:groups subscription:s1",
    );
    assert.equal(auth({ ...base, scope: "none" }).scope, "");
    assert.equal(auth({ ...base, scope: "NONE" }).scope, "");
  });

  it("accepts a token path without {tenant} and no tenant, but not a {tenant} path without one", () => {
    const noTenant = auth({ ...base, tenant: "", tokenPath: "/otdsws/oauth2/token" });
    assert.equal(noTenant.tokenPathTemplate, "/otdsws/oauth2/token");
    assert.throws(() => auth({ ...base, tenant: "" }), /set a token URL or a tenant/);
    assert.equal(
      auth({ ...base, tenant: "", tokenUrl: "https://otds.test/custom/token" }).tokenUrl,
      "https://otds.test/custom/token",
    );
  });
});
