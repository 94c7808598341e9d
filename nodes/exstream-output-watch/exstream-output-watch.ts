import type { NodeMessage } from "node-red";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { failureOf } from "../lib/failure";
import { registerDeadLetterEndpoints } from "../lib/node-red/dead-letters";
import { packageWorkFolder, registerFileRoots } from "../lib/node-red/file-roots";
import { ledgerGroupCommitMs } from "../lib/node-red/ledger-settings";
import { defineSourceNode } from "../lib/node-red/source-node";
import { stateStoreOf } from "../lib/node-red/state-config";
import * as watch from "../lib/watch";
import type { AcknowledgementMessage, CommunicationMessage, DeadLetterMessage, OutputWatchDef } from "./types";

const TYPE = "exstream-output-watch";
/** Like the Inject node's "once" delay: the first message waits until every node of the flow is started. */
const START_DELAY_MS = 100;

type Config = Omit<watch.OutputWatcherSetup, "events" | "store">;

/** Hands out each customer communication Exstream delivered, once, until it is acknowledged or dead-lettered. */
export = defineSourceNode<OutputWatchDef, Config, watch.RunningWatch>({
  type: TYPE,
  configError: "errors.notStarted",
  statusIntervalMs: 250,
  setUp({ RED, node, def, connection }) {
    const env = def.root && def.rootType === "env";
    const root = env
      ? String(RED.util.evaluateNodeProperty(def.root!, "env", node, {} as NodeMessage) ?? "")
      : def.root;
    const options = watch.parseOutputWatchOptions({ ...def, root: root ?? "" });
    const ledgerName = def.ledgerName || node.id;
    return {
      options,
      ledgerDir: watch.ledgerFolderOf(options.ledgerDir, packageWorkFolder(RED), ledgerName),
      ledgerName,
      client: options.source === "api" ? connection<ExstreamConfigNode>()?.getClient() : undefined,
      startDelayMs: START_DELAY_MS,
      groupCommitMs: ledgerGroupCommitMs(RED),
    };
  },
  start(config, { RED, node, def, t, status }) {
    const { ledgerDir, options } = config;
    if (watch.ledgerInUse(ledgerDir)) throw new Error(t("errors.ledgerInUse", { dir: ledgerDir }));
    registerFileRoots(node, options.source === "folder" ? options.root : undefined, ledgerDir);
    return watch.startWatch({
      ...config,
      store: stateStoreOf(RED, def.state),
      events: {
        emit: (document, attempt) => {
          status.emitted();
          const msg: CommunicationMessage = {
            _msgid: RED.util.generateId(),
            ...watch.communicationFields(document, attempt),
          };
          node.send([msg, null]);
        },
        deadLetter: (letter) => {
          const msg: DeadLetterMessage = { _msgid: RED.util.generateId(), ...watch.deadLetterFields(letter) };
          node.send([null, msg]);
          const { id, reason, attempts } = letter;
          const text = t(`errors.dead.${letter.kind}`, { id, reason, attempts });
          node.error(new watch.OutputWatchError(text, letter.kind), structuredClone(msg) as NodeMessage);
        },
        warn: (message) => node.warn(message),
        stopped: (err) => node.error(err, { _msgid: RED.util.generateId(), failure: failureOf(err) } as NodeMessage),
        status: (...state) => status.show(...watch.watchStatus(...state)),
      },
    });
  },
  input(msg, { watcher }, { node, t }) {
    const ack = msg as AcknowledgementMessage;
    // Our own dead-letter report, come back through a Catch node wired to the input: already settled.
    if (ack.error?.source?.id === node.id) return;
    const id = watch.acknowledgedId(ack);
    if (!id) return node.warn(t("errors.noDocumentId"));
    if (!watcher.open) throw new watch.OutputWatchError(t("errors.notRunning"), "communication");
    return watch.recordAcknowledgement(watcher, id, ack).then((result) => {
      if (result === "unknown") node.warn(t("errors.unknownDocument", { id }));
    });
  },
  adminRoutes: (RED, running) => registerDeadLetterEndpoints(RED, TYPE, (id) => running(id)?.watcher),
});
