import path from "node:path";
import type { NodeMessage } from "node-red";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { registerDeadLetterEndpoints } from "../lib/node-red/dead-letters";
import { packageWorkFolder, registerFileRoots } from "../lib/node-red/file-roots";
import { ledgerGroupCommitMs } from "../lib/node-red/ledger-settings";
import { defineSourceNode, type SourceStatus } from "../lib/node-red/source-node";
import { stateStoreOf } from "../lib/node-red/state-config";
import {
  communicationFields,
  deadLetterFields,
  OutputWatcher,
  OutputWatchError,
  parseOutputWatchOptions,
  type OutputWatcherSetup,
  type WatchCounts,
  type WatchPhase,
} from "../lib/watch";
import type { AcknowledgementMessage, CommunicationMessage, DeadLetterMessage, OutputWatchDef } from "./types";

const TYPE = "exstream-output-watch";
/** Like the Inject node's "once" delay: the first message waits until every node of the flow is started. */
const START_DELAY_MS = 100;
/** Ledger folders in use in this process: two watchers on one journal would corrupt it. */
const ledgersInUse = new Set<string>();
/** The red status of each phase that stops the watch. */
const STOPPED: Partial<Record<WatchPhase, string>> = {
  "root-missing": "rootMissing",
  "api-error": "apiError",
  "state-error": "stateError",
  "ledger-failed": "ledgerFailed",
};

type Config = Omit<OutputWatcherSetup, "events" | "store">;

/** Hands out each customer communication Exstream delivered, once, until it is acknowledged or dead-lettered. */
export = defineSourceNode<OutputWatchDef, Config, { watcher: OutputWatcher; close(): Promise<void> }>({
  type: TYPE,
  configError: "errors.notStarted",
  statusIntervalMs: 250,
  setUp({ RED, node, def, connection }) {
    const env = def.root && def.rootType === "env";
    const root = env
      ? String(RED.util.evaluateNodeProperty(def.root!, "env", node, {} as NodeMessage) ?? "")
      : def.root;
    const options = parseOutputWatchOptions({ ...def, root: root ?? "" });
    const ledgerName = def.ledgerName || node.id;
    const ledgerDir = options.ledgerDir
      ? path.resolve(options.ledgerDir)
      : path.join(packageWorkFolder(RED), ledgerName.replace(/[^A-Za-z0-9._-]/g, "_"));
    const client = options.source === "api" ? connection<ExstreamConfigNode>()?.getClient() : undefined;
    return {
      options,
      ledgerDir,
      ledgerName,
      client,
      startDelayMs: START_DELAY_MS,
      groupCommitMs: ledgerGroupCommitMs(RED),
    };
  },
  start(config, { RED, node, def, t, status }) {
    const { ledgerDir, options } = config;
    if (ledgersInUse.has(ledgerDir)) throw new Error(t("errors.ledgerInUse", { dir: ledgerDir }));
    registerFileRoots(node, options.source === "folder" ? options.root : undefined, ledgerDir);
    const watcher = new OutputWatcher({
      ...config,
      store: stateStoreOf(RED, def.state),
      events: {
        emit: (document, attempt) => {
          status.emitted();
          const msg: CommunicationMessage = {
            _msgid: RED.util.generateId(),
            ...communicationFields(document, attempt),
          };
          node.send([msg, null]);
        },
        deadLetter: (letter) => {
          const msg: DeadLetterMessage = { _msgid: RED.util.generateId(), ...deadLetterFields(letter) };
          node.send([null, msg]);
          const { id, reason, attempts } = letter;
          const text = t(`errors.dead.${letter.kind}`, { id, reason, attempts });
          node.error(new OutputWatchError(text, letter.kind), structuredClone(msg) as NodeMessage);
        },
        warn: (message) => node.warn(message),
        status: (phase, counts) => showStatus(status, phase, counts),
      },
    });
    ledgersInUse.add(ledgerDir);
    watcher.start();
    return { watcher, close: () => watcher.close().finally(() => ledgersInUse.delete(ledgerDir)) };
  },
  input(msg, { watcher }, { node, t }) {
    const ack = msg as AcknowledgementMessage;
    // Our own dead-letter report, come back through a Catch node wired to the input: already settled.
    if (ack.error?.source?.id === node.id) return;
    const id = typeof ack.document?.id === "string" ? ack.document.id : "";
    if (!id) return node.warn(t("errors.noDocumentId"));
    if (!watcher.open) throw new OutputWatchError(t("errors.notRunning"), "communication");
    const recorded = ack.error
      ? watcher.fail(id, failureReason(ack), ack.failure?.permanent === true)
      : watcher.acknowledge(id, ack.cs ?? true);
    return recorded.then((result) => {
      if (result === "unknown") node.warn(t("errors.unknownDocument", { id }));
    });
  },
  adminRoutes: (RED, running) => registerDeadLetterEndpoints(RED, TYPE, (id) => running(id)?.watcher),
});

function showStatus(status: SourceStatus, phase: WatchPhase, counts: WatchCounts): void {
  const stopped = STOPPED[phase];
  if (stopped) return status.show("error", stopped);
  if (phase === "starting") return status.show("idle", "starting");
  const dead = counts.dead > 0 ? ["dead"] : [];
  if (counts.inFlight + counts.backlog + counts.manifestsActive > 0) {
    return status.show("working", ["busy", ...dead], { ...counts });
  }
  status.show(dead.length ? "warn" : "ok", ["watching", ...dead], { ...counts });
}

function failureReason(ack: AcknowledgementMessage): string {
  const reason = ack.failure?.reason;
  if (typeof reason === "string" && reason) return reason;
  return ack.error?.message || "failed downstream";
}
