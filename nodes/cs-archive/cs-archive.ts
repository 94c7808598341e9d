import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { ContentServerClient } from "../lib/content-server";
import { Archiver, archiverOptions } from "../lib/archive";
import { defineNode } from "../lib/node-red/define-node";
import { allowedFileRoots } from "../lib/node-red/file-roots";
import { RequestBuilder } from "./request";
import type { CsArchiveDef } from "./types";
import { migrations } from "./migrations";

type Msg = NodeMessage & Record<string, unknown>;
interface State {
  client: () => ContentServerClient;
  archiver: () => Archiver;
  requests: RequestBuilder;
}

export = defineNode<CsArchiveDef, State>({
  type: "cs-archive",
  migrations,
  setUp({ RED, node, def, connection, problem }) {
    const config = connection<CsConfigNode>();
    const { options, problems } = archiverOptions(def);
    problems.forEach(problem);
    let archiver: Archiver | undefined;
    return {
      client: () => config!.getClient(),
      archiver: () => (archiver ??= new Archiver(config!.getClient(), options)),
      requests: new RequestBuilder(RED, node, def, options.nameRules, () => allowedFileRoots(RED)),
    };
  },
  working: "archiving",
  async run(message, { client, archiver, requests }, { def, t }) {
    const msg = message as Msg;
    if (def.operation !== "updateMetadata") {
      msg.cs = await archiver().archive(await requests.build(msg, client()));
      return { status: String(record(msg.cs).outcome) };
    }
    const nodeId = await requests.id(msg, def.nodeId ?? "cs.nodeId", def.nodeIdType ?? "msg", "node id");
    const { categories, metadata } = await requests.categoriesOf(msg, client());
    if (!categories) throw new Error(t("errors.noMetadata"));
    await archiver().updateMetadata(nodeId, categories, metadata);
    const target = await client().nodes.getNode(nodeId);
    msg.cs = { ...record(msg.cs), nodeId, parentId: target.parentId, name: target.name, outcome: "updated" };
    return { status: "updated" };
  },
});

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
