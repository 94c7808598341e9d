/*
 * The simulator's read-only browse page (outside /api, no ticket, simulator-only), e.g. `/cs/cs/__sim/browse`:
 *   browse                               volumes as a tree, business workspaces, workflow instances
 *   browse/{nodeId}                      breadcrumb, properties, categories (attribute names), versions, children
 *   browse/{nodeId}/versions/{n}/content download of one version
 *   browse/processes/{processId}         a workflow instance: status, steps, attributes by name, attachments
 * Values are HTML-escaped; no password, ticket or token is ever shown.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { attachmentDisposition, formatDate, html, link, properties, sendPage, table, type Html } from "../html-page";
import type { SimContext } from "./context";
import {
  SubType,
  type AttributeDefinition,
  type AttributeValue,
  type ProcessStep,
  type SimNode,
  type SimProcess,
  type WorkflowMap,
} from "./model";

/** The page's path below the base path (the control segment, as in server.ts). */
const BROWSE_PATH = "__sim/browse";
const TREE_DEPTH = 3;
const MAX_CHILDREN = 500;
const MAX_LISTED = 200;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SubType).map(([name, id]) => [id, name.replace(/([a-z])([A-Z])/g, "$1 $2")]),
);

export async function handleBrowsePage(
  sim: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
): Promise<void> {
  req.resume();
  const page = new BrowsePage(sim, `${sim.options.basePath}/${BROWSE_PATH}`);
  const parts = route.split("/").filter(Boolean);
  if (parts.length === 0) return sendPage(res, "Content Server simulator", page.overview());
  if (parts[0] === "processes" && parts.length === 2) {
    const process = sim.store.data.processes[parts[1]];
    if (process) return sendPage(res, `Workflow ${process.title}`, page.process(process));
  } else {
    const node = sim.store.findNode(Number(parts[0]));
    if (node && parts.length === 1) return sendPage(res, node.name, page.node(node));
    if (node && parts.length === 4 && parts[1] === "versions" && parts[3] === "content") {
      return sendVersion(sim, res, node, Number(parts[2]));
    }
  }
  sendPage(
    res,
    "Not found",
    html`<h1>Not found</h1>
      <p>${link(page.root, "Back to the overview")}</p>`,
    404,
  );
}

async function sendVersion(sim: SimContext, res: ServerResponse, node: SimNode, number: number): Promise<void> {
  const version = node.versions?.find((v) => v.number === number);
  if (!version || !(await sim.content.exists(version.contentFile))) {
    sendPage(res, "Not found", html`<h1>No such version</h1>`, 404);
    return;
  }
  res.writeHead(200, {
    "Content-Type": version.mimeType || "application/octet-stream",
    "Content-Length": version.size,
    "Content-Disposition": attachmentDisposition(version.fileName || node.name),
    "X-Content-Type-Options": "nosniff",
  });
  await pipeline(sim.content.open(version.contentFile), res);
}

class BrowsePage {
  constructor(
    private readonly sim: SimContext,
    readonly root: string,
  ) {}

  private get store() {
    return this.sim.store;
  }

  private nodeLink(node: SimNode): Html {
    return link(`${this.root}/${node.id}`, node.name);
  }

  private userName(id: number | undefined): string {
    if (id === undefined) return "";
    return this.store.findUser(id)?.name ?? this.store.findGroup(id)?.name ?? String(id);
  }

  overview(): Html {
    const volumes = this.store.children(-1).sort(byName);
    const workspaces = Object.values(this.store.data.nodes)
      .filter((n) => n.type === SubType.BusinessWorkspace)
      .sort(byName);
    const processes = Object.values(this.store.data.processes).sort((a, b) => b.id - a.id);
    return html`<h1>Content Server simulator</h1>
      <p>Read-only view of the simulator's repository (simulator only, not part of the REST API).</p>
      <h2>Folders</h2>
      <ul class="tree">
        ${volumes.map((v) => this.tree(v, 1))}
      </ul>
      <h2>Business workspaces (${workspaces.length})</h2>
      ${table(
        ["Name", "Type", "Business object", "Documents"],
        workspaces
          .slice(0, MAX_LISTED)
          .map((w) => [
            this.nodeLink(w),
            this.workspaceTypeName(w),
            w.workspace?.boId ?? "",
            String(this.countDocuments(w)),
          ]),
      )}
      ${more(workspaces.length, MAX_LISTED)}
      <h2>Workflow instances (${processes.length})</h2>
      ${this.processTable(processes.slice(0, MAX_LISTED))} ${more(processes.length, MAX_LISTED)}`;
  }

  private tree(node: SimNode, depth: number): Html {
    const containers = this.store
      .children(node.id)
      .filter((c) => this.store.isContainer(c) && !this.isEmptyAttachmentFolder(c))
      .sort(byName);
    const documents = this.store.children(node.id).filter((c) => c.type === SubType.Document).length;
    const sub =
      depth < TREE_DEPTH && containers.length
        ? html`<ul class="tree">
            ${containers.slice(0, MAX_LISTED).map((c) => this.tree(c, depth + 1))}
          </ul>`
        : containers.length
          ? html` <span class="empty">(${counted(containers.length, "sub-folder")})</span>`
          : html``;
    return html`<li>
      ${this.nodeLink(node)}
      <small>${typeName(node.type)}${documents ? `, ${counted(documents, "document")}` : ""}</small>${sub}
    </li>`;
  }

  /** A workflow's attachment folder without attachments: one per workflow instance, noise in the tree. */
  private isEmptyAttachmentFolder(node: SimNode): boolean {
    if (this.store.children(node.id).length) return false;
    return Object.values(this.store.data.processes).some((p) => p.attachmentFolderId === node.id);
  }

  private countDocuments(node: SimNode): number {
    let count = 0;
    const visit = (n: SimNode, depth: number) => {
      for (const child of this.store.children(n.id)) {
        if (child.type === SubType.Document) count++;
        else if (depth < 5) visit(child, depth + 1);
      }
    };
    visit(node, 0);
    return count;
  }

  private workspaceTypeName(node: SimNode): string {
    const typeId = node.workspace?.typeId;
    return typeId === undefined ? "" : (this.store.data.workspaceTypes[String(typeId)]?.name ?? String(typeId));
  }

  private breadcrumb(node: SimNode): Html {
    const ancestors = this.store.ancestorIds(node).map((id) => this.store.findNode(id)!);
    return html`<div class="crumbs">
      ${link(this.root, "Overview")} ${ancestors.map((a) => html` / ${this.nodeLink(a)}`)} / ${node.name}
    </div>`;
  }

  node(node: SimNode): Html {
    const children = this.store.children(node.id).sort(byName);
    const processes = Object.values(this.store.data.processes).filter((p) => p.attachmentFolderId === node.id);
    return html`${this.breadcrumb(node)}
      <h1>${node.name}</h1>
      ${properties([
        ["Id", node.id],
        ["Type", typeName(node.type)],
        ["Description", node.description],
        ["Workspace type", this.workspaceTypeName(node)],
        ["Business object", node.workspace ? `${node.workspace.boType ?? ""} ${node.workspace.boId ?? ""}`.trim() : ""],
        ["Created", `${formatDate(node.createDate)} by ${this.userName(node.createUserId)}`],
        ["Modified", `${formatDate(node.modifyDate)} by ${this.userName(node.modifyUserId)}`],
        ["Records management", node.rm ? `${node.rm.rsi} (${node.rm.status})` : ""],
        [
          "Holds",
          node.holdIds?.length
            ? node.holdIds.map((id) => this.store.data.holds[String(id)]?.name ?? id).join(", ")
            : "",
        ],
        [
          "Attachments of",
          processes.length ? processes.map((p) => html`${link(`${this.root}/processes/${p.id}`, p.title)} `) : "",
        ],
      ])}
      ${this.categories(node)} ${this.versions(node)} ${this.store.isContainer(node) ? this.children(children) : html``}`;
  }

  private children(children: SimNode[]): Html {
    return html`<h2>Contents (${children.length})</h2>
      ${table(
        ["Name", "Type", "Versions", "Size", "Modified"],
        children.slice(0, MAX_CHILDREN).map((c) => {
          const latest = c.versions?.[c.versions.length - 1];
          return [
            this.nodeLink(c),
            typeName(c.type),
            c.versions ? String(c.versions.length) : "",
            latest ? `${latest.size} bytes` : "",
            formatDate(c.modifyDate),
          ];
        }),
        "empty",
      )}
      ${more(children.length, MAX_CHILDREN)}`;
  }

  private versions(node: SimNode): Html {
    if (!node.versions?.length) return html``;
    return html`<h2>Versions</h2>
      ${table(
        ["Version", "File name", "MIME type", "Size", "SHA-256", "Created", "Download"],
        [...node.versions]
          .reverse()
          .map((v) => [
            `${v.number} (${v.major}.${v.minor})`,
            v.fileName,
            v.mimeType,
            `${v.size} bytes`,
            html`<code>${v.sha256}</code>`,
            `${formatDate(v.createDate)} by ${this.userName(v.createUserId)}`,
            link(`${this.root}/${node.id}/versions/${v.number}/content`, "download"),
          ]),
      )}`;
  }

  private categories(node: SimNode): Html {
    const applied = Object.entries(node.categories);
    if (applied.length === 0) return html``;
    return html`<h2>Categories</h2>
      ${applied.map(([catId, category]) => {
        const definition = this.store.data.categories[catId];
        const rows = Object.entries(category.values).map(([key, value]) => [
          attributeName(definition?.attributes ?? [], key.split("_").slice(1)) ?? key,
          html`<code>${key}</code>`,
          formatValue(value),
        ]);
        return html`<h3>${definition?.name ?? `Category ${catId}`}</h3>
          ${table(["Attribute", "Key", "Value"], rows, "no values")}`;
      })}`;
  }

  private processTable(processes: SimProcess[]): Html {
    return table(
      ["Id", "Title", "Map", "Status", "Current step", "Initiated"],
      processes.map((p) => {
        const map = this.store.data.workflowMaps[String(p.mapId)];
        return [
          link(`${this.root}/processes/${p.id}`, p.id),
          p.title,
          map?.title ?? p.mapId,
          html`<span class="status-${p.status}">${p.status}</span>`,
          p.current.map((s) => stepName(map, s)).join(", "),
          formatDate(p.dateInitiated ?? p.createDate),
        ];
      }),
    );
  }

  process(process: SimProcess): Html {
    const map = this.store.data.workflowMaps[String(process.mapId)];
    const attachments = this.store.children(process.attachmentFolderId).sort(byName);
    const stepRow = (s: ProcessStep, state: string) => [
      stepName(map, s),
      state,
      this.assignee(s),
      formatDate(s.startDate),
      formatDate(s.completedDate),
      s.action ?? "",
      s.comment ?? "",
    ];
    return html`<div class="crumbs">${link(this.root, "Overview")} / workflow ${process.id}</div>
      <h1>${process.title}</h1>
      ${properties([
        ["Process id", process.id],
        ["Map", map ? `${map.title} (${map.id})` : process.mapId],
        ["Status", html`<span class="status-${process.status}">${process.status}</span>`],
        ["Initiator", this.userName(process.initiatorId)],
        ["Created", formatDate(process.createDate)],
        ["Initiated", formatDate(process.dateInitiated)],
        ["Due", formatDate(process.dueDate)],
      ])}
      <h2>Steps</h2>
      ${table(
        ["Step", "State", "Assignee", "Started", "Completed", "Action", "Comment"],
        [
          ...process.completed.map((s) => stepRow(s, "completed")),
          ...process.current.map((s) => stepRow(s, "current")),
        ],
      )}
      <h2>Attributes</h2>
      ${table(
        ["Attribute", "Type", "Value"],
        (map?.attributes ?? []).map((a) => [a.name, a.type, formatValue(process.attributes[String(a.id)] ?? null)]),
      )}
      <h2>Attachments (${attachments.length})</h2>
      ${table(
        ["Name", "Type", "Versions"],
        attachments.map((a) => [this.nodeLink(a), typeName(a.type), a.versions ? String(a.versions.length) : ""]),
      )}
      ${
        process.comments.length
          ? html`<h2>Comments</h2>
              ${table(
                ["Date", "User", "Comment"],
                process.comments.map((c) => [formatDate(c.date), this.userName(c.userId), c.text]),
              )}`
          : html``
      }`;
  }

  private assignee(step: ProcessStep): string {
    if (step.assignee.userId !== undefined) return this.userName(step.assignee.userId);
    if (step.assignee.groupId !== undefined) return this.store.findGroup(step.assignee.groupId)?.name ?? "";
    return "";
  }
}

function stepName(map: WorkflowMap | undefined, step: ProcessStep): string {
  return map?.steps.find((s) => s.id === step.stepId)?.name ?? `step ${step.stepId}`;
}

/** `{attr}` or `{set}_{row}_{attr}` (the part after the category id) → "Attribute" or "Set[row]:Attribute". */
function attributeName(attributes: AttributeDefinition[], ids: string[]): string | undefined {
  const first = attributes.find((a) => String(a.id) === ids[0]);
  if (!first) return undefined;
  if (ids.length === 1) return first.name;
  const child = first.attributes?.find((a) => String(a.id) === ids[2]);
  return child ? `${first.name}[${ids[1]}]:${child.name}` : undefined;
}

function formatValue(value: AttributeValue): string {
  if (value === null) return "";
  return Array.isArray(value) ? value.filter((v) => v !== null).join(", ") : String(value);
}

function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `subtype ${type}`;
}

function byName(a: SimNode, b: SimNode): number {
  return a.name.localeCompare(b.name);
}

/** "1 document", "2 documents". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function more(total: number, shown: number): Html {
  return total > shown ? html`<p class="empty">… and ${total - shown} more</p>` : html``;
}
