/*
 * `npm start` (scripts/start.js) stops cleanly on a signal to its own process, as a process manager or a container
 * sends it (to PID 1 only, not to the process group): the pollers' last round finishes while its connection and the
 * simulators are still there, then Node-RED exits, then the simulators; nothing is left running.
 *
 * Runs the built package (dist/, sim/dist/): `npm run build` first (npm test does it in pretest).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cleanEnv, freePort } from "../security/support";

const ROOT = path.resolve(__dirname, "..", "..");

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output's first match of `pattern` (rejects when the process ends first). */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  // A process group of its own: the test signals the process alone, and the clean-up can still end the whole group.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const waiting = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    for (const check of waiting) check();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        waiting.delete(check);
        resolve(match);
      };
      waiting.add(check);
      check();
      void exited.then(() => {
        if (!waiting.has(check)) return;
        waiting.delete(check);
        reject(new Error(`ended before ${pattern}:\n${output}`));
      });
    });
  return { child, output: () => output, waitFor, exited };
}

/** Processes (other than this one) whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return false;
  } catch {
    return true;
  }
}

describe("npm start: shutdown on a signal to its own process", function () {
  this.timeout(120_000);
  let dir: string;
  const started: Running[] = [];

  before(function () {
    if (!fs.existsSync(path.join(ROOT, "dist", "nodes")) || !fs.existsSync(path.join(ROOT, "sim", "dist"))) {
      throw new Error("dist/ or sim/dist/ is missing: run npm run build (npm test does it in pretest)");
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-stop-"));
  });

  after(() => {
    for (const { child } of started) {
      try {
        process.kill(-child.pid!, "SIGKILL"); // whatever a failed run left behind
      } catch {
        // the group is gone: the clean case
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startDemo(name: string, command: string, args: string[], settings: Record<string, string> = {}) {
    const dataDir = path.join(dir, name);
    const port = await freePort();
    const env = cleanEnv({
      DEMO_DATA_DIR: dataDir,
      CS_SIM_PORT: "0",
      EXSTREAM_SIM_PORT: "0",
      DEMO_TRAFFIC: "0",
      NODE_RED_PORT: String(port),
      ...settings,
    });
    const running = run(command, args, env);
    started.push(running);
    const [, csPage] = await running.waitFor(/Content Server simulator: (\S+)/);
    const [, exstreamPage] = await running.waitFor(/Exstream simulator: (\S+)/);
    return { running, dataDir, nodeRed: `http://127.0.0.1:${port}`, csPage, exstreamPage };
  }

  async function assertAllGone(demo: Awaited<ReturnType<typeof startDemo>>): Promise<void> {
    assert.deepEqual(processesMentioning(demo.dataDir), [], "no child process left (Node-RED runs with -u <data dir>)");
    assert.ok(await refused(demo.nodeRed), "Node-RED no longer answers");
    assert.ok(await refused(demo.csPage), "the Content Server simulator no longer answers");
    assert.ok(await refused(demo.exstreamPage), "the Exstream simulator no longer answers");
  }

  it("npm start: SIGTERM to npm's PID during a workflow poll lets the poll finish, then stops everything (exit 0)", async () => {
    // --ignore-scripts skips only the prestart build (dist/ is built): npm still runs the start script itself
    // One round of demo traffic: it starts workflows whose tasks the workflow triggers pick up.
    const demo = await startDemo("npm", "npm", ["start", "--ignore-scripts"], {
      DEMO_TRAFFIC: "1",
      DEMO_INTERVAL_MS: "600000",
    });
    const control = demo.csPage.replace(/\/browse$/, "");
    // A trigger downloading a task's attachment waits there until released; more calls of its poll follow.
    const fault = (await fetch(`${control}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        hold: true,
        times: 1,
        method: "GET",
        path: "^api/v[12]/nodes/\\d+/(versions/\\d+/)?content",
      }),
    }).then((res) => res.json())) as { fault: { id: string } };
    const held = `${control}/faults/${encodeURIComponent(fault.fault.id)}`;
    assert.equal(((await fetch(`${held}/held?wait=true`).then((res) => res.json())) as { held: number }).held, 1);
    assert.match(demo.running.output(), /demo traffic: round 1 sent/);

    process.kill(demo.running.child.pid!, "SIGTERM");
    await demo.running.waitFor(/Stopping flows/);
    // Node-RED is stopping with a poll under way: its connection and the simulator must still be there for it.
    const release = await fetch(`${held}/release`, { method: "POST" });
    assert.equal(release.status, 200);
    const { code } = await demo.running.exited;

    const output = demo.running.output();
    assert.equal(code, 0, output);
    assert.match(output, /Stopped flows/);
    assert.doesNotMatch(output, /connection is closed/);
    assert.doesNotMatch(output.slice(output.indexOf("Stopping flows")), /\[(warn|error)\]/, "no warning at stop");
    // the credentials arrive encrypted with a secret generated for the data folder: no warning at start either
    assert.doesNotMatch(output, /Encrypted credentials not found|Error loading credentials/);
    const secret = path.join(demo.dataDir, "node-red", ".credential-secret");
    assert.equal(fs.statSync(secret).mode & 0o777, 0o600);
    const credentials = JSON.parse(fs.readFileSync(path.join(demo.dataDir, "node-red", "flows_cred.json"), "utf8"));
    assert.deepEqual(Object.keys(credentials), ["$"]);
    await assertAllGone(demo);
  });

  it("node scripts/start.js: SIGINT to its own PID (not the process group) stops everything (exit 0)", async () => {
    const demo = await startDemo("node", process.execPath, [path.join(ROOT, "scripts", "start.js")]);
    process.kill(demo.running.child.pid!, "SIGINT");
    const { code } = await demo.running.exited;
    const output = demo.running.output();
    assert.equal(code, 0, output);
    assert.match(output, /Stopped flows/);
    assert.doesNotMatch(output, /connection is closed/);
    await assertAllGone(demo);
  });
});
