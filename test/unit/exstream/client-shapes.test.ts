import assert from "node:assert/strict";
import { ExstreamError, formatRuntimeFilter, resolveTokenUrl, scrubSecrets } from "../../../nodes/lib/exstream";
import { serverErrorInfo } from "../../../nodes/lib/exstream/http";
import { decodeEnvelope, encodeDriver } from "../../../nodes/lib/exstream/ondemand";

describe("Exstream client: wire shapes", () => {
  it("writes the orchestration filter syntax with Exstream's escapes", () => {
    assert.equal(
      formatRuntimeFilter({ statuses: ["complete", "error"], jobId: "j-1" }),
      "statuses:complete,error;jobId:j-1",
    );
    assert.equal(formatRuntimeFilter({ externalId: "a:b;c\\d" }), "externalId:a/colon/b/semi/c/bsol/d");
    assert.equal(formatRuntimeFilter({ statuses: [], jobId: undefined }), undefined);
  });

  it("derives the token URL from a path template or takes the explicit one", () => {
    const base = { grantType: "client_credentials" as const, clientId: "c" };
    assert.equal(
      resolveTokenUrl({ ...base, tenant: "t 1" }, "https://x.test/"),
      "https://x.test/otdsws/otdstenant/t%201/oauth2/token",
    );
    assert.equal(
      resolveTokenUrl(
        { ...base, tenant: "t", otdsUrl: "https://otds.test/otds", tokenPathTemplate: "tenants/{tenant}/oauth2/token" },
        "https://x.test",
      ),
      "https://otds.test/otds/tenants/t/oauth2/token",
    );
    assert.equal(
      resolveTokenUrl({ ...base, tokenUrl: "https://t.test/token" }, "https://x.test"),
      "https://t.test/token",
    );
    assert.throws(() => resolveTokenUrl(base, "https://x.test"), /token URL or a tenant/);
  });

  it("types driver data: objects as JSON, text by its first character, explicit types as given", () => {
    assert.deepEqual(encodeDriver({ a: 1 }), { body: '{"a":1}', contentType: "application/json" });
    assert.equal(encodeDriver("\uFEFF  <root/>").contentType, "application/xml");
    assert.equal(encodeDriver(Buffer.from(" [1]")).contentType, "application/json");
    assert.equal(encodeDriver("a;b", "text/csv").contentType, "text/csv");
    assert.throws(() => encodeDriver("hello"), TypeError);
  });

  it("decodes the generate envelope and turns an error envelope into ExstreamError", () => {
    const ok = decodeEnvelope("generate", {
      status: "success",
      data: [
        {
          content: Buffer.from("%PDF-1.7").toString("base64"),
          mimeType: "application/pdf",
          engineOutputContext: { queueName: "Q", fileName: "f", customerNumber: 1 },
        },
      ],
    });
    assert.deepEqual(ok.outputs[0], {
      mimeType: "application/pdf",
      content: Buffer.from("%PDF-1.7"),
      queueName: "Q",
      fileName: "f",
      customerNumber: "1",
    });
    assert.throws(
      () =>
        decodeEnvelope("generate", { status: "error", data: [{ errorMessage: "Driver invalid", statusCode: "400" }] }),
      (err: unknown) => err instanceof ExstreamError && err.status === 400 && err.serverMessage === "Driver invalid",
    );
  });

  it("reads the server's message from every error shape", () => {
    const das = {
      timestamp: 1,
      status: 409,
      error: "Conflict",
      message: "Resource is not in DRAFT",
      details: "d",
      errorCode: 309016,
      path: "/design/api/v1/x",
    };
    assert.deepEqual(serverErrorInfo(das, ""), {
      message: "Resource is not in DRAFT",
      errorCode: 309016,
      details: "d",
      path: "/design/api/v1/x",
    });
    assert.equal(
      serverErrorInfo({ error: "invalid_client", error_description: "Bad secret" }, "").message,
      "Bad secret",
    );
    assert.equal(serverErrorInfo(undefined, " plain text ").message, "plain text");
  });

  it("scrubs secrets and credential-looking text from what it reports", () => {
    const text = scrubSecrets(
      "Authorization: Bearer abc.def password=hunter22&client_secret=s3cr3t-value mysecretvalue",
      ["mysecretvalue"],
    );
    assert.ok(!/abc\.def|hunter22|s3cr3t-value|mysecretvalue/.test(text), text);
    const err = new ExstreamError(
      { operation: "token", status: 401, serverMessage: "client_secret=topsecret rejected" },
      ["topsecret"],
    );
    assert.ok(!JSON.stringify(err).includes("topsecret"));
    assert.equal(err.name, "ExstreamError");
  });
});
