import path from "node:path";
import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { ContentServerClient } from "../lib/content-server";
import type { WorkflowTask } from "../lib/content-server/workflows";
import { registerFileRoots, userDirOf } from "../lib/node-red/file-roots";
import { ledgerGroupCommitMs } from "../lib/node-red/ledger-settings";
import { addNodeRoute } from "../lib/node-red/node-routes";
import { defineSourceNode, type SourceStatus } from "../lib/node-red/source-node";
import { stateStoreOf } from "../lib/node-red/state-config";
import type { GroupCommit } from "../lib/reliability/journal-file";
import { WorkflowTrigger, type TriggerState } from "../lib/workflow/trigger";
import { parseTriggerOptions, type TriggerOptions } from "../lib/workflow/trigger-options";
import type { CsWorkflowTriggerDef, CsWorkflowTriggerNode } from "./types";

interface Config {
  client: ContentServerClient;
  options: TriggerOptions;
  userDir: string;
  groupCommitMs: GroupCommit;
}

/** Emits the workflow tasks assigned to the connection's user (polled, or named by a signed HTTP callback). */
export = defineSourceNode<CsWorkflowTriggerDef, Config, WorkflowTrigger>({
  type: "cs-workflow-trigger",
  credentials: { callbackSecret: { type: "password" } },
  setUp({ RED, def, connection }) {
    const client = connection<CsConfigNode>()?.getClient() as ContentServerClient;
    const userDir = userDirOf(RED);
    return { client, options: parseTriggerOptions(def, userDir), userDir, groupCommitMs: ledgerGroupCommitMs(RED) };
  },
  start({ client, options, userDir, groupCommitMs }, { RED, node, def, status }) {
    registerFileRoots(node, options.downloadDir);
    const trigger = new WorkflowTrigger({
      client,
      options,
      tracker: {
        store: stateStoreOf(RED, def.state),
        name: node.id,
        file: path.join(userDir, "cs-workflow-trigger", `${node.id.replace(/[^\w.-]/g, "_")}.ledger`),
        onWarning: (message) => node.warn(message),
        groupCommitMs,
      },
      secret: () => (node as CsWorkflowTriggerNode).credentials?.callbackSecret ?? "",
      events: {
        emit: (task, attempt) => {
          status.emitted();
          node.send(toMessage(task, attempt));
        },
        warn: (message) => node.warn(message),
        state: (state) => showState(status, options, state),
      },
    });
    if (options.mode === "callback") node.on("close", addNodeRoute(RED, options.callbackPath, trigger.callback));
    else status.show("idle", "starting");
    trigger.start();
    return trigger;
  },
});

function showState(status: SourceStatus, options: TriggerOptions, { error, unidentified, inFlight }: TriggerState) {
  if (error) return status.failed(error);
  if (unidentified > 0) return status.show("warn", "unidentified", { count: unidentified });
  if (inFlight > 0) return status.show("working", "inFlight", { count: inFlight });
  status.show("ok", options.mode === "poll" ? "polling" : "listening");
}

function toMessage(task: WorkflowTask, attempt: number): NodeMessage {
  return {
    topic: `${task.processId}/${task.taskId}`,
    payload: task.attributes,
    workflow: { ...task, attempt },
  } as NodeMessage;
}
