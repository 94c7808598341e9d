/*
 * What the governed-content examples (DF3, DF7) need around the flows: the people in Content Server (an author who
 * starts the approval workflow, an approver), the Exstream Design API as a reader, rendering a PDF on demand and its
 * text through pdftotext.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { ContentServerClient } from "../../nodes/lib/content-server";
import type { DemoEnvironment } from "./example-flows";
import { EXSTREAM_DEMO } from "./exstream-sim";
import { USERS, mapIdByName } from "./workflow-kit";

const run = promisify(execFile);

/** Folders of the demo repository, below Enterprise Workspace (2000) → Content Governance. */
export const FOLDERS = { contentGovernance: 2400, approvedContent: 2401, regulatoryWording: 2403, archive: 2301 };

/**
 * The step "Publish to Exstream" is assigned to the group Integration, whose member is the integration user; the
 * demo login Admin is not a member. The examples' connection is therefore run as the integration user (the way a
 * real installation runs it); `startDemoEnvironment()` restores the variables on close.
 */
export function useIntegrationUser(env: DemoEnvironment): void {
  Object.assign(process.env, { CS_USERNAME: USERS.integration.username, CS_PASSWORD: USERS.integration.password });
  Object.assign(env.env, { CS_USERNAME: USERS.integration.username, CS_PASSWORD: USERS.integration.password });
}

export function csAs(env: DemoEnvironment, user: keyof typeof USERS): ContentServerClient {
  return new ContentServerClient({
    baseUrl: env.cs.url,
    authMode: "cs",
    credentials: { ...USERS[user] },
    retry: { maxAttempts: 1 },
  });
}

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function uploadText(client: ContentServerClient, parentId: number, name: string, text: string) {
  const node = await client.documents.uploadDocument({
    parentId,
    name,
    content: { buffer: Buffer.from(text, "utf8"), fileName: name, mimeType: "text/plain" },
  });
  return node.id;
}

export async function addTextVersion(client: ContentServerClient, nodeId: number, name: string, text: string) {
  const version = await client.documents.addVersion(nodeId, {
    content: { buffer: Buffer.from(text, "utf8"), fileName: name, mimeType: "text/plain" },
  });
  return version.versionNumber;
}

/** Starts "Template Approval" as `author` (CS REST: draft process with the document attached, attributes, initiate). */
export async function startTemplateApproval(
  author: ContentServerClient,
  docId: number,
  attributes: Record<string, string>,
): Promise<number> {
  const started = await author.workflows.startWorkflow({
    mapId: await mapIdByName(author, "Template Approval"),
    attributes,
    docIds: [docId],
    comment: "Please approve the new wording",
  });
  return started.processId;
}

/** The approver decides step "Approve Template" of one instance (CS REST: assignments, then the task's disposition). */
export async function decideApproval(
  approver: ContentServerClient,
  processId: number,
  customAction: "Approve" | "Reject",
  comment: string,
): Promise<void> {
  const task = (await approver.workflows.listMyAssignments()).find(
    (a) => a.processId === processId && a.name === "Approve Template",
  );
  if (!task) throw new Error(`no "Approve Template" task of process ${processId} for the approver`);
  await approver.workflows.completeTask(task, { customAction, comment });
}

/**
 * The steps an instance completed with the decision taken on each. The REST status carries no decisions (the
 * evidence shows none), so this reads the simulator's state.
 */
export function decisionsOf(env: DemoEnvironment, processId: number): Array<[string, string | undefined]> {
  const process = env.cs.store.data.processes[String(processId)];
  const map = env.cs.store.data.workflowMaps[String(process.mapId)];
  return process.completed.map((s) => [map.steps.find((step) => step.id === s.stepId)!.name, s.action]);
}

/** What `doc_ids` put into a workflow's attachments (simulator flag): both occur on real installations. */
export const ATTACHMENT_MODES = ["shortcut", "copy"] as const;

// ————— Exstream —————

async function designGet(env: DemoEnvironment, path: string): Promise<Response> {
  const res = await fetch(`${env.exstream.url}/design/api/v1/resources/${EXSTREAM_DEMO.domain}/${path}`, {
    headers: { Authorization: `Bearer ${await env.exstream.token()}` },
  });
  if (!res.ok) throw new Error(`Design API ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Latest version of a design resource (Design API `GET resources/{domain}/{id}`). */
export async function resource(
  env: DemoEnvironment,
  id: string,
): Promise<{ id: string; version: number; state: string; name: string; stateComment: string }> {
  return ((await (await designGet(env, id)).json()) as { data: any }).data;
}

/** A version's content (Design API `GET resources/{domain}/{id}/content?version=N`). */
export async function resourceContent(env: DemoEnvironment, id: string, version: number): Promise<Buffer> {
  return Buffer.from(await (await designGet(env, `${id}/content?version=${version}`)).arrayBuffer());
}

/** One customer rendered on demand as PDF (Orchestration API, `Accept: application/pdf`). */
export async function renderPdf(
  env: DemoEnvironment,
  communicationId: string,
  driverDataSource: string,
  customer: Record<string, unknown>,
): Promise<Buffer> {
  const res = await fetch(`${env.exstream.url}/orchestration/api/v1/inputs/ondemand/${EXSTREAM_DEMO.domain}/generate`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${await env.exstream.token()}`,
      communicationId,
      driverDataSource,
      "Content-Type": "application/json",
      Accept: "application/pdf",
    },
    body: JSON.stringify(customer),
  });
  if (!res.ok) throw new Error(`on-demand generate: HTTP ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The text of a PDF (pdftotext from poppler-utils), white space collapsed. */
export async function pdfText(pdf: Buffer): Promise<string> {
  const child = run("pdftotext", ["-enc", "UTF-8", "-", "-"], { encoding: "buffer", maxBuffer: 32 * 1024 * 1024 });
  child.child.stdin!.end(pdf);
  const { stdout } = await child;
  return (stdout as unknown as Buffer).toString("utf8").replace(/\s+/g, " ");
}

/** Shortens the trigger's poll interval of a loaded example (the shipped value is for people, not tests). */
export function pollFast(flow: any[], triggerId: string, ms = 200): any[] {
  const trigger = flow.find((n) => n.id === triggerId);
  if (!trigger) throw new Error(`no node ${triggerId}`);
  trigger.pollIntervalMs = String(ms);
  return flow;
}

/** The step a rejected approval goes to when {@link routeRejectionToIntegration} changed the map. */
export const REJECTION_STEP = "Notify Author of Rejection";

/**
 * Sends a rejected approval on to a step of the integration group (as an installation that tells the author by a
 * system step would), so the flow's trigger sees the rejected instance in its assignments: the trigger's step filter,
 * not the map's routing, must keep a rejected wording from being published.
 */
export function routeRejectionToIntegration(env: DemoEnvironment): void {
  const map = Object.values(env.cs.store.data.workflowMaps).find((m) => m.title === "Template Approval");
  if (!map) throw new Error('no workflow map "Template Approval" in the simulator');
  const publish = map.steps.find((s) => s.name === "Publish to Exstream")!;
  const stepId = Math.max(...map.steps.map((s) => s.id)) + 10;
  map.steps.push({ ...structuredClone(publish), id: stepId, name: REJECTION_STEP, instructions: "Tell the author." });
  const approve = map.steps.find((s) => s.name === "Approve Template")!;
  approve.dispositions = approve.dispositions.map((d) => (d.key === "Reject" ? { ...d, next: stepId } : d));
}
