/*
 * "Test connection" cannot be turned against the stored secrets (issue 12.1), in the embedded Node-RED runtime without
 * adminAuth (as a loopback-only editor runs) and a listener of the attacker's choosing:
 *  - stored secrets go only to the deployed node's own URLs (base, OTDS, token); a request naming another URL with the
 *    stored-secret placeholder (or without the secret) is refused before anything is sent;
 *  - an id of a config node of another type lends none of its secrets;
 *  - `${NAME}` in request values is refused, never expanded from the environment;
 *  - a form-encoded, multipart or text body (what a cross-site HTML form can send) is refused: JSON only;
 *  - a failed test answers with the operation and HTTP status, not with the remote server's text.
 */
import assert from "node:assert/strict";
import { startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../helpers/exstream-sim";
import { assertNoSecrets, startListener, uniqueSecret as unique, type Listener } from "./support";

type Body = Record<string, unknown>;

const PLACEHOLDER = "__PWRD__";
const REMOTE_MARKER = unique("remote-body-text");

describe("security: test connection sends stored secrets nowhere but the deployed node's servers", function () {
  this.timeout(30_000);
  const CS_PASSWORD = unique("Cs-Pa55word");
  const CLIENT_SECRET = unique("Client-5ecret");
  const ENV_SECRET = unique("credential-secret");
  const ENV_CS_PASSWORD = unique("Env-Cs-Pa55word");
  const savedEnv = process.env.NODE_RED_CREDENTIAL_SECRET;
  let cs: ContentServerSimulator;
  let exstream: TestExstreamSim;
  let listener: Listener;
  let nr: EmbeddedNodeRed;

  const secrets = () =>
    new Map([
      ["the stored CS password", CS_PASSWORD],
      ["the stored Exstream client secret", CLIENT_SECRET],
      ["NODE_RED_CREDENTIAL_SECRET from the environment", ENV_SECRET],
      ["the CS password kept in the environment", ENV_CS_PASSWORD],
    ]);

  before(async () => {
    cs = await startSeededContentServer();
    const admin = Object.values(cs.store.data.users).find((u) => u.name === "Admin");
    assert.ok(admin);
    admin.password = CS_PASSWORD;
    exstream = await startTestExstreamSim();
    exstream.store.tenant(EXSTREAM_DEMO.tenant)!.clients.get(EXSTREAM_DEMO.clientId)!.secret = CLIENT_SECRET;
    listener = await startListener(401, { error: REMOTE_MARKER, error_description: REMOTE_MARKER });
    process.env.NODE_RED_CREDENTIAL_SECRET = ENV_SECRET;
    process.env.SEC_TC_CS_PASSWORD = ENV_CS_PASSWORD;
    nr = await startEmbeddedNodeRed({ nodeTypes: ["cs-config", "exstream-config"] });
    await nr.deploy([
      {
        id: "cs1",
        type: "cs-config",
        baseUrl: cs.url,
        authMode: "cs",
        retryAttempts: "1",
        credentials: { username: "Admin", password: CS_PASSWORD },
      },
      // As the headless deployment keeps it: the password as a placeholder, the value in the environment.
      {
        id: "cs-env",
        type: "cs-config",
        baseUrl: cs.url,
        authMode: "cs",
        retryAttempts: "1",
        credentials: { username: "Admin", password: "${SEC_TC_CS_PASSWORD}" },
      },
      {
        id: "ex1",
        type: "exstream-config",
        baseUrl: exstream.url,
        tenant: EXSTREAM_DEMO.tenant,
        domain: EXSTREAM_DEMO.domain,
        grantType: "client_credentials",
        clientAuth: "body",
        retryAttempts: "1",
        credentials: { clientId: EXSTREAM_DEMO.clientId, clientSecret: CLIENT_SECRET },
      },
    ]);
    const deadline = Date.now() + 5000;
    while (["cs1", "cs-env", "ex1"].some((id) => !nr.RED.nodes.getNode(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  beforeEach(() => {
    listener.requests.length = 0;
  });

  after(async () => {
    if (savedEnv === undefined) delete process.env.NODE_RED_CREDENTIAL_SECRET;
    else process.env.NODE_RED_CREDENTIAL_SECRET = savedEnv;
    delete process.env.SEC_TC_CS_PASSWORD;
    await nr?.stop();
    await Promise.allSettled([listener?.close(), cs?.close(), exstream?.close()]);
  });

  async function post(type: "cs-config" | "exstream-config", body: Body | string, contentType = "application/json") {
    const res = await fetch(`${nr.adminUrl}/${type}/test-connection`, {
      method: "POST",
      headers: { "Content-Type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: (text.startsWith("{") ? JSON.parse(text) : {}) as Body };
  }

  /** The cs-config dialog of cs1 as the editor sends it, the password shown as the placeholder. */
  const csDialog = (changes: Body = {}): Body => ({
    id: "cs1",
    baseUrl: cs.url,
    authMode: "cs",
    otdsUrl: "",
    domain: "",
    tls: "",
    username: "Admin",
    password: PLACEHOLDER,
    ...changes,
  });
  const exDialog = (changes: Body = {}): Body => ({
    id: "ex1",
    baseUrl: exstream.url,
    domain: EXSTREAM_DEMO.domain,
    tokenUrl: "",
    tenant: EXSTREAM_DEMO.tenant,
    otdsUrl: "",
    grantType: "client_credentials",
    clientAuth: "body",
    tls: "",
    clientId: EXSTREAM_DEMO.clientId,
    clientSecret: PLACEHOLDER,
    ...changes,
  });

  function assertNothingSent(what: string): void {
    assert.equal(listener.requests.length, 0, `${what}: the listener received ${listener.requests.length} request(s)`);
  }

  it("still tests a deployed connection from its dialog with the stored secrets while its URLs are unchanged", async () => {
    const csAnswer = await post("cs-config", csDialog());
    assert.equal(csAnswer.status, 200, csAnswer.text);
    assert.equal(csAnswer.body.userName, "Admin");
    const exAnswer = await post("exstream-config", exDialog());
    assert.equal(exAnswer.status, 200, exAnswer.text);
    assert.equal(exAnswer.body.domainFound, true);
  });

  it("refuses to send the stored CS password to a Content Server or OTDS URL the request chose", async () => {
    const attempts: Array<[string, Body]> = [
      ["another base URL", csDialog({ baseUrl: `${listener.origin}/cs/cs` })],
      ["another base URL, password left out", csDialog({ baseUrl: `${listener.origin}/cs/cs`, password: undefined })],
      ["another OTDS URL", csDialog({ authMode: "otds", otdsUrl: listener.origin })],
      ["another proxy (it would see the password of an http URL)", csDialog({ proxy: "someone-elses-proxy" })],
      [
        "the stored ${NAME} of the password retyped",
        csDialog({ id: "cs-env", baseUrl: listener.origin, password: "${SEC_TC_CS_PASSWORD}" }),
      ],
    ];
    for (const [label, body] of attempts) {
      const answer = await post("cs-config", body);
      assert.equal(answer.status, 400, `${label}: ${answer.text}`);
      assert.match(String(answer.body.message), /baseUrl|otdsUrl|proxy/, label);
      assert.match(String(answer.body.message), /password/, `${label}: says which secret to enter`);
      assertNothingSent(label);
    }
    assertNoSecrets("what the listener received", listener.text(), secrets());
    // A dialog that brings the password itself may test any URL: the caller already knows it.
    const own = await post("cs-config", csDialog({ baseUrl: `${listener.origin}/cs/cs`, password: CS_PASSWORD }));
    assert.equal(own.status, 502, own.text);
    assert.equal(listener.requests.length, 1, "the typed password went to the URL the dialog names");
  });

  it("refuses to send the stored Exstream client secret to a base, token or OTDS URL the request chose", async () => {
    const attempts: Array<[string, Body]> = [
      ["another base URL (token URL derived from it)", exDialog({ baseUrl: listener.origin })],
      ["another token URL", exDialog({ tokenUrl: `${listener.origin}/token` })],
      ["another OTDS URL", exDialog({ otdsUrl: listener.origin })],
    ];
    for (const [label, body] of attempts) {
      const answer = await post("exstream-config", body);
      assert.equal(answer.status, 400, `${label}: ${answer.text}`);
      assert.match(String(answer.body.message), /clientSecret/, label);
      assertNothingSent(label);
    }
  });

  it("lends no secret of a config node of another type (an Exstream id on the CS endpoint)", async () => {
    const answer = await post("cs-config", {
      id: "ex1",
      baseUrl: `${listener.origin}/cs/cs`,
      authMode: "oauth",
      otdsUrl: listener.origin,
      clientId: "x",
      clientSecret: PLACEHOLDER,
    });
    assert.notEqual(answer.status, 200);
    assertNoSecrets("what the listener received", listener.text(), secrets());
  });

  it("never expands ${NAME} from request values: refused, and the environment's value is sent nowhere", async () => {
    const attempts: Array<["cs-config" | "exstream-config", string, Body]> = [
      ["cs-config", "password", csDialog({ baseUrl: listener.origin, password: "${NODE_RED_CREDENTIAL_SECRET}" })],
      ["cs-config", "username", csDialog({ baseUrl: listener.origin, username: "${NODE_RED_CREDENTIAL_SECRET}" })],
      ["cs-config", "baseUrl", { baseUrl: `${listener.origin}/\${NODE_RED_CREDENTIAL_SECRET}`, password: "own" }],
      [
        "exstream-config",
        "clientSecret",
        exDialog({ tokenUrl: `${listener.origin}/token`, clientSecret: "${NODE_RED_CREDENTIAL_SECRET}" }),
      ],
    ];
    for (const [type, field, body] of attempts) {
      const answer = await post(type, body);
      assert.equal(answer.status, 400, `${type} ${field}: ${answer.text}`);
      assert.match(String(answer.body.message), new RegExp(`\\$\\{…\\}.*\\(${field}\\)`), `${type} ${field}`);
      assertNothingSent(`${type} ${field}`);
    }
    assertNoSecrets("the answers", JSON.stringify(attempts), secrets());
  });

  it("refuses what a cross-site HTML form can send (form-encoded, multipart, text/plain): JSON only", async () => {
    const fields = { id: "cs1", baseUrl: `${listener.origin}/cs/cs`, authMode: "cs", username: "Admin" };
    const form = new URLSearchParams(fields).toString();
    const cases: Array<[string, string, string]> = [
      ["form-encoded", form, "application/x-www-form-urlencoded"],
      ["text/plain holding JSON", JSON.stringify(fields), "text/plain"],
    ];
    for (const [label, body, contentType] of cases) {
      for (const type of ["cs-config", "exstream-config"] as const) {
        const answer = await post(type, body, contentType);
        assert.equal(answer.status, 415, `${type}, ${label}: ${answer.text}`);
      }
    }
    const multipart = new FormData();
    for (const [name, value] of Object.entries(fields)) multipart.set(name, value);
    const res = await fetch(`${nr.adminUrl}/cs-config/test-connection`, { method: "POST", body: multipart });
    assert.equal(res.status, 415, "multipart/form-data");
    await res.text();
    assertNothingSent("cross-site form bodies");
  });

  it("answers a failed test with the operation and HTTP status, without the remote server's text", async () => {
    const csAnswer = await post("cs-config", {
      baseUrl: `${listener.origin}/cs/cs`,
      authMode: "cs",
      username: "someone",
      password: "their-own-password",
    });
    assert.equal(csAnswer.status, 502, csAnswer.text);
    assert.match(String(csAnswer.body.message), /^login: HTTP 401/);
    assert.ok(!csAnswer.text.includes(REMOTE_MARKER), csAnswer.text);
    const exAnswer = await post("exstream-config", {
      baseUrl: listener.origin,
      domain: "Demo",
      tenant: "demo",
      clientId: "someone",
      clientSecret: "their-own-secret",
    });
    assert.equal(exAnswer.status, 502, exAnswer.text);
    assert.match(String(exAnswer.body.message), /^token: HTTP 401/);
    assert.ok(!exAnswer.text.includes(REMOTE_MARKER), exAnswer.text);
    assert.ok(listener.requests.length >= 2, "the listener was really asked (with the dialog's own credentials)");
  });
});
