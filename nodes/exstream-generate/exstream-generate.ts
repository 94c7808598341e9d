import type { NodeAPI, NodeMessage } from "node-red";
import { ExstreamError, type CommunicationBinding, type DriverData, type ExstreamClient } from "../lib/exstream";
import { failureOf } from "../lib/node-red/failure";
import { resolveTypedValue } from "../lib/node-red/inputs";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { registerFileRoots } from "../lib/node-red/file-roots";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { limiterFor, runBounded } from "./limits";
import { parseGenerateOptions } from "./options";
import { runBatch, runOnDemand } from "./runs";
import type { ExstreamGenerateDef, ExstreamGenerateNode, GenerateMessage } from "./types";

/** How long a communication name → id/driver resolution is reused. */
const RESOLUTION_TTL_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export = function (RED: NodeAPI): void {
  function ExstreamGenerate(this: ExstreamGenerateNode, def: ExstreamGenerateDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: ExstreamGenerateNode, def: ExstreamGenerateDef): void {
    const status = new NodeStatus(node);
    const t = (key: string, vars?: Record<string, string | number>) => RED._(`exstream-generate.${key}`, vars);
    const config = RED.nodes.getNode(def.server) as ExstreamConfigNode | null;
    if (!config || typeof config.getClient !== "function") {
      status.error(t("status.noConfig"));
      node.on("input", (_msg, _send, done) => done(new Error(t("errors.noConfig"))));
      return;
    }
    let options: ReturnType<typeof parseGenerateOptions>;
    try {
      options = parseGenerateOptions(def);
    } catch (err) {
      status.error(t("status.badConfig"));
      node.on("input", (_msg, _send, done) => done(err as Error));
      return;
    }
    registerFileRoots(node, options.outputDir);
    const limiter = limiterFor(config, maxConcurrentOf(config));
    const resolved = new Map<string, { binding: CommunicationBinding; at: number }>();

    const typed = (name: "communication" | "driverDataSource" | "channel") => ({
      value: def[name],
      type: def[`${name}Type` as const],
    });

    async function bindingFor(client: ExstreamClient, communication: string): Promise<CommunicationBinding> {
      const cached = resolved.get(communication);
      if (cached && Date.now() - cached.at < RESOLUTION_TTL_MS) return cached.binding;
      const binding = await client.resolveCommunication(communication);
      resolved.set(communication, { binding, at: Date.now() });
      return binding;
    }

    async function onDemand(client: ExstreamClient, msg: GenerateMessage): Promise<GenerateMessage> {
      const communication = await resolveTypedValue<string>(
        RED,
        node,
        msg,
        typed("communication"),
        (m) => (m as GenerateMessage).communication,
      );
      if (!communication) throw new TypeError(t("errors.noCommunication"));
      const givenDriver = await resolveTypedValue<string>(
        RED,
        node,
        msg,
        typed("driverDataSource"),
        (m) => (m as GenerateMessage).driverDataSource,
      );
      if (msg.payload === undefined || msg.payload === null) throw new TypeError(t("errors.noDriverData"));
      const name = String(communication);
      let communicationId = name;
      let communicationName = name;
      let driverDataSource = givenDriver ? String(givenDriver) : undefined;
      if (!UUID.test(name) || !driverDataSource) {
        const binding = await bindingFor(client, name);
        communicationId = binding.communicationId;
        communicationName = binding.communicationName;
        driverDataSource ??= binding.driverDataSource;
      }
      status.working(t("status.generating"));
      let run;
      try {
        run = await runOnDemand(client, { communicationId, driverDataSource }, msg.payload as DriverData, options);
      } catch (err) {
        resolved.delete(name); // the design may have changed: resolve again next time
        throw err;
      }
      if (run.keysProblem) node.warn(t("warnings.noKeys", { reason: run.keysProblem }));
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
      return msg;
    }

    async function batch(client: ExstreamClient, msg: GenerateMessage, send: (m: NodeMessage) => void) {
      const channel = await resolveTypedValue<string>(
        RED,
        node,
        msg,
        typed("channel"),
        (m) => (m as GenerateMessage).channel,
      );
      if (!channel) throw new TypeError(t("errors.noChannel"));
      if (msg.payload === undefined || msg.payload === null) throw new TypeError(t("errors.noDriverData"));
      const communication = await resolveTypedValue<string>(
        RED,
        node,
        msg,
        typed("communication"),
        (m) => (m as GenerateMessage).communication,
      );
      status.working(t("status.submitting"));
      const run = await runBatch(client, String(channel), msg.payload as Buffer, options, {
        onSubmitted: () => status.working(t("status.waiting")),
        onDocument: (document, customer) => {
          const out = RED.util.cloneMessage(msg) as GenerateMessage;
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
          send(out);
        },
      });
      return run.customers;
    }

    node.on("input", (msg, send, done) => {
      const message = msg as GenerateMessage;
      runBounded(limiter, options.maxQueued, async () => {
        const client = config.getClient();
        if (options.mode === "batch") {
          const customers = await batch(client, message, send as (m: NodeMessage) => void);
          status.ok(t("status.batchDone", { count: customers }));
        } else {
          send(await onDemand(client, message));
          status.ok(t("status.done"));
        }
      })
        .then(() => done())
        .catch((err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          message.failure = failureOf(error);
          status.error(error instanceof ExstreamError && error.status ? `HTTP ${error.status}` : t("status.failed"));
          done(error);
        });
    });

    node.on("close", (done: () => void) => {
      status.clear();
      resolved.clear();
      done();
    });
  }

  function maxConcurrentOf(config: ExstreamConfigNode): number {
    try {
      return config.clientOptions().maxConcurrent ?? 4;
    } catch {
      return 4;
    }
  }

  RED.nodes.registerType<ExstreamGenerateNode, ExstreamGenerateDef, object, object>(
    "exstream-generate",
    ExstreamGenerate,
  );

  /** Editor: the communications of the connection's domain. */
  registerEditorLookups(RED, "exstream-generate");
};
