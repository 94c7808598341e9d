import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

describe("content-server simulator: CLI", () => {
  it("prints 'content-server listening on http://127.0.0.1:<port>/cs/cs' and serves the seeded repository", async function () {
    this.timeout(30000);
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
        "sim/cli.ts",
        "content-server",
        "--port",
        "0",
        "--seed",
        "demo",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const match = /content-server listening on \S+/.exec(out);
          if (match) resolve(match[0]);
        });
        child.stderr.on("data", (d) => (out += d));
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const match = /^content-server listening on (http:\/\/127\.0\.0\.1:(\d+)\/cs\/cs)$/.exec(line);
      assert.ok(match, line);
      assert.notEqual(match[2], "0");
      const login = await fetch(`${match[1]}/api/v1/auth`, {
        method: "POST",
        body: new URLSearchParams({ username: "Admin", password: "livelink" }),
      });
      const { ticket } = (await login.json()) as { ticket: string };
      const node = await fetch(`${match[1]}/api/v2/nodes/2000`, { headers: { OTCSTicket: ticket } });
      assert.equal(((await node.json()) as any).results.data.properties.name, "Enterprise Workspace");
    } finally {
      if (child.pid) process.kill(child.pid, "SIGTERM");
    }
  });
});
