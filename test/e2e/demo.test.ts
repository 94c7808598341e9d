/*
 * `npm run demo` is part of the test run: the headless deployment (flows/flows.json as shipped, flows/settings.js,
 * Node-RED as a child process with the built dist/) against fresh simulators, a fixed amount of traffic per data flow,
 * and the per-flow table counted in Content Server and Exstream. Runs scripts/demo.js directly: `npm run demo` would
 * rebuild dist/ first, which `npm test` has already done (pretest).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

interface Row {
  itemsIn: string;
  archived: string;
  letters: string;
  workflows: string;
  errors: string;
  result: string;
}

function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "scripts", "demo.js")], {
      cwd: ROOT,
      env: { ...process.env, DEMO_DEADLINE_MS: "75000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** The table rows by data flow number: `DF1 … | 11 | 11/11 | 4 | – | 0 | ok`. */
function table(output: string): Map<number, Row> {
  const rows = new Map<number, Row>();
  for (const line of output.split("\n")) {
    const match = /^DF(\d) [^|]+\|([^|]+)\|([^|]+)\|([^|]+)\|([^|]+)\|([^|]+)\| (\w+)$/.exec(line.trim());
    if (!match) continue;
    const [itemsIn, archived, letters, workflows, errors] = match.slice(2, 7).map((c) => c.trim());
    rows.set(Number(match[1]), { itemsIn, archived, letters, workflows, errors, result: match[7] });
  }
  return rows;
}

describe("npm run demo (all seven data flows, headless, against fresh simulators)", function () {
  this.timeout(100_000);
  let code: number | null;
  let output: string;
  let rows: Map<number, Row>;

  before(async function () {
    if (!fs.existsSync(path.join(ROOT, "dist", "nodes", "cs-archive", "cs-archive.js"))) {
      throw new Error("dist/ is missing: run npm run build (npm test does it in pretest)");
    }
    ({ code, output } = await runDemo());
    rows = table(output);
  });

  it("exits 0 and says every data flow completed", () => {
    assert.equal(code, 0, output);
    assert.match(output, /demo: all seven data flows complete/);
    assert.deepEqual([...rows.keys()].sort(), [1, 2, 3, 4, 5, 6, 7], output);
    for (const [n, row] of rows) assert.equal(row.result, "ok", `DF${n}: ${JSON.stringify(row)}`);
  });

  it("archives every communication of the output root once in each of the archive flows (DF1, DF4, DF6)", () => {
    // 4 statements (batch) + 3 Policy Change letters (DF7's batch) + 2 DF2 and 2 DF5 letters (on demand)
    for (const n of [1, 4, 6]) {
      const row = rows.get(n)!;
      assert.deepEqual([row.itemsIn, row.archived, row.errors], ["11", "11/11", "0"], `DF${n}`);
    }
    assert.equal(rows.get(1)!.letters, "4", "DF1: the Monthly Statement batch rendered 4 statements");
    assert.match(output, /DF4 record folders hold 44 documents/, "PDF, e-mail, SMS and delivery log per record");
  });

  it("generates, files and completes the workflow letters (DF2, DF5)", () => {
    for (const n of [2, 5]) {
      const row = rows.get(n)!;
      assert.deepEqual(
        [row.itemsIn, row.archived, row.letters, row.workflows, row.errors],
        ["2", "2/2", "2/2", "2/2", "0"],
        `DF${n}`,
      );
    }
  });

  it("publishes approved content and keeps the evidence (DF3, DF7)", () => {
    const df3 = rows.get(3)!;
    assert.deepEqual([df3.itemsIn, df3.archived, df3.workflows, df3.errors], ["1", "1/1", "1/1", "0"]);
    const df7 = rows.get(7)!;
    // 1 approved disclosure filed + 3 letters of the Policy Change batch archived with their content versions
    assert.deepEqual(
      [df7.itemsIn, df7.archived, df7.letters, df7.workflows, df7.errors],
      ["4", "4/4", "3/3", "1/1", "0"],
    );
  });

  it("logs one line per completed item through the examples' done debug nodes", () => {
    const done = output.match(/demo: (\d+) completed-item lines/);
    assert.ok(done, output);
    // 11 × 3 archive-flow lines + 2 + 2 letters + 1 DF3 + 1 DF7 publish + 3 DF7 archived
    assert.equal(Number(done[1]), 42);
  });
});
