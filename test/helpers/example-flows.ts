/*
 * Runs the package's example flows end to end: both simulators, an embedded Node-RED with every node of the package,
 * and the connection settings handed over the way a headless deployment does it — as environment variables that the
 * flows' config nodes reference with ${NAME} placeholders.
 *
 *   const env = await startDemoEnvironment();                 // both simulators + process.env set
 *   const nr = await env.startNodeRed();                      // embedded runtime, all node types
 *   await nr.deploy(loadExample("01-archive-generated-communications"));
 *   const msgs = env.collect(nr, "archive-debug");            // messages arriving at a node id
 *   await env.restartNodeRed(nr) …                           // same user dir: ledgers and flows survive
 *   await env.close();
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSeededContentServer, DEMO_INTEGRATION_LOGIN, type ContentServerSimulator } from "./content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "./embedded-node-red";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "./exstream-sim";
import type { SimulatorFlags } from "../../sim/types";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Hook names are unique per process: the Node-RED runtime (and its hooks) is a singleton shared by every test. */
let hookCount = 0;

/** Every node type of the package (config nodes first). */
export const ALL_NODE_TYPES = Object.keys(
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"))["node-red"].nodes,
);

export function loadExample(name: string): any[] {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "examples", `${name}.json`), "utf8"));
}

export interface DemoEnvironment {
  cs: ContentServerSimulator;
  exstream: TestExstreamSim;
  /** The environment variables the flows read (also set on process.env while the environment runs). */
  env: Record<string, string>;
  /** The Exstream simulator's output root (what exstream-output-watch watches). */
  outputRoot: string;
  /** A fresh user dir that survives runtime restarts until close(). */
  userDir: string;
  startNodeRed(): Promise<EmbeddedNodeRed>;
  /** Stops the runtime and starts it again on the same user dir; flows and ledgers are read back from disk. */
  restartNodeRed(running: EmbeddedNodeRed): Promise<EmbeddedNodeRed>;
  /** Collects every message that arrives at the node with this id (from now on). */
  collect(nr: EmbeddedNodeRed, nodeId: string): any[];
  /** Resolves when `predicate()` holds, polling; rejects after `timeoutMs` with `what` in the message. */
  waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoEnvironment(
  options: { cs?: SimulatorFlags; exstream?: SimulatorFlags } = {},
): Promise<DemoEnvironment> {
  const cs = await startSeededContentServer(options.cs);
  const exstream = await startTestExstreamSim(options.exstream);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "nr-example-"));
  const env: Record<string, string> = {
    CS_URL: cs.url,
    CS_AUTH_MODE: "cs",
    // The flows run as the integration user (as scripts/start.js does): the workflow steps they serve are assigned
    // to the group Integration, whose member it is.
    CS_USERNAME: DEMO_INTEGRATION_LOGIN.username,
    CS_PASSWORD: DEMO_INTEGRATION_LOGIN.password,
    EXSTREAM_URL: exstream.url,
    EXSTREAM_TENANT: EXSTREAM_DEMO.tenant,
    EXSTREAM_DOMAIN: EXSTREAM_DEMO.domain,
    EXSTREAM_CLIENT_ID: EXSTREAM_DEMO.clientId,
    EXSTREAM_CLIENT_SECRET: EXSTREAM_DEMO.clientSecret,
    EXSTREAM_OUTPUT_ROOT: exstream.outputRoot,
    EXSTREAM_WORK_DIR: path.join(userDir, "exstream-work"),
  };
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  const hooks: string[] = [];
  let hooksOn: EmbeddedNodeRed | undefined;

  const startNodeRed = () =>
    startEmbeddedNodeRed({ nodeTypes: ALL_NODE_TYPES, userDir, settings: { httpNodeRoot: "/api" } });

  return {
    cs,
    exstream,
    env,
    outputRoot: exstream.outputRoot,
    userDir,
    startNodeRed,
    async restartNodeRed(running) {
      removeHooks(running);
      await running.stop();
      return startNodeRed();
    },
    collect(nr, nodeId) {
      const received: any[] = [];
      const name = `onReceive.example${++hookCount}`;
      hooks.push(name);
      hooksOn = nr;
      nr.RED.hooks.add(name, (event: any) => {
        if (event.destination?.id === nodeId) received.push(event.msg);
      });
      return received;
    },
    async waitUntil(what, predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      if (hooksOn) removeHooks(hooksOn);
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await Promise.allSettled([cs.close(), exstream.close()]);
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };

  function removeHooks(nr: EmbeddedNodeRed): void {
    for (const name of hooks.splice(0)) nr.RED.hooks.remove(name);
  }
}
