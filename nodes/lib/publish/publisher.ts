/** Publishing governed content to Exstream Design: one resource, or a DAS export package, approved as configured. */
import {
  detectWorkflow,
  publishPackage,
  publishResource,
  type ExstreamClient,
  type PublishResult,
  type UploadContent,
} from "../exstream";
import { DomainWorkflows } from "./domain-workflows";
import { KeyedQueue } from "./keyed-queue";
import { PACKAGE_MIME_TYPE, contentTypeOf, type ResourceKind } from "./resource-kinds";
import type { CsIdentity, PublishInput, PublishProblem, PublishReport, ResourceNames } from "./types";

export interface PublisherOptions {
  kind: ResourceKind;
  /** `standard` or `simple`; else (`auto`) the workflow the domain runs. */
  workflow?: string;
  /** The content type sent (blank: from the file name, else the kind's). */
  contentType?: string;
}

/** What one message publishes, read from it before anything is sent. */
export interface Publication {
  client: ExstreamClient;
  content: UploadContent;
  source: CsIdentity;
}

export class Publisher {
  private readonly workflows: DomainWorkflows;
  /** One publish per key at a time: two versions of one resource must not race through its workflow. */
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly client: () => ExstreamClient,
    private readonly options: PublisherOptions,
    /** The text of a problem in the user's language; thrown as a TypeError. */
    private readonly text: (problem: PublishProblem) => string,
  ) {
    this.workflows = new DomainWorkflows(options.workflow, (domain) => detectWorkflow(this.client(), domain));
  }

  /** The content and its source identity, from the message (a TypeError when it carries no content). */
  publication(msg: PublishInput): Publication {
    const attachment = msg.workflow?.attachments?.[0];
    const source = sourceOf(msg);
    const content = this.contentOf(msg, attachment?.path ?? attachment?.filename);
    if (content.data !== undefined && source.name) content.fileName = source.name;
    return { client: this.client(), content, source };
  }

  async importPackage({ client, content, source }: Publication): Promise<PublishReport> {
    const domain = client.domain;
    content.contentType = PACKAGE_MIME_TYPE;
    const workflow = await this.workflows.of(domain);
    // One import per domain at a time: packages share resources (data sources, outputs, images).
    const result = await this.queue.run(`package:${domain}`, () =>
      publishPackage(client, { content, source, workflow, domain }),
    );
    const { resources, ignored } = result;
    return report("package", result, { workflow, domain, source, resources, ignored });
  }

  async publishResource({ client, content, source }: Publication, names: ResourceNames): Promise<PublishReport> {
    const domain = client.domain;
    const { kind } = this.options;
    const resourceId = names.resourceId ? String(names.resourceId) : undefined;
    const name = names.resourceName ? String(names.resourceName) : source.name?.replace(/\.[A-Za-z0-9]{1,5}$/, "");
    if (!resourceId && !name) throw new TypeError(this.text("noResource"));
    if (!resourceId && !kind.type) throw new TypeError(this.text("noType"));
    content.contentType =
      (this.options.contentType ?? "").trim() ||
      contentTypeOf(content.fileName ?? content.path ?? source.name, kind.contentType || "application/octet-stream");
    const workflow = await this.workflows.of(domain);
    const result = await this.queue.run(resourceId ?? `${kind.type}/${name}`, () =>
      publishResource(client, {
        resourceId,
        name,
        type: kind.type || undefined,
        subtype: kind.subtype,
        content,
        source,
        workflow,
      }),
    );
    return report("resource", result, { workflow, domain, source });
  }

  close(): void {
    this.workflows.clear();
  }

  /** msg.filename (streamed) wins over msg.payload (Buffer or string); else the attachment's local copy. */
  private contentOf(msg: PublishInput, attachmentPath: string | undefined): UploadContent {
    if (typeof msg.filename === "string" && msg.filename !== "") return { path: msg.filename };
    if (Buffer.isBuffer(msg.payload)) return { data: msg.payload };
    if (typeof msg.payload === "string") return { data: Buffer.from(msg.payload, "utf8") };
    if (attachmentPath) return { path: attachmentPath };
    throw new TypeError(this.text("noContent"));
  }
}

/** msg.cs wins (an explicit identity); else the first attachment of the workflow task. */
function sourceOf(msg: PublishInput): CsIdentity {
  if (msg.cs && (msg.cs.nodeId !== undefined || msg.cs.name)) {
    return { nodeId: msg.cs.nodeId, version: msg.cs.version, name: msg.cs.name };
  }
  const a = msg.workflow?.attachments?.[0];
  if (a) return { nodeId: a.nodeId ?? a.id, version: a.version ?? a.versionNumber, name: a.name };
  return {};
}

function report(
  mode: PublishReport["mode"],
  result: PublishResult,
  context: Pick<PublishReport, "workflow" | "domain" | "source" | "resources" | "ignored">,
): PublishReport {
  return {
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
}
