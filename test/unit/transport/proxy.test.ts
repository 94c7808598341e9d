import assert from "node:assert/strict";
import { proxyUrlFor } from "../../../nodes/lib/transport";

describe("transport: which proxy a request takes (as Node-RED's core HTTP request node decides)", () => {
  it("takes HTTPS_PROXY for https and HTTP_PROXY for http, ALL_PROXY as the fallback", () => {
    const env = { HTTPS_PROXY: "http://secure:3128", HTTP_PROXY: "http://plain:3128", ALL_PROXY: "http://all:1" };
    assert.equal(proxyUrlFor("https://cs.example/otcs/cs.exe", undefined, env), "http://secure:3128");
    assert.equal(proxyUrlFor("http://cs.example/otcs/cs.exe", undefined, env), "http://plain:3128");
    assert.equal(proxyUrlFor("https://cs.example/", undefined, { ALL_PROXY: "http://all:1" }), "http://all:1");
  });

  it("prefers the lower-case variable, and honours npm's proxy settings first", () => {
    assert.equal(
      proxyUrlFor("https://h/", undefined, { https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:1" }),
      "http://lower:1",
    );
    assert.equal(
      proxyUrlFor("https://h/", undefined, { npm_config_https_proxy: "http://npm:1", HTTPS_PROXY: "http://upper:1" }),
      "http://npm:1",
    );
  });

  it("gives a proxy without a scheme the scheme of the request", () => {
    assert.equal(proxyUrlFor("https://h/", undefined, { HTTPS_PROXY: "proxy:3128" }), "https://proxy:3128");
  });

  it("goes direct without any proxy variable", () => {
    assert.equal(proxyUrlFor("https://h/", undefined, {}), "");
  });

  it("goes direct for hosts in NO_PROXY: exact names, domain suffixes, wildcards, ports and *", () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: "http://p:1", NO_PROXY: noProxy });
    assert.equal(proxyUrlFor("https://cs.example/", undefined, env("cs.example")), "");
    assert.equal(proxyUrlFor("https://cs.example/", undefined, env("other.example, cs.example")), "");
    assert.equal(proxyUrlFor("https://a.corp.example/", undefined, env(".corp.example")), "");
    assert.equal(proxyUrlFor("https://a.corp.example/", undefined, env("*.corp.example")), "");
    assert.equal(proxyUrlFor("https://cs.example:8443/", undefined, env("cs.example:8443")), "");
    assert.equal(proxyUrlFor("https://cs.example/", undefined, env("cs.example:8443")), "http://p:1");
    assert.equal(proxyUrlFor("https://anything/", undefined, env("*")), "");
    assert.equal(proxyUrlFor("https://xcs.example/", undefined, env("cs.example")), "http://p:1");
  });

  it("uses a connection's own proxy and its no-proxy list instead of the environment", () => {
    const env = { HTTPS_PROXY: "http://env:1", NO_PROXY: "cs.example" };
    const own = { url: "http://own:8080", noProxy: ["otds.example"] };
    assert.equal(proxyUrlFor("https://cs.example/", own, env), "http://own:8080");
    assert.equal(proxyUrlFor("https://otds.example/", own, env), "");
  });
});
