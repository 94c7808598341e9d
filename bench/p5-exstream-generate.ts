/**
 * P5 — exstream-generate round trip in Node-RED against a direct HTTP call of the same endpoint, at concurrency 8;
 * the node with its "read manifest keys" option on (the default) and off.
 */
import path from "node:path";
import { EXSTREAM_DEMO } from "../test/helpers/exstream-sim";
import { runWorker } from "./harness/child";
import { startSimulatorProcess } from "./harness/simulators";
import { each, fixed, interleaved, median, MIB, percentile } from "./harness/stats";
import type { BenchContext, BenchmarkModule, BenchmarkReport, FigureTable, TargetCheck } from "./harness/types";
import type { P5Round, P5Variant, P5WorkerInput, P5WorkerResult } from "./workers/p5-exstream-generate";

const WORKER = path.join(__dirname, "workers", "p5-exstream-generate.ts");
const CONCURRENCY = 8;
const TARGET_RATIO = 1.1;
const WORKER_TIMEOUT_MS = 8 * 60_000;
const VARIANTS: P5Variant[] = ["direct", "node-keys", "node-no-keys"];
const VARIANT_NAMES: Record<P5Variant, string> = {
  direct: "direct HTTP call (fetch + bearer token)",
  "node-keys": 'exstream-generate, "read manifest keys" on (default)',
  "node-no-keys": 'exstream-generate, "read manifest keys" off',
};

interface Sizes {
  messages: number;
  warmupMessages: number;
  repetitions: number;
}

function sizesFor(quick: boolean): Sizes {
  return quick
    ? { messages: 32, warmupMessages: 8, repetitions: 1 }
    : { messages: 120, warmupMessages: 16, repetitions: 3 };
}

export const p5: BenchmarkModule = {
  id: "p5",
  title: "P5 — exstream-generate round trip",
  async run(ctx: BenchContext): Promise<BenchmarkReport> {
    const sizes = sizesFor(ctx.quick);
    const sim = await startSimulatorProcess("exstream", { seed: "demo" });
    try {
      const rounds = interleaved(VARIANTS, sizes.repetitions).map((r) => r.variant);
      ctx.log(`P5: ${rounds.length} rounds of ${sizes.messages} messages at concurrency ${CONCURRENCY}`);
      const outcome = await runWorker<P5WorkerInput, P5WorkerResult>(
        WORKER,
        {
          simUrl: sim.url,
          demo: {
            tenant: EXSTREAM_DEMO.tenant,
            domain: EXSTREAM_DEMO.domain,
            clientId: EXSTREAM_DEMO.clientId,
            clientSecret: EXSTREAM_DEMO.clientSecret,
            communicationName: "Monthly Statement",
            communicationId: EXSTREAM_DEMO.communicationId,
            driverDataSource: EXSTREAM_DEMO.driverDataSource,
          },
          messages: sizes.messages,
          warmupMessages: sizes.warmupMessages,
          concurrency: CONCURRENCY,
          rounds,
        },
        { timeoutMs: WORKER_TIMEOUT_MS },
      );
      return report(sizes, outcome.result, outcome.memory.maxRssBytes);
    } finally {
      await sim.close();
    }
  },
};

function report(sizes: Sizes, result: P5WorkerResult, maxRssBytes: number): BenchmarkReport {
  const roundsOf = (variant: P5Variant): P5Round[] => result.rounds.filter((r) => r.variant === variant);
  const seconds = (variant: P5Variant) => median(roundsOf(variant).map((r) => r.seconds));
  const latencies = (variant: P5Variant) => roundsOf(variant).flatMap((r) => r.latenciesMs);
  const direct = seconds("direct");
  const table: FigureTable = {
    caption: `${sizes.messages} messages per round at concurrency ${CONCURRENCY}, ${sizes.repetitions} round(s) per variant, alternating`,
    headers: [
      "variant",
      "seconds (each round)",
      "median seconds",
      "messages/s",
      "latency p50 / p95 (ms)",
      "requests per message",
      "÷ direct",
    ],
    rows: VARIANTS.map((variant) => [
      VARIANT_NAMES[variant],
      each(
        roundsOf(variant).map((r) => r.seconds),
        2,
      ),
      fixed(seconds(variant)),
      fixed(sizes.messages / seconds(variant), 1),
      `${fixed(percentile(latencies(variant), 50), 0)} / ${fixed(percentile(latencies(variant), 95), 0)}`,
      each(
        roundsOf(variant).map((r) => r.requestsPerMessage),
        2,
      ),
      fixed(seconds(variant) / direct),
    ]),
  };
  const check = (variant: P5Variant): TargetCheck => {
    const ratio = seconds(variant) / direct;
    return {
      what: `round-trip time, ${VARIANT_NAMES[variant]} ÷ direct call`,
      ours: `${fixed(seconds(variant))} s`,
      baseline: `${fixed(direct)} s`,
      ratio: fixed(ratio),
      target: `≤ ${fixed(TARGET_RATIO)}`,
      pass: ratio <= TARGET_RATIO,
    };
  };
  const keysRatio = seconds("node-keys") / direct;
  const noKeysRatio = seconds("node-no-keys") / direct;
  const limits: string[] = [];
  if (keysRatio > TARGET_RATIO) {
    limits.push(
      `With "read manifest keys" on, each message costs about four more requests after the generate call (see the ` +
        `requests per message): its instance's recorded input (to recognise the call: the on-demand answer carries ` +
        `no job id, its engineOutputContext has queue, file name and customer number only), that instance's ` +
        `communication steps (read at the same time) and the step's delivery file, plus a share of the job listing ` +
        `and the page of recent flow instances beside it, which every call waiting at the same time shares (one ` +
        `listing at a time per client). The count no longer grows with the jobs of the last minute: a call's job ` +
        `is looked for among the jobs since the newest one an earlier listing showed, and a job matched with one ` +
        `call is never examined for another. Profiled (--cpu-prof): the worker is idle most of the time, waiting ` +
        `for those answers (three round trips after the generate call) and for the simulator's work on them: ` +
        `${fixed((keysRatio - 1) * 100, 0)} % over the direct call. That is the price of the manifest keys ` +
        `(AccountNumber, CustomerId, … for archiving), which the direct call does not get. ` +
        `Switch the option off when msg.document.keys are not needed.`,
    );
  }
  if (noKeysRatio > TARGET_RATIO) {
    limits.push(
      `Even without manifest keys the node is ${fixed((noKeysRatio - 1) * 100, 0)} % slower than the direct call: ` +
        "see the latency figures; the difference is Node-RED message handling, SHA-256 of every output and the " +
        "communication-document assembly.",
    );
  }
  return {
    id: "P5",
    title: p5.title,
    method: [
      "Exstream simulator (`sim/cli.ts exstream --seed demo`) in its own process; the Monthly Statement communication of the demo domain (one PDF, one HTML e-mail, one SMS per customer, rendered by the simulator).",
      `One worker process (\`bench/workers/p5-exstream-generate.ts\`) holds a Node-RED runtime (node-red-node-test-helper: exstream-config with maxConcurrent ${CONCURRENCY}, two exstream-generate nodes with the option on and off, a Catch node) and the direct client; rounds of the three variants alternate in that process.`,
      `A round sends ${sizes.messages} messages, ${CONCURRENCY} in flight (a new one as soon as one completes), each with a different driver record (the same records for every variant); the node's round ends with its last output message (PDF in msg.payload), the direct round with its last decoded response. Warm-up: ${sizes.warmupMessages} messages per variant (token, name resolution, JIT).`,
      "Direct call: `POST /orchestration/api/v1/inputs/ondemand/Demo/generate` with `fetch`, one bearer token fetched before the clock starts, communicationId / driverDataSource headers, JSON driver; the envelope parsed and every output base64-decoded.",
    ],
    checks: [check("node-keys"), check("node-no-keys")],
    tables: [table],
    limits,
    notes: [
      `Worker RSS (Node-RED runtime + direct client): ${fixed(result.rss.startBytes / MIB, 0)} MiB before the rounds, ${fixed(result.rss.peakBytes / MIB, 0)} MiB peak during them; maxRSS ${fixed(maxRssBytes / MIB, 0)} MiB.`,
    ],
  };
}
