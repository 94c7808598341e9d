import os from "node:os";
import path from "node:path";
import type { NodeAPI, NodeMessage } from "node-red";
import {
  OutputWatcher,
  OutputWatchError,
  parseOutputWatchOptions,
  type CommunicationDocument,
  type DeadLetter,
  type OutputWatchOptions,
  type WatchCounts,
  type WatchPhase,
} from "../lib/watch";
import type { ExstreamClient } from "../lib/exstream";
import { NodeStatus } from "../lib/node-red/status";
import { keepOpenWhile } from "../lib/node-red/connection-config";
import { registerFileRoots } from "../lib/node-red/file-roots";
import { stateStoreOf } from "../lib/node-red/state-config";
import { registerDeadLetterEndpoints } from "../lib/node-red/dead-letters";
import { ledgerGroupCommitMs } from "../lib/node-red/ledger-settings";
import type { ExstreamConfigNode } from "../exstream-config/types";
import type {
  AcknowledgementMessage,
  CommunicationMessage,
  DeadLetterMessage,
  OutputWatchDef,
  OutputWatchNode,
} from "./types";

/** Like the Inject node's "once" delay: the first message waits until every node of the flow is started. */
const START_DELAY_MS = 100;
/** Status changes are shown at most this often (a batch of thousands must not flood the editor). */
const STATUS_INTERVAL_MS = 250;
/** Ledger folders in use in this process: two watchers on one journal would corrupt it. */
const ledgersInUse = new Set<string>();
/** Running watchers by node id, for the dead-letter endpoints. */
const watchers = new Map<string, OutputWatcher>();

export = function (RED: NodeAPI): void {
  function ExstreamOutputWatch(this: OutputWatchNode, def: OutputWatchDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the closures below outlive `this` binding
    const node = this;
    const status = new NodeStatus(node);
    const t = (key: string, vars?: Record<string, string | number>) => RED._(`exstream-output-watch.${key}`, vars);

    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusAt = 0;
    let latest: { phase: WatchPhase; counts: WatchCounts } | undefined;

    let watcher: OutputWatcher | undefined;
    let ledgerDir: string | undefined;
    try {
      const options = readOptions(def);
      ledgerDir = options.ledgerDir ? path.resolve(options.ledgerDir) : defaultLedgerDir(def.ledgerName || node.id);
      if (ledgersInUse.has(ledgerDir)) throw new Error(t("errors.ledgerInUse", { dir: ledgerDir }));
      ledgersInUse.add(ledgerDir);
      registerFileRoots(node, options.source === "folder" ? options.root : undefined, ledgerDir);
      watcher = new OutputWatcher({
        options,
        ledgerDir,
        store: stateStoreOf(RED, def.state),
        ledgerName: def.ledgerName || node.id,
        startDelayMs: START_DELAY_MS,
        groupCommitMs: ledgerGroupCommitMs(RED),
        client: options.source === "api" ? exstreamClient(def.server) : undefined,
        events: {
          emit: (document, attempt) => node.send([communicationMessage(document, attempt), null]),
          deadLetter: (letter) => reportDeadLetter(letter),
          warn: (message) => node.warn(message),
          status: (phase, counts) => showStatus(phase, counts),
        },
      });
      watcher.start();
      watchers.set(node.id, watcher);
    } catch (err) {
      if (ledgerDir && !watcher) {
        ledgersInUse.delete(ledgerDir);
        ledgerDir = undefined;
      }
      node.error(t("errors.notStarted", { message: (err as Error).message }));
      status.error(t("status.invalid"));
    }

    node.on("input", (msg, _send, done) => {
      const ack = msg as AcknowledgementMessage;
      // Our own dead-letter report, come back through a Catch node wired to the input: already settled.
      if (ack.error?.source?.id === node.id) return done();
      const id = typeof ack.document?.id === "string" ? ack.document.id : "";
      if (!id) {
        node.warn(t("errors.noDocumentId"));
        return done();
      }
      if (!watcher) return done(new OutputWatchError(t("errors.notRunning"), "communication"));
      const recorded = ack.error
        ? watcher.fail(id, failureReason(ack), ack.failure?.permanent === true)
        : watcher.acknowledge(id, ack.cs ?? true);
      recorded.then(
        (result) => {
          if (result === "unknown") node.warn(t("errors.unknownDocument", { id }));
          done();
        },
        (err: Error) => done(err),
      );
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      clearTimeout(statusTimer);
      const closing = watcher;
      watcher = undefined;
      if (watchers.get(node.id) === closing) watchers.delete(node.id);
      const finish = () => {
        if (ledgerDir) ledgersInUse.delete(ledgerDir);
        status.clear();
        done();
      };
      if (!closing) return finish();
      const closed = closing.close();
      const server = def.server ? RED.nodes.getNode(def.server) : null;
      if (server) keepOpenWhile(server, closed);
      closed.then(finish, (err: Error) => {
        node.warn(err.message);
        finish();
      });
    });

    // ————— messages —————

    function communicationMessage(document: CommunicationDocument, attempt: number): CommunicationMessage {
      // A copy: downstream nodes may change msg.document, the ledger's record must not change with it.
      const copy = structuredClone(document);
      return {
        _msgid: RED.util.generateId(),
        topic: `${copy.job.jobId}/${copy.customerNumber}`,
        filename: copy.path,
        payload: { ...copy.keys },
        document: { ...copy, attempt },
      };
    }

    function reportDeadLetter(letter: DeadLetter): void {
      const msg: DeadLetterMessage = {
        _msgid: RED.util.generateId(),
        topic: letter.document ? `${letter.document.job.jobId}/${letter.document.customerNumber}` : letter.id,
        payload: letter.reason,
        deadLetter: { kind: letter.kind, id: letter.id, reason: letter.reason, attempts: letter.attempts },
      };
      if (letter.document) {
        msg.document = { ...structuredClone(letter.document), attempt: letter.attempts };
        if (letter.document.path) msg.filename = letter.document.path;
      }
      if (letter.manifest) msg.manifest = { ...letter.manifest };
      node.send([null, msg]);
      const text = t(`errors.dead.${letter.kind}`, { id: letter.id, reason: letter.reason, attempts: letter.attempts });
      node.error(new OutputWatchError(text, letter.kind), structuredClone(msg) as NodeMessage);
    }

    // ————— status —————

    function showStatus(phase: WatchPhase, counts: WatchCounts): void {
      latest = { phase, counts };
      if (statusTimer) return;
      const wait = Math.max(0, lastStatusAt + STATUS_INTERVAL_MS - Date.now());
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        lastStatusAt = Date.now();
        if (latest && watcher) renderStatus(latest.phase, latest.counts);
      }, wait);
    }

    function renderStatus(phase: WatchPhase, counts: WatchCounts): void {
      if (phase === "root-missing") return status.error(t("status.rootMissing"));
      if (phase === "api-error") return status.error(t("status.apiError"));
      if (phase === "state-error") return status.error(t("status.stateError"));
      if (phase === "ledger-failed") return status.error(t("status.ledgerFailed"));
      if (phase === "starting") return status.idle(t("status.starting"));
      const dead = counts.dead > 0 ? t("status.dead", { dead: counts.dead }) : "";
      if (counts.inFlight + counts.backlog + counts.manifestsActive > 0) {
        return status.working(t("status.busy", { inFlight: counts.inFlight, backlog: counts.backlog }) + dead);
      }
      if (dead) return status.warn(t("status.watching") + dead);
      status.ok(t("status.watching"));
    }

    // ————— configuration —————

    function readOptions(config: OutputWatchDef): OutputWatchOptions {
      let root = config.root ?? "";
      if (root && config.rootType === "env") {
        root = String(RED.util.evaluateNodeProperty(root, "env", node, {} as NodeMessage) ?? "");
      }
      return parseOutputWatchOptions({ ...config, root });
    }

    function exstreamClient(serverId: string | undefined): ExstreamClient {
      const server = serverId ? (RED.nodes.getNode(serverId) as ExstreamConfigNode | null) : null;
      if (!server) throw new Error(t("errors.noServer"));
      return server.getClient();
    }
  }

  function defaultLedgerDir(name: string): string {
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir || path.join(os.homedir(), ".node-red");
    return path.join(userDir, "exstream-xecm", name.replace(/[^A-Za-z0-9._-]/g, "_"));
  }

  function failureReason(ack: AcknowledgementMessage): string {
    const reason = ack.failure?.reason;
    if (typeof reason === "string" && reason) return reason;
    return ack.error?.message || "failed downstream";
  }

  RED.nodes.registerType("exstream-output-watch", ExstreamOutputWatch);
  registerDeadLetterEndpoints(RED, "exstream-output-watch", (id) => watchers.get(id));
};
