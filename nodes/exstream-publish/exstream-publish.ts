import type { NodeAPI } from "node-red";
import {
  ExstreamError,
  detectWorkflow,
  publishPackage,
  publishResource,
  type PublishResult,
  type PublishWorkflow,
  type UploadContent,
} from "../lib/exstream";
import { failureOf } from "../lib/node-red/failure";
import { resolveTypedValue } from "../lib/node-red/inputs";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import type { ExstreamConfigNode } from "../exstream-config/types";
import { PACKAGE_KIND, PACKAGE_MIME_TYPE, RESOURCE_KINDS, contentTypeOf } from "./resource-types";
import type { CsIdentity, ExstreamPublishDef, ExstreamPublishNode, PublishMessage, PublishMsgExstream } from "./types";

export = function (RED: NodeAPI): void {
  function ExstreamPublish(this: ExstreamPublishNode, def: ExstreamPublishDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: ExstreamPublishNode, def: ExstreamPublishDef): void {
    const status = new NodeStatus(node);
    const t = (key: string, vars?: Record<string, string | number>) => RED._(`exstream-publish.${key}`, vars);
    const config = RED.nodes.getNode(def.server) as ExstreamConfigNode | null;
    if (!config || typeof config.getClient !== "function") {
      status.error(t("status.noConfig"));
      node.on("input", (_msg, _send, done) => done(new Error(t("errors.noConfig"))));
      return;
    }
    const kind =
      def.resourceType === "custom"
        ? {
            type: (def.customType ?? "").trim(),
            subtype: (def.customSubtype ?? "").trim() || undefined,
            contentType: "",
          }
        : (RESOURCE_KINDS[def.resourceType] ?? RESOURCE_KINDS.message);
    const workflows = new Map<string, Promise<PublishWorkflow>>();
    /** One publish per resource at a time: two versions of one resource must not race through its workflow. */
    const chains = new Map<string, Promise<unknown>>();

    function workflowOf(domain: string): Promise<PublishWorkflow> {
      if (def.workflow === "standard" || def.workflow === "simple") return Promise.resolve(def.workflow);
      let known = workflows.get(domain);
      if (!known) {
        known = detectWorkflow(config!.getClient(), domain);
        known.catch(() => workflows.delete(domain));
        workflows.set(domain, known);
      }
      return known;
    }

    function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
      const next = (chains.get(key) ?? Promise.resolve()).catch(() => undefined).then(task);
      chains.set(key, next);
      void next
        .finally(() => {
          if (chains.get(key) === next) chains.delete(key);
        })
        .catch(() => undefined);
      return next;
    }

    async function publish(msg: PublishMessage): Promise<void> {
      const client = config!.getClient();
      const attachment = msg.workflow?.attachments?.[0];
      const source = sourceOf(msg);
      const content = contentOf(msg, attachment?.path ?? attachment?.filename);
      if (content.data !== undefined && source.name) content.fileName = source.name;
      if (def.resourceType === PACKAGE_KIND) return importPackage(msg, content, source);
      const resourceId = await resolveTypedValue<string>(RED, node, msg, {
        value: def.resourceId,
        type: def.resourceIdType,
      });
      const configuredName = await resolveTypedValue<string>(RED, node, msg, {
        value: def.resourceName,
        type: def.resourceNameType,
      });
      const name = configuredName ? String(configuredName) : source.name?.replace(/\.[A-Za-z0-9]{1,5}$/, "");
      if (!resourceId && !name) throw new TypeError(t("errors.noResource"));
      if (!resourceId && !kind.type) throw new TypeError(t("errors.noType"));
      content.contentType =
        (def.contentType ?? "").trim() ||
        contentTypeOf(content.fileName ?? content.path ?? source.name, kind.contentType || "application/octet-stream");
      const domain = client.domain;
      const workflow = await workflowOf(domain);
      status.working(t("status.publishing"));
      const result = await serialized(resourceId ? String(resourceId) : `${kind.type}/${name}`, () =>
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
      report(msg, "resource", result, { workflow, domain, source });
    }

    /** Import mode: the content is a DAS export package (a template as Exstream exports it). */
    async function importPackage(msg: PublishMessage, content: UploadContent, source: CsIdentity): Promise<void> {
      const client = config!.getClient();
      content.contentType = PACKAGE_MIME_TYPE;
      const domain = client.domain;
      const workflow = await workflowOf(domain);
      status.working(t("status.importing"));
      // One import per domain at a time: packages share resources (data sources, outputs, images).
      const result = await serialized(`package:${domain}`, () =>
        publishPackage(client, { content, source, workflow, domain }),
      );
      report(msg, "package", result, {
        workflow,
        domain,
        source,
        resources: result.resources,
        ignored: result.ignored,
      });
    }

    function report(
      msg: PublishMessage,
      mode: PublishMsgExstream["mode"],
      result: PublishResult,
      context: Pick<PublishMsgExstream, "workflow" | "domain" | "source" | "resources" | "ignored">,
    ): void {
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
      status.ok(t(`status.${result.outcome}`, { version: result.version }));
    }

    node.on("input", (msg, send, done) => {
      const message = msg as PublishMessage;
      publish(message)
        .then(() => {
          send(message);
          done();
        })
        .catch((err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          message.failure = failureOf(error);
          status.error(error instanceof ExstreamError && error.status ? `HTTP ${error.status}` : t("status.failed"));
          done(error);
        });
    });

    node.on("close", (done: () => void) => {
      status.clear();
      workflows.clear();
      done();
    });

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
    function contentOf(msg: PublishMessage, attachmentPath: string | undefined): UploadContent {
      if (typeof msg.filename === "string" && msg.filename !== "") return { path: msg.filename };
      if (Buffer.isBuffer(msg.payload)) return { data: msg.payload };
      if (typeof msg.payload === "string") return { data: Buffer.from(msg.payload, "utf8") };
      if (attachmentPath) return { path: attachmentPath };
      throw new TypeError(t("errors.noContent"));
    }
  }

  RED.nodes.registerType<ExstreamPublishNode, ExstreamPublishDef, object, object>("exstream-publish", ExstreamPublish);

  /** Editor: the design resources of the connection's domain, by type. */
  registerEditorLookups(RED, "exstream-publish");
};
