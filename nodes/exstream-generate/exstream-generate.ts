import type { NodeMessage } from "node-red";
import type { DriverData } from "../lib/exstream";
import { generationSlotsOf, Generator, limiterFor, runBounded, withFields } from "../lib/generate";
import { defineNode, type NodeContext } from "../lib/node-red/define-node";
import { registerFileRoots } from "../lib/node-red/file-roots";
import type { ConcurrencyLimiter } from "../lib/reliability/limiter";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { parseGenerateOptions } from "./options";
import type { ExstreamGenerateDef, GenerateMessage, GenerateOptions } from "./types";
import { migrations } from "./migrations";

type Context = NodeContext<ExstreamGenerateDef>;
interface State {
  generator: Generator;
  options: GenerateOptions;
  limiter: ConcurrencyLimiter;
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
    const limiter = limiterFor(config ?? node, config ? generationSlotsOf(config) : 1);
    return { generator: new Generator(() => config!.getClient(), options), options, limiter };
  },
  working: (def) => (def.mode === "batch" ? "submitting" : "generating"),
  run: (msg, state, ctx) =>
    runBounded(state.limiter, state.options.maxQueued, () =>
      state.options.mode === "batch"
        ? batch(msg as GenerateMessage, state, ctx)
        : onDemand(msg as GenerateMessage, state, ctx),
    ),
  close: (state) => state.generator.close(),
});

async function onDemand(msg: GenerateMessage, { generator }: State, ctx: Context) {
  const communication = await text(msg, ctx, "communication");
  if (!communication) throw new TypeError(ctx.t("errors.noCommunication"));
  const driverDataSource = await text(msg, ctx, "driverDataSource");
  const driver = driverOf(msg, ctx);
  const { fields, keysProblem } = await generator.onDemand({ communication, driverDataSource, driver });
  if (keysProblem) ctx.node.warn(ctx.t("warnings.noKeys", { reason: keysProblem }));
  withFields(msg, fields);
  return { status: "done" };
}

async function batch(msg: GenerateMessage, { generator }: State, ctx: Context) {
  const channel = await text(msg, ctx, "channel");
  if (!channel) throw new TypeError(ctx.t("errors.noChannel"));
  const body = driverOf(msg, ctx);
  const communication = await text(msg, ctx, "communication");
  const count = await generator.batch(
    { channel, communication, body },
    {
      onSubmitted: () => ctx.progress("waiting"),
      onDocument: (fields) => ctx.send(withFields(ctx.RED.util.cloneMessage(msg), fields) as NodeMessage),
    },
  );
  return { status: "batchDone", vars: { count }, forward: false };
}

/** A declared input as text; blank is `undefined`. */
async function text(msg: GenerateMessage, ctx: Context, name: keyof ExstreamGenerateDef & string) {
  const value = await ctx.input(msg, name);
  return value ? String(value) : undefined;
}

function driverOf(msg: GenerateMessage, ctx: Context): DriverData {
  if (msg.payload === undefined || msg.payload === null) throw new TypeError(ctx.t("errors.noDriverData"));
  return msg.payload as DriverData;
}
