/**
 * P4 worker: exstream-output-watch (folder mode, fs events) in an embedded Node-RED runtime, its output wired to a
 * change node that sets msg.cs and sends the message straight back into the watch's input — the acknowledgement
 * cs-archive sends — so maxInFlight never stalls it. Not node-red-node-test-helper: its sinon spies on
 * Node.prototype.send / status and RED.log.log record every call (the message, the metric events, an Error with its
 * call stack each), about 8 KiB per communication that the worker would measure as the node's. Two modes, one per
 * process:
 *  - "latency": runs written one after the other while the node watches; for each, the time from its manifest's last
 *    write to its message leaving the node, minus the stability window.
 *  - "backlog": a tree already present when the node starts; time to the first message, messages/s, and RSS sampled
 *    over the whole run.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../../test/helpers/embedded-node-red";
import { workerMain } from "../harness/child";
import { writeSingleFileRun } from "../harness/output-tree";

export type P4Mode = "latency" | "backlog";

export interface P4WorkerInput {
  mode: P4Mode;
  root: string;
  stabilityWindowMs: number;
  maxInFlight: number;
  /** Latency: runs written (one communication each) and the pause between two. */
  runs?: number;
  intervalMs?: number;
  /** Backlog: communications already in the tree. */
  expected?: number;
  rssSampleMs?: number;
  timeoutMs: number;
}

export interface RssSample {
  /** Seconds since the flow was loaded. */
  t: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface P4WorkerResult {
  mode: P4Mode;
  /** Latency: ms after the stability window, one per run. */
  latenciesMs?: number[];
  /** Backlog: from loading the flow to the first message / the last acknowledgement. */
  firstMessageMs?: number;
  lastMessageMs?: number;
  messages: number;
  samples?: RssSample[];
  deadLetters: number;
}

type Msg = Record<string, any>;

const HOOK = "onReceive.p4bench";

/**
 * Deploys the watch and the acknowledging change node; `onMessage` sees every message as it reaches the change node
 * (before it is acknowledged). Counting in an onReceive hook keeps nothing of the messages.
 */
async function loadWatch(
  nr: EmbeddedNodeRed,
  input: P4WorkerInput,
  ledgerDir: string,
  onMessage: (msg: Msg, at: number) => void,
) {
  const flow = [
    { id: "tab1", type: "tab", label: "P4" },
    {
      id: "watch",
      z: "tab1",
      type: "exstream-output-watch",
      source: "folder",
      root: input.root,
      rootType: "str",
      watchMethod: "events",
      scanIntervalMs: "5000",
      stabilityWindowMs: String(input.stabilityWindowMs),
      maxInFlight: String(input.maxInFlight),
      ledgerDir,
      wires: [["ack"], ["dead"]],
    },
    {
      id: "ack",
      z: "tab1",
      type: "change",
      // The acknowledgement cs-archive would send back (msg.cs present = success).
      rules: [{ t: "set", p: "cs", pt: "msg", to: '{"outcome":"created"}', tot: "json" }],
      wires: [["watch"]],
    },
    { id: "dead", z: "tab1", type: "change", rules: [], wires: [] },
  ];
  let deadLetters = 0;
  nr.RED.hooks.add(HOOK, (event: { destination?: { id?: string }; msg: Msg }) => {
    const id = event.destination?.id;
    if (id === "ack") onMessage(event.msg, performance.now());
    else if (id === "dead") deadLetters++;
  });
  await nr.deploy(flow);
  return { deadLetters: () => deadLetters };
}

async function waitFor(what: () => string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function latency(nr: EmbeddedNodeRed, input: P4WorkerInput, ledgerDir: string): Promise<P4WorkerResult> {
  const runs = input.runs ?? 40;
  const written = new Map<string, number>();
  const latenciesMs: number[] = [];
  const watch = await loadWatch(nr, input, ledgerDir, (msg, at) => {
    const jobId = String(msg.document?.job?.jobId);
    const stable = written.get(jobId);
    if (stable !== undefined) latenciesMs.push(at - stable - input.stabilityWindowMs);
  });
  // The watcher starts after its start delay and its first scan of the (empty) root.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (let i = 0; i < runs; i++) {
    const jobId = `bench-p4-latency-${i + 1}`;
    await writeSingleFileRun({ root: input.root, jobId, firstCustomer: 500_000 + i, customers: 1, fileBytes: 4096 });
    // writeSingleFileRun resolves once the manifest (written last, then closed) is complete: its last write.
    written.set(jobId, performance.now());
    await new Promise((resolve) => setTimeout(resolve, input.intervalMs ?? 250));
  }
  await waitFor(
    () => `${runs} messages (have ${latenciesMs.length})`,
    () => latenciesMs.length >= runs,
    input.timeoutMs,
  );
  return { mode: "latency", latenciesMs, messages: latenciesMs.length, deadLetters: watch.deadLetters() };
}

async function backlog(nr: EmbeddedNodeRed, input: P4WorkerInput, ledgerDir: string): Promise<P4WorkerResult> {
  const expected = input.expected ?? 0;
  const samples: RssSample[] = [];
  let messages = 0;
  let firstMessageMs = Number.NaN;
  let lastMessageMs = Number.NaN;
  const loaded = performance.now();
  const sample = () => {
    const memory = process.memoryUsage();
    samples.push({ t: (performance.now() - loaded) / 1000, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed });
  };
  sample();
  const timer = setInterval(sample, input.rssSampleMs ?? 500);
  try {
    const watch = await loadWatch(nr, input, ledgerDir, (_msg, at) => {
      if (messages++ === 0) firstMessageMs = at - loaded;
      lastMessageMs = at - loaded;
    });
    await waitFor(
      () => `${expected} messages (have ${messages})`,
      () => messages >= expected,
      input.timeoutMs,
    );
    sample();
    return { mode: "backlog", firstMessageMs, lastMessageMs, messages, samples, deadLetters: watch.deadLetters() };
  } finally {
    clearInterval(timer);
  }
}

workerMain<P4WorkerInput, P4WorkerResult>(async (input) => {
  const ledgerDir = mkdtempSync(path.join(os.tmpdir(), "bench-watch-ledger-"));
  mkdirSync(input.root, { recursive: true }); // the output root exists before the node starts, as in production
  const nr = await startEmbeddedNodeRed({ nodeTypes: ["exstream-output-watch"] });
  try {
    return input.mode === "latency" ? await latency(nr, input, ledgerDir) : await backlog(nr, input, ledgerDir);
  } finally {
    nr.RED.hooks.remove(HOOK);
    await nr.stop();
    rmSync(ledgerDir, { recursive: true, force: true });
  }
});
