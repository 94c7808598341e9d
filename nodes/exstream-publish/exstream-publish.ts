import {
  detectWorkflow,
  publishPackage,
  publishResource,
  type ExstreamClient,
  type PublishResult,
  type PublishWorkflow,
  type UploadContent,
} from "../lib/exstream";
import { defineNode, type NodeContext } from "../lib/node-red/define-node";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { PACKAGE_KIND, PACKAGE_MIME_TYPE, RESOURCE_KINDS, contentTypeOf } from "./resource-types";
import type { CsIdentity, ExstreamPublishDef, PublishMessage, PublishMsgExstream } from "./types";
import { migrations } from "./migrations";

type Context = NodeContext<ExstreamPublishDef>;
interface State {
  client: () => ExstreamClient;
  kind: { type: string; subtype?: string; contentType: string };
  workflowOf(domain: string): Promise<PublishWorkflow>;
  /** One publish per key at a time: two versions of one resource must not race through its workflow. */
  serialized<T>(key: string, task: () => Promise<T>): Promise<T>;
  workflows: Map<string, Promise<PublishWorkflow>>;
}

export = defineNode<ExstreamPublishDef, State>({
  type: "exstream-publish",
  migrations,
  setUp({ def, connection }) {
    const config = connection<ExstreamConfigNode>();
    const client = () => config!.getClient();
    const workflows = new Map<string, Promise<PublishWorkflow>>();
    const chains = new Map<string, Promise<unknown>>();
    return {
      client,
      kind:
        def.resourceType === "custom"
          ? {
              type: (def.customType ?? "").trim(),
              subtype: (def.customSubtype ?? "").trim() || undefined,
              contentType: "",
            }
          : (RESOURCE_KINDS[def.resourceType] ?? RESOURCE_KINDS.message),
      workflows,
      workflowOf(domain) {
        if (def.workflow === "standard" || def.workflow === "simple") return Promise.resolve(def.workflow);
        let known = workflows.get(domain);
        if (!known) {
          known = detectWorkflow(client(), domain);
          known.catch(() => workflows.delete(domain));
          workflows.set(domain, known);
        }
        return known;
      },
      serialized(key, task) {
        const next = (chains.get(key) ?? Promise.resolve()).catch(() => undefined).then(task);
        chains.set(key, next);
        void next
          .finally(() => {
            if (chains.get(key) === next) chains.delete(key);
          })
          .catch(() => undefined);
        return next;
      },
    };
  },
  working: (def) => (def.resourceType === PACKAGE_KIND ? "importing" : "publishing"),
  run: (msg, state, ctx) => publish(msg as PublishMessage, state, ctx),
  close: (state) => state.workflows.clear(),
});

async function publish(msg: PublishMessage, state: State, ctx: Context) {
  const { def, t } = ctx;
  const attachment = msg.workflow?.attachments?.[0];
  const source = sourceOf(msg);
  const content = contentOf(msg, attachment?.path ?? attachment?.filename, t);
  if (content.data !== undefined && source.name) content.fileName = source.name;
  const client = state.client();
  const domain = client.domain;
  if (def.resourceType === PACKAGE_KIND) {
    content.contentType = PACKAGE_MIME_TYPE;
    const workflow = await state.workflowOf(domain);
    // One import per domain at a time: packages share resources (data sources, outputs, images).
    const result = await state.serialized(`package:${domain}`, () =>
      publishPackage(client, { content, source, workflow, domain }),
    );
    const { resources, ignored } = result;
    return report(msg, "package", result, { workflow, domain, source, resources, ignored });
  }
  const resourceId = await ctx.input<string>(msg, "resourceId");
  const configuredName = await ctx.input<string>(msg, "resourceName");
  const name = configuredName ? String(configuredName) : source.name?.replace(/\.[A-Za-z0-9]{1,5}$/, "");
  const { kind } = state;
  if (!resourceId && !name) throw new TypeError(t("errors.noResource"));
  if (!resourceId && !kind.type) throw new TypeError(t("errors.noType"));
  content.contentType =
    (def.contentType ?? "").trim() ||
    contentTypeOf(content.fileName ?? content.path ?? source.name, kind.contentType || "application/octet-stream");
  const workflow = await state.workflowOf(domain);
  const result = await state.serialized(resourceId ? String(resourceId) : `${kind.type}/${name}`, () =>
    publishResource(client, {
      resourceId: resourceId ? String(resourceId) : undefined,
      name,
      type: kind.type || undefined,
      subtype: kind.subtype,
      content,
      source,
      workflow,
    }),
  );
  return report(msg, "resource", result, { workflow, domain, source });
}

function report(
  msg: PublishMessage,
  mode: PublishMsgExstream["mode"],
  result: PublishResult,
  context: Pick<PublishMsgExstream, "workflow" | "domain" | "source" | "resources" | "ignored">,
) {
  msg.exstream = {
    mode,
    resourceId: result.resourceId,
    version: result.version,
    state: result.state,
    resourceName: result.resourceName,
    resourceType: result.resourceType,
    outcome: result.outcome,
    sha256: result.sha256,
    publishedAt: new Date(result.publishedAt).toISOString(),
    ...context,
  };
  return { status: result.outcome, vars: { version: result.version } };
}

/** msg.cs wins (an explicit identity); else the first attachment of the workflow task. */
function sourceOf(msg: PublishMessage): CsIdentity {
  if (msg.cs && (msg.cs.nodeId !== undefined || msg.cs.name)) {
    return { nodeId: msg.cs.nodeId, version: msg.cs.version, name: msg.cs.name };
  }
  const a = msg.workflow?.attachments?.[0];
  if (a) return { nodeId: a.nodeId ?? a.id, version: a.version ?? a.versionNumber, name: a.name };
  return {};
}

/** msg.filename (streamed) wins over msg.payload (Buffer or string); else the attachment's local copy. */
function contentOf(msg: PublishMessage, attachmentPath: string | undefined, t: Context["t"]): UploadContent {
  if (typeof msg.filename === "string" && msg.filename !== "") return { path: msg.filename };
  if (Buffer.isBuffer(msg.payload)) return { data: msg.payload };
  if (typeof msg.payload === "string") return { data: Buffer.from(msg.payload, "utf8") };
  if (attachmentPath) return { path: attachmentPath };
  throw new TypeError(t("errors.noContent"));
}
