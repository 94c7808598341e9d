import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpClient, MIB, transferLimits, type HttpClient } from "../../../nodes/lib/transport";

const TIMEOUT_MS = 500;

/** A server that reads the request, then keeps the connection busy (102 Processing) for `busyMs` before answering. */
async function busyServer(busyMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const started = Date.now();
      const tick = setInterval(() => {
        if (Date.now() - started < busyMs) {
          res.writeProcessing();
          return;
        }
        clearInterval(tick);
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      }, TIMEOUT_MS / 10);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("transport: timeoutMs bounds silence, not the length of a large upload", function () {
  this.timeout(20_000);
  let client: HttpClient;

  beforeEach(() => {
    client = createHttpClient({ limits: transferLimits({ timeoutMs: TIMEOUT_MS, deadlineMs: 15_000 }) });
  });
  afterEach(() => client.close());

  it("lets a large upload last several times timeoutMs while the connection keeps carrying data", async () => {
    const server = await busyServer(4 * TIMEOUT_MS);
    try {
      const started = Date.now();
      const body = Buffer.alloc(2 * MIB, "x");
      const response = await client.http.post(server.url, body, { responseType: "text", uploadBytes: body.length });
      assert.equal(response.status, 200);
      assert.ok(Date.now() - started >= 4 * TIMEOUT_MS, "the answer came after four timeouts");
    } finally {
      await server.close();
    }
  });

  it("still ends a call whose connection goes silent for timeoutMs", async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const err = (await client.http.get(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)) as Error;
      assert.ok(err instanceof Error);
      assert.match(err.message, new RegExp(`timeout of ${TIMEOUT_MS}ms exceeded`));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
