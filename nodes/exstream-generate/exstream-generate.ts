import type { NodeMessage } from "node-red";
import type { CommunicationBinding, DriverData, ExstreamClient } from "../lib/exstream";
import { runBatch, runOnDemand } from "../lib/generate";
import { defineNode, type NodeContext } from "../lib/node-red/define-node";
import { registerFileRoots } from "../lib/node-red/file-roots";
import type { ConcurrencyLimiter } from "../lib/reliability/limiter";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { limiterFor, runBounded } from "../lib/generate/limits";
import { parseGenerateOptions } from "./options";
import type { ExstreamGenerateDef, GenerateMessage, GenerateOptions } from "./types";
import { migrations } from "./migrations";

/** How long a communication name → id/driver resolution is reused. */
const RESOLUTION_TTL_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_MAX_CONCURRENT = 4;

type Context = NodeContext<ExstreamGenerateDef>;
interface State {
  client: () => ExstreamClient;
  options: GenerateOptions;
  limiter: ConcurrencyLimiter;
  resolved: Map<string, { binding: CommunicationBinding; at: number }>;
}

export = defineNode<ExstreamGenerateDef, State>({
  type: "exstream-generate",
  migrations,
  inputs: {
    communication: { msg: (m) => (m as GenerateMessage).communication },
    driverDataSource: { msg: (m) => (m as GenerateMessage).driverDataSource },
    channel: { msg: (m) => (m as GenerateMessage).channel },
  },
  setUp({ node, def, connection }) {
    const config = connection<ExstreamConfigNode>();
    const options = parseGenerateOptions(def);
    registerFileRoots(node, options.outputDir);
    return {
      client: () => config!.getClient(),
      options,
      limiter: limiterFor(config ?? node, config ? maxConcurrentOf(config) : 1),
      resolved: new Map(),
    };
  },
  working: (def) => (def.mode === "batch" ? "submitting" : "generating"),
  run: (msg, state, ctx) =>
    runBounded(state.limiter, state.options.maxQueued, () =>
      state.options.mode === "batch"
        ? batch(msg as GenerateMessage, state, ctx)
        : onDemand(msg as GenerateMessage, state, ctx),
    ),
  close: (state) => state.resolved.clear(),
});

async function onDemand(msg: GenerateMessage, state: State, ctx: Context) {
  const communication = await ctx.input<string>(msg, "communication");
  if (!communication) throw new TypeError(ctx.t("errors.noCommunication"));
  const givenDriver = await ctx.input<string>(msg, "driverDataSource");
  if (msg.payload === undefined || msg.payload === null) throw new TypeError(ctx.t("errors.noDriverData"));
  const name = String(communication);
  let binding: Pick<CommunicationBinding, "communicationId" | "communicationName" | "driverDataSource"> = {
    communicationId: name,
    communicationName: name,
    driverDataSource: "",
  };
  if (!UUID.test(name) || !givenDriver) binding = await bindingFor(state, name);
  const { communicationId, communicationName } = binding;
  const driverDataSource = givenDriver ? String(givenDriver) : binding.driverDataSource;
  const client = state.client();
  const run = await runOnDemand(
    client,
    { communicationId, driverDataSource },
    msg.payload as DriverData,
    state.options,
  ).catch((err: unknown) => {
    state.resolved.delete(name); // the design may have changed: resolve again next time
    return Promise.reject(err);
  });
  if (run.keysProblem) ctx.node.warn(ctx.t("warnings.noKeys", { reason: run.keysProblem }));
  if (run.primary.filename) {
    delete msg.payload;
    msg.filename = run.primary.filename;
  } else {
    msg.payload = run.primary.content;
    delete msg.filename;
  }
  msg.document = run.document;
  msg.exstream = {
    communicationId,
    communicationName,
    ...(run.jobId ? { jobId: run.jobId, flowInstanceId: run.flowInstanceId } : {}),
    outputs: run.outputs,
  };
  return { status: "done" };
}

async function bindingFor(state: State, communication: string): Promise<CommunicationBinding> {
  const cached = state.resolved.get(communication);
  if (cached && Date.now() - cached.at < RESOLUTION_TTL_MS) return cached.binding;
  const binding = await state.client().resolveCommunication(communication);
  state.resolved.set(communication, { binding, at: Date.now() });
  return binding;
}

async function batch(msg: GenerateMessage, state: State, ctx: Context) {
  const channel = await ctx.input<string>(msg, "channel");
  if (!channel) throw new TypeError(ctx.t("errors.noChannel"));
  if (msg.payload === undefined || msg.payload === null) throw new TypeError(ctx.t("errors.noDriverData"));
  const communication = await ctx.input<string>(msg, "communication");
  const run = await runBatch(state.client(), String(channel), msg.payload as Buffer, state.options, {
    onSubmitted: () => ctx.progress("waiting"),
    onDocument: (document, customer) => {
      const out = ctx.RED.util.cloneMessage(msg) as GenerateMessage;
      delete out.payload;
      out.filename = document.path;
      out.document = document;
      out.exstream = {
        communicationId:
          document.keys.CommunicationId ?? (UUID.test(String(communication ?? "")) ? String(communication) : ""),
        communicationName: communication ? String(communication) : "",
        jobId: customer.jobId,
        flowInstanceId: customer.flowInstanceId,
        channel: String(channel),
      };
      ctx.send(out as NodeMessage);
    },
  });
  return { status: "batchDone", vars: { count: run.customers }, forward: false };
}

function maxConcurrentOf(config: ExstreamConfigNode): number {
  try {
    return config.clientOptions().maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  } catch {
    return DEFAULT_MAX_CONCURRENT;
  }
}
