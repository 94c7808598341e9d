/*
 * Shared arrangements for the cs-workflow-trigger and cs-workflow tests: Content Server clients for the seeded users,
 * starting workflows by map NAME, and a message collector with a deadline.
 */
import { ContentServerClient } from "../../nodes/lib/content-server";
import { findWorkflowMapByName } from "../../nodes/lib/content-server/workflows";
import type { ContentServerSimulator } from "./content-server-sim";

export const USERS = {
  admin: { username: "Admin", password: "livelink" },
  integration: { username: "otintegration", password: "integration" },
  approver: { username: "jdoe", password: "livelink" },
} as const;

export function csClient(sim: ContentServerSimulator, user: keyof typeof USERS): ContentServerClient {
  return new ContentServerClient({
    baseUrl: sim.url,
    authMode: "cs",
    credentials: { ...USERS[user] },
    retry: { maxAttempts: 1 },
  });
}

export function csConfigNode(id: string, sim: ContentServerSimulator) {
  return { id, type: "cs-config", name: "CS", baseUrl: sim.url, authMode: "cs", timeoutMs: "5000", retryAttempts: "1" };
}

/**
 * The start of a deployable flow: tab `tab1`, connection `csc1` as the integration user (credentials inline, as the
 * editor deploys them) and trigger `trig1` in HMAC callback mode on `path`, wired to `target`.
 */
export function callbackTriggerFlow(sim: ContentServerSimulator, path: string, secret: string, target: string) {
  return [
    { id: "tab1", type: "tab", label: "wf" },
    { ...csConfigNode("csc1", sim), credentials: { ...USERS.integration } },
    {
      id: "trig1",
      z: "tab1",
      type: "cs-workflow-trigger",
      server: "csc1",
      mode: "callback",
      callbackPath: path,
      callbackAuth: "hmac",
      credentials: { callbackSecret: secret },
      x: 100,
      y: 100,
      wires: [[target]],
    },
  ];
}

export async function mapIdByName(client: ContentServerClient, name: string): Promise<number> {
  const map = await findWorkflowMapByName(client, name);
  if (!map) throw new Error(`no map ${name}`);
  return map.id;
}

/** Starts a workflow as `client` from the map NAME, with attributes by name and optional documents. */
export async function startByName(
  client: ContentServerClient,
  mapName: string,
  attributes: Record<string, unknown>,
  docIds: number[] = [],
): Promise<number> {
  const started = await client.workflows.startWorkflow({
    mapId: await mapIdByName(client, mapName),
    attributes,
    docIds,
  });
  return started.processId;
}

export async function uploadText(client: ContentServerClient, name: string, text: string): Promise<number> {
  const node = await client.documents.uploadDocument({
    parentId: 2301,
    name,
    content: { buffer: Buffer.from(text), fileName: name, mimeType: "text/plain" },
  });
  return node.id;
}

/** Collects what a helper node receives; `next(n)` waits for the n-th message. */
export class Collector<T = Record<string, any>> {
  readonly messages: T[] = [];
  private waiters: Array<() => void> = [];

  constructor(node: object) {
    (node as { on(event: "input", listener: (msg: T) => void): unknown }).on("input", (msg) => {
      this.messages.push(msg);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async count(n: number, timeoutMs = 3000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} messages, got ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
