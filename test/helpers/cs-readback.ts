/*
 * Reads what landed in Content Server over raw HTTP, written from the documented REST protocol and independent of the
 * package's own ContentServerClient (nodes/lib/content-server): the end-to-end tests verify outcomes through this
 * path, so a mistake in the product's reading code cannot hide a mistake in its writing code.
 */

/** A node as the children route lists it (v2 `results[].data.properties`). */
export interface ReadNode {
  id: number;
  name: string;
  container: boolean;
}

/** A document found below a folder path, with its folder path relative to the start folder, e.g. "Statement/2025". */
export interface ReadDocument extends ReadNode {
  folder: string;
}

type Json = Record<string, any>;

export class CsReadback {
  private ticket?: Promise<string>;

  constructor(
    private readonly baseUrl: string,
    private readonly user: { username: string; password: string } = { username: "Admin", password: "livelink" },
  ) {}

  /** The children of a container, every page (v2 children route, 100 per page). */
  async children(parentId: number): Promise<ReadNode[]> {
    const nodes: ReadNode[] = [];
    for (let page = 1, pageTotal = 1; page <= pageTotal; page++) {
      const body = await this.json(`api/v2/nodes/${parentId}/nodes?limit=100&page=${page}`);
      pageTotal = Number(body.collection.paging.page_total);
      for (const result of body.results) nodes.push(nodeOf(result.data.properties));
    }
    return nodes;
  }

  /** The child with exactly this name, or undefined. */
  async childByName(parentId: number, name: string): Promise<ReadNode | undefined> {
    return (await this.children(parentId)).find((n) => n.name === name);
  }

  /** The node at a "/"-separated path of names below `rootId`, or undefined when a segment does not exist. */
  async nodeAt(rootId: number, folderPath: string): Promise<ReadNode | undefined> {
    let node: ReadNode | undefined = nodeOf((await this.json(`api/v2/nodes/${rootId}`)).results.data.properties);
    for (const segment of folderPath.split("/").filter(Boolean)) {
      node = await this.childByName(node.id, segment);
      if (!node) return undefined;
    }
    return node;
  }

  /** Every document below a folder path (recursively); [] when the path does not exist. */
  async documentsBelow(rootId: number, folderPath: string): Promise<ReadDocument[]> {
    const start = await this.nodeAt(rootId, folderPath);
    if (!start) return [];
    const found: ReadDocument[] = [];
    const walk = async (id: number, relative: string): Promise<void> => {
      for (const child of await this.children(id)) {
        if (child.container) await walk(child.id, relative ? `${relative}/${child.name}` : child.name);
        else found.push({ ...child, folder: relative });
      }
    };
    await walk(start.id, "");
    return found;
  }

  /** The id of the business workspace of an external system's business object, or undefined. */
  async workspaceOf(system: string, boType: string, boId: string): Promise<number | undefined> {
    const path = `externalsystems/${enc(system)}/botypes/${enc(boType)}/boids/${enc(boId)}`;
    return firstId(await this.json(`api/v2/${path}`));
  }

  /** The id of the business workspace of this type with exactly this name, or undefined. */
  async workspaceNamed(typeName: string, name: string): Promise<number | undefined> {
    const query = new URLSearchParams({ where_workspace_type_name: typeName, where_name: name });
    return firstId(await this.json(`api/v2/businessworkspaces?${query}`));
  }

  /** The version numbers of a document (v2 `results[].data.versions.version_number`). */
  async versions(nodeId: number): Promise<number[]> {
    const body = await this.json(`api/v2/nodes/${nodeId}/versions`);
    return body.results.map((result: Json) => Number(result.data.versions.version_number));
  }

  /** The content of a version (the latest when none is given), through the v1 routes as pyxecm downloads. */
  async content(nodeId: number, version?: number): Promise<Buffer> {
    const path = version === undefined ? `nodes/${nodeId}/content` : `nodes/${nodeId}/versions/${version}/content`;
    const res = await this.request(`api/v1/${path}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /**
   * The values of the category with this name on a node, by attribute NAME (undefined when it is not applied), from
   * the node's categories with `metadata`: the metadata key without "_" is the category itself. Attributes inside a
   * set are read from its first row, as a name alone can address.
   */
  async categoryValues(nodeId: number, categoryName: string): Promise<Record<string, unknown> | undefined> {
    const { results } = await this.json(`api/v2/nodes/${nodeId}/categories?metadata`);
    for (const { data, metadata } of results as Json[]) {
      const attributes = Object.entries(metadata.categories as Record<string, Json>);
      if (attributes.find(([key]) => !key.includes("_"))?.[1].name !== categoryName) continue;
      const byName: Record<string, unknown> = {};
      for (const [key, attribute] of attributes) {
        if (attribute.persona !== "categoryattribute") continue;
        const valueKey = key.replace("_x_", "_1_");
        if (valueKey in data.categories) byName[attribute.name] = data.categories[valueKey];
      }
      return byName;
    }
    return undefined;
  }

  /** The RM classifications of a node (`data[]` of the rmclassifications route). */
  async rmClassifications(nodeId: number): Promise<Json[]> {
    return (await this.json(`api/v1/nodes/${nodeId}/rmclassifications`)).data;
  }

  /** Where a workflow instance stands: its status and the names of its current and completed steps. */
  async workflowState(processId: number): Promise<{ status: string; current: string[]; completed: string[] }> {
    const { results } = await this.json(`api/v2/workflows/status/processes/${processId}`);
    const names = (steps: Json[]) => steps.map((step) => String(step.task_name));
    return {
      status: String(results.wf_details.status),
      current: names(results.step_list.current),
      completed: names(results.step_list.completed),
    };
  }

  /**
   * The workflow attributes by NAME as the assignee of a step sees them on its task form (the form's
   * `WorkflowForm_*` fields other than the title and due date; null when the form carries no value).
   */
  async taskAttributes(processId: number, taskId: number): Promise<Record<string, unknown>> {
    const query = `process_id=${processId}&subprocess_id=${processId}&task_id=${taskId}`;
    const body = await this.json(`api/v1/forms/processes/tasks/update?${query}`);
    const form: Json = Array.isArray(body.forms) ? body.forms[0] : body;
    const attributes: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(form.schema.properties as Record<string, Json>)) {
      if (!key.startsWith("WorkflowForm_") || key === "WorkflowForm_Title" || key === "WorkflowForm_WorkflowDueDate") {
        continue;
      }
      attributes[field.title] = key in form.data ? form.data[key] : null;
    }
    return attributes;
  }

  /** The ids of every node a full-text search finds (v2 search route, `lookfor=complexquery`, every page). */
  async searchIds(where: string): Promise<number[]> {
    const ids: number[] = [];
    for (let page = 1, pageTotal = 1; page <= pageTotal; page++) {
      const form = { where, lookfor: "complexquery", limit: "100", page: String(page) };
      const body = await this.json("api/v2/search", form);
      pageTotal = Number(body.collection.paging.page_total);
      for (const result of body.results) ids.push(Number(result.data.properties.id));
    }
    return ids;
  }

  private async json(path: string, form?: Record<string, string>): Promise<Json> {
    return (await (await this.request(path, form)).json()) as Json;
  }

  /** GET, or POST of a form when one is given (the search route takes its query as a form). */
  private async request(path: string, form?: Record<string, string>): Promise<Response> {
    const headers = { OTCSTicket: await this.login() };
    const init = form ? { method: "POST", headers, body: new URLSearchParams(form) } : { headers };
    const res = await fetch(`${this.baseUrl}/${path}`, init);
    if (!res.ok) throw new Error(`read-back ${init.method ?? "GET"} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  }

  private login(): Promise<string> {
    this.ticket ??= (async () => {
      const res = await fetch(`${this.baseUrl}/api/v1/auth`, { method: "POST", body: new URLSearchParams(this.user) });
      if (!res.ok) throw new Error(`read-back login as ${this.user.username}: HTTP ${res.status}`);
      return String(((await res.json()) as { ticket: string }).ticket);
    })();
    return this.ticket;
  }
}

function nodeOf(p: Json): ReadNode {
  return {
    id: Number(p.id),
    name: String(p.name),
    container: p.container === true,
  };
}

const enc = encodeURIComponent;

function firstId(list: Json): number | undefined {
  const first = (list.results as Json[])[0];
  return first ? Number(first.data.properties.id) : undefined;
}
