/*
 * What the end-to-end tests of the workflow-driven letter examples (02, 05) share: starting a workflow in the CS
 * simulator as a user would (REST: draft process, form update with the attributes, initiate), reading back where a
 * letter was filed, its text (pdftotext) and its categories by attribute NAME (over raw HTTP, see cs-readback.ts), and
 * the state of the workflow instance.
 */
import { execFileSync } from "node:child_process";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { findWorkflowMapByName } from "../../nodes/lib/content-server/workflows";
import type { CsReadback, ReadNode } from "./cs-readback";
import type { DemoEnvironment } from "./example-flows";
import type { EmbeddedNodeRed } from "./embedded-node-red";
import { USERS } from "./workflow-kit";

/**
 * The letter steps are assigned to the group Integration, whose member is the integration user (not the demo login
 * Admin): the examples' connection runs as the integration user, as in a real installation. Call before starting
 * Node-RED; `close()` of the environment restores the variables.
 */
export function runFlowsAsIntegrationUser(env: DemoEnvironment): void {
  const login = { CS_USERNAME: USERS.integration.username, CS_PASSWORD: USERS.integration.password };
  Object.assign(process.env, login);
  Object.assign(env.env, login);
}

export function csAs(env: DemoEnvironment, user: keyof typeof USERS): ContentServerClient {
  return new ContentServerClient({
    baseUrl: env.cs.url,
    authMode: "cs",
    credentials: { ...USERS[user] },
    retry: { maxAttempts: 1 },
  });
}

/** Starts a workflow from a map NAME with attributes by name; returns the process id. */
export async function startWorkflow(
  cs: ContentServerClient,
  mapName: string,
  attributes: Record<string, unknown>,
  title?: string,
): Promise<number> {
  const map = await findWorkflowMapByName(cs, mapName);
  if (!map) throw new Error(`no workflow map "${mapName}"`);
  const started = await cs.workflows.startWorkflow({ mapId: map.id, attributes, title });
  return started.processId;
}

/** The documents in a workspace's sub-folder (empty when the folder does not exist yet). */
export async function documentsIn(cs: CsReadback, workspaceId: number, folder: string): Promise<ReadNode[]> {
  const sub = await cs.childByName(workspaceId, folder);
  if (!sub) return [];
  return (await cs.children(sub.id)).filter((n) => !n.container);
}

/** The text of a stored PDF, as pdftotext (poppler-utils) extracts it, white space collapsed. */
export async function pdfText(cs: CsReadback, nodeId: number): Promise<string> {
  const pdf = await cs.content(nodeId);
  if (pdf.subarray(0, 5).toString("latin1") !== "%PDF-") throw new Error(`node ${nodeId} is not a PDF`);
  return execFileSync("pdftotext", ["-enc", "UTF-8", "-", "-"], { input: pdf }).toString("utf8").replace(/\s+/g, " ");
}

/** The comments recorded on a workflow instance (the simulator's store: the REST status does not list them). */
export function workflowComments(env: DemoEnvironment, processId: number): string[] {
  const process = env.cs.store.data.processes[processId];
  return process ? process.comments.map((c) => c.text) : [];
}

/** Holds back every message addressed to `nodeId` (a runtime hook), e.g. to keep a task in flight. */
export function holdMessagesTo(nr: EmbeddedNodeRed, nodeId: string): () => void {
  const name = `onReceive.hold-${nodeId}`;
  nr.RED.hooks.add(name, (event: { destination?: { id?: string } }) =>
    event.destination?.id === nodeId ? false : undefined,
  );
  return () => nr.RED.hooks.remove(name);
}

/** The example's JSON with the trigger polling fast (tests only; the shipped example polls every 10 s). */
export function withFastPolling(flow: any[], triggerId: string, pollIntervalMs = "100"): any[] {
  return flow.map((n) => (n.id === triggerId ? { ...n, pollIntervalMs } : n));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
