import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { ContentServerClient } from "../lib/content-server";
import { defineNode } from "../lib/node-red/define-node";
import { WorkflowMapResolver } from "../lib/workflow/maps";
import { WorkflowSteps, isRecord } from "../lib/workflow/start-complete";
import type { CsWorkflowDef } from "./types";
import { migrations } from "./migrations";

type Msg = NodeMessage & { workflow?: Record<string, unknown>; cs?: { nodeId?: unknown } };

const wf = (msg: NodeMessage) => (msg as Msg).workflow ?? {};

export = defineNode<CsWorkflowDef, WorkflowSteps>({
  type: "cs-workflow",
  migrations,
  inputs: {
    map: { msg: (m) => wf(m).mapId ?? wf(m).mapName },
    title: { msg: (m) => wf(m).title },
    comment: { msg: (m) => wf(m).comment },
    attributes: { msg: (m) => wf(m).attributes ?? (isRecord(m.payload) ? m.payload : undefined) },
    docIds: { msg: (m) => wf(m).docIds ?? (m as Msg).cs?.nodeId },
    processId: { msg: (m) => wf(m).processId },
    subprocessId: { msg: (m) => wf(m).subprocessId },
    taskId: { msg: (m) => wf(m).taskId },
    action: { msg: (m) => wf(m).action },
    customAction: { msg: (m) => wf(m).customAction },
  },
  setUp({ def, connection, t }) {
    const client = connection<CsConfigNode>()?.getClient() as ContentServerClient;
    const mapFolderId = Number(def.mapFolderId) > 0 ? Number(def.mapFolderId) : undefined;
    const maps = new WorkflowMapResolver(client, { folderId: mapFolderId });
    return new WorkflowSteps(client, maps, (problem) => t(`errors.${problem}`));
  },
  working: (def) => (def.operation === "complete" ? "completing" : "starting"),
  async run(msg: Msg, steps, { def, input }) {
    const read = (name: keyof CsWorkflowDef & string) => input(msg, name);
    if (def.operation === "complete") {
      const completed = await steps.complete(read);
      msg.workflow = { ...wf(msg), ...completed };
      return { status: "completed" };
    }
    msg.workflow = await steps.start(read);
    return { status: "started" };
  },
});
