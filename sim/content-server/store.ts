import { randomBytes } from "node:crypto";
import { CsError, badRequest } from "./errors";
import { SubType, type SimGroup, type SimNode, type SimUser, type StoreData } from "./model";

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function newToken(): string {
  return randomBytes(12).toString("hex");
}

export function emptyStoreData(): StoreData {
  return {
    format: 1,
    nextId: 10000,
    nextHoldId: 1,
    secret: randomBytes(32).toString("hex"),
    nodes: {},
    users: {},
    groups: {},
    categories: {},
    workspaceTypes: {},
    workflowMaps: {},
    processes: {},
    rmClassifications: {},
    holds: {},
    oauthClients: {},
  };
}

export interface NewNode {
  /** Fixed id (seed data); allocated when absent. */
  id?: number;
  parentId: number;
  name: string;
  type: number;
  description?: string;
  userId: number;
  hidden?: boolean;
}

/** The repository: nodes, users, definitions and workflow instances, with the lookups the routes need. */
export class Store {
  private readonly listeners: Array<() => void> = [];
  private childIndex = new Map<number, Set<number>>();

  constructor(public data: StoreData) {
    this.reindex();
  }

  /** Called after every change, so persistence can write the store out. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  replace(data: StoreData): void {
    this.data = data;
    this.reindex();
  }

  private reindex(): void {
    this.childIndex = new Map();
    for (const node of Object.values(this.data.nodes)) this.indexChild(node);
  }

  private indexChild(node: SimNode): void {
    let set = this.childIndex.get(node.parentId);
    if (!set) this.childIndex.set(node.parentId, (set = new Set()));
    set.add(node.id);
  }

  allocateId(): number {
    return this.data.nextId++;
  }

  findNode(id: number): SimNode | undefined {
    return Number.isFinite(id) ? this.data.nodes[String(id)] : undefined;
  }

  /** The node or CS's error for a missing one; the status differs by endpoint (and, for GET node, by CS version). */
  requireNode(id: number, status = 500, message = `Could not get a node for ${id}`): SimNode {
    const node = this.findNode(id);
    if (!node) throw new CsError(status, message);
    return node;
  }

  children(parentId: number): SimNode[] {
    const ids = this.childIndex.get(parentId);
    if (!ids) return [];
    const out: SimNode[] = [];
    for (const id of ids) {
      const node = this.data.nodes[String(id)];
      if (node) out.push(node);
    }
    return out;
  }

  findChildByName(parentId: number, name: string): SimNode | undefined {
    const wanted = name.toLowerCase();
    return this.children(parentId).find((n) => n.name.toLowerCase() === wanted);
  }

  /** Ancestor ids from the volume down to the parent. */
  ancestorIds(node: SimNode): number[] {
    const ids: number[] = [];
    let parent = this.findNode(node.parentId);
    const seen = new Set<number>();
    while (parent && !seen.has(parent.id)) {
      seen.add(parent.id);
      ids.unshift(parent.id);
      parent = this.findNode(parent.parentId);
    }
    return ids;
  }

  volumeOf(node: SimNode): SimNode {
    const ancestors = this.ancestorIds(node);
    return ancestors.length ? this.findNode(ancestors[0])! : node;
  }

  isContainer(node: SimNode): boolean {
    return node.type !== SubType.Document && node.type !== SubType.Shortcut && node.type !== SubType.WorkflowMap;
  }

  createNode(spec: NewNode): SimNode {
    if (!spec.name || !spec.name.trim()) throw badRequest("The name parameter is required.");
    const now = timestamp();
    const node: SimNode = {
      id: spec.id ?? this.allocateId(),
      parentId: spec.parentId,
      name: spec.name,
      description: spec.description ?? "",
      type: spec.type,
      createDate: now,
      modifyDate: now,
      createUserId: spec.userId,
      modifyUserId: spec.userId,
      ownerUserId: spec.userId,
      token: newToken(),
      categories: {},
    };
    if (spec.hidden) node.hidden = true;
    this.insertNode(node);
    return node;
  }

  insertNode(node: SimNode): void {
    this.data.nodes[String(node.id)] = node;
    this.indexChild(node);
  }

  moveNode(node: SimNode, parentId: number): void {
    this.childIndex.get(node.parentId)?.delete(node.id);
    node.parentId = parentId;
    this.indexChild(node);
  }

  /** Removes the node and everything below it; returns the removed nodes. */
  removeTree(node: SimNode): SimNode[] {
    const removed: SimNode[] = [];
    const visit = (n: SimNode) => {
      for (const child of this.children(n.id)) visit(child);
      this.childIndex.get(n.parentId)?.delete(n.id);
      this.childIndex.delete(n.id);
      delete this.data.nodes[String(n.id)];
      removed.push(n);
    };
    visit(node);
    return removed;
  }

  touch(node: SimNode, userId: number): void {
    node.modifyDate = timestamp();
    node.modifyUserId = userId;
    node.token = newToken();
  }

  findUser(id: number): SimUser | undefined {
    return this.data.users[String(id)];
  }

  findUserByName(name: string): SimUser | undefined {
    const wanted = name.toLowerCase();
    return Object.values(this.data.users).find((u) => u.name.toLowerCase() === wanted);
  }

  findGroup(id: number): SimGroup | undefined {
    return this.data.groups[String(id)];
  }

  groupsOf(userId: number): SimGroup[] {
    return Object.values(this.data.groups).filter((g) => g.memberIds.includes(userId));
  }
}
