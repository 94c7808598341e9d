/**
 * P7 worker, one of three modes per process:
 *  - "poll" / "callback": data flow 2 as shipped (examples/02-workflow-triggered-letter.json) in an embedded Node-RED,
 *    the trigger polling (interval raised to 1 s so one poll is told from the next) or taking a signed callback;
 *    tasks are created one after another (a user starts the "Letter Generation" workflow) and each is timed from its
 *    pick-up to the step being sent on. Pick-up: poll mode — the start of the poll that found the task (seen at a
 *    recording proxy between Node-RED and Content Server), so the wait for the next poll is excluded; callback mode —
 *    the callback being sent, right after the task was created.
 *  - "raw": the same work as direct calls in sequence: the assignments, the task's form, the generate call (fetch),
 *    the workspace and its Correspondence folder, one upload with the categories, the RM classification, sending the
 *    step on with its comment and the document id; the latency is the sum of the calls.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { findWorkflowMapByName } from "../../nodes/lib/content-server/workflows";
import { signedCallbackHeaders } from "../../nodes/lib/workflow/callback-auth";
import { startEmbeddedNodeRed } from "../../test/helpers/embedded-node-red";
import { startProxy, type Proxy } from "../../test/integration/content-server/support";
import { REPO_ROOT, RssSampler, workerMain } from "../harness/child";

export type P7Mode = "poll" | "callback" | "raw";
export type Phases = [toGenerate: number, toUpload: number, toSentOn: number];

export interface P7WorkerInput {
  mode: P7Mode;
  csUrl: string;
  exstreamUrl: string;
  exstream: { tenant: string; domain: string; clientId: string; clientSecret: string; communicationId: string };
  admin: { username: string; password: string };
  integration: { username: string; password: string };
  tasks: number;
  warmupTasks: number;
}

export interface P7WorkerResult {
  mode: P7Mode;
  latenciesMs: number[];
  /**
   * Per task, where the time went (ms): pick-up → generate call, generate call → upload, upload → step sent on. Flow
   * modes: from the request arrival times at the proxies; direct calls: the sums of the calls in each part.
   */
  phasesMs: Phases[];
  /** Flow modes: from task creation to pick-up (the part excluded), per task. */
  pickupMs: number[];
  rss: { startBytes: number; peakBytes: number };
  /** Requests per measured task by server and "METHOD path" (numbers in the path as {n}). */
  requestsPerTask: Record<string, number>;
}

const EXAMPLE = path.join(REPO_ROOT, "examples", "02-workflow-triggered-letter.json");
const MAP = "Letter Generation";
const TRIGGER = "df02-trigger";
const FIRST_NODE = "df02-driver";
const DONE_NODE = "df02-done";
const ERROR_NODE = "df02-errors";
const POLL_INTERVAL_MS = "1000";
const CALLBACK_SECRET = "p7-bench-callback-secret";
const CALLBACK_PATH = "/cs-workflow/df02";
const TASK_TIMEOUT_MS = 60_000;
const CUSTOMER_WORKSPACE = { extSystemId: "CRM", boType: "Customer", boId: "C-1001" };

type Msg = Record<string, any>;

/** The customers of the demo seed that have a workspace, with the attributes the workflow's start form asks for. */
function letterAttributes(i: number): Record<string, string> {
  return {
    "Customer ID": "C-1001",
    "Customer Name": "Acme Corporation",
    "Letter Type": "Policy Change",
    Language: "en",
    Jurisdiction: "US",
    Channel: "Print",
    "Policy Number": `POL-${7000 + i}`,
    "Change Description": "additional driver added",
    "Effective Date": "2025-07-01",
    "New Premium": "84.20",
    Currency: "USD",
  };
}

/** Recording proxies in front of both servers, in every mode: the same hop for the flow and the direct calls. */
async function startRecorders(input: P7WorkerInput) {
  const [cs, exstream] = await Promise.all([startProxy(input.csUrl), startProxy(input.exstreamUrl)]);
  const marks = { cs: 0, exstream: 0 };
  return {
    cs,
    exstream,
    /** Only requests from here on are counted (the warm-up is not). */
    startCounting() {
      marks.cs = cs.requests.length;
      marks.exstream = exstream.requests.length;
    },
    perTask(tasks: number): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const [server, proxy] of [
        ["cs", cs],
        ["exstream", exstream],
      ] as const) {
        for (const r of proxy.requests.slice(marks[server])) {
          const key = `${server} ${r.method} ${r.path
            .split("?")[0]
            .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, "{id}")
            .replace(/\d+/g, "{n}")}`;
          counts[key] = (counts[key] ?? 0) + 1 / tasks;
        }
      }
      return counts;
    },
    close: () => Promise.all([cs.close(), exstream.close()]),
  };
}

async function startTask(admin: ContentServerClient, mapId: number, i: number): Promise<number> {
  return (await admin.workflows.startWorkflow({ mapId, attributes: letterAttributes(i) })).processId;
}

async function runFlow(input: P7WorkerInput, admin: ContentServerClient, mapId: number): Promise<P7WorkerResult> {
  const recorders = await startRecorders(input);
  const polls = () =>
    recorders.cs.requests.filter((r) => r.method === "GET" && /\/members\/assignments/.test(r.path)).map((r) => r.at);
  Object.assign(process.env, {
    CS_URL: recorders.cs.url,
    CS_AUTH_MODE: "cs",
    CS_USERNAME: input.integration.username,
    CS_PASSWORD: input.integration.password,
    EXSTREAM_URL: recorders.exstream.url,
    EXSTREAM_TENANT: input.exstream.tenant,
    EXSTREAM_DOMAIN: input.exstream.domain,
    EXSTREAM_CLIENT_ID: input.exstream.clientId,
    EXSTREAM_CLIENT_SECRET: input.exstream.clientSecret,
  });
  const workDir = mkdtempSync(path.join(os.tmpdir(), "bench-p7-"));
  process.env.EXSTREAM_WORK_DIR = workDir;
  const flows = (JSON.parse(readFileSync(EXAMPLE, "utf8")) as Msg[]).map((n) => {
    if (n.id !== TRIGGER) return n;
    return input.mode === "callback"
      ? { ...n, mode: "callback", callbackAuth: "hmac", credentials: { callbackSecret: CALLBACK_SECRET } }
      : { ...n, pollIntervalMs: POLL_INTERVAL_MS };
  });
  const types = Object.keys(JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"))["node-red"].nodes);
  const nr = await startEmbeddedNodeRed({ nodeTypes: types, settings: { httpNodeRoot: "/api" } });
  const emitted = new Map<number, number>();
  const done = new Map<number, number>();
  const errors: string[] = [];
  nr.RED.hooks.add("onReceive.p7bench", (event: { destination?: { id?: string }; msg: Msg }) => {
    const id = event.destination?.id;
    const processId = Number(event.msg.workflow?.processId);
    if (id === FIRST_NODE && !emitted.has(processId)) emitted.set(processId, performance.now());
    else if (id === DONE_NODE) done.set(processId, performance.now());
    else if (id === ERROR_NODE) errors.push(String(event.msg.payload));
  });
  const callback = async (processId: number) => {
    const body = JSON.stringify({ processId, subprocessId: processId, taskId: 10 });
    const res = await fetch(`${nr.url}/api${CALLBACK_PATH}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...signedCallbackHeaders(CALLBACK_SECRET, body) },
    });
    if (res.status !== 202) throw new Error(`callback: HTTP ${res.status} ${await res.text()}`);
  };
  const waitFor = async (what: string, probe: () => boolean) => {
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    while (!probe()) {
      if (errors.length) throw new Error(`${what}: ${errors.join(" | ")}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within ${TASK_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const waitForAsync = async (what: string, probe: () => Promise<boolean>) => {
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${TASK_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await nr.deploy(flows);
    if (input.mode === "callback") {
      // The endpoint exists once the flow has started (an unsigned call is answered 401, not 404).
      await waitForAsync("the callback endpoint", async () => {
        const res = await fetch(`${nr.url}/api${CALLBACK_PATH}`, { method: "POST", body: "{}" });
        return res.status !== 404;
      });
    }
    const arrivalAfter = (proxy: Proxy, from: number, what: RegExp) =>
      proxy.requests.find((r) => r.at >= from && what.test(`${r.method} ${r.path}`))?.at ?? Number.NaN;
    const one = async (i: number): Promise<{ latencyMs: number; pickupMs: number; phases: Phases }> => {
      const processId = await startTask(admin, mapId, i);
      const created = performance.now();
      let pickup = created;
      if (input.mode === "callback") await callback(processId);
      await waitFor(`task ${processId}`, () => done.has(processId));
      if (input.mode === "poll") {
        // The poll that found the task: the last one that started before the trigger emitted it.
        const emittedAt = emitted.get(processId) ?? created;
        pickup = Math.max(created, ...polls().filter((t) => t <= emittedAt));
      }
      const end = done.get(processId)!;
      const generated = arrivalAfter(recorders.exstream, pickup, /^POST .*\/generate/);
      const uploaded = arrivalAfter(recorders.cs, generated, /^POST .*\/nodes$/);
      const phases: Phases = [generated - pickup, uploaded - generated, end - uploaded];
      return { latencyMs: end - pickup, pickupMs: pickup - created, phases };
    };
    for (let i = 0; i < input.warmupTasks; i++) await one(i);
    recorders.startCounting();
    const sampler = new RssSampler(100);
    const latenciesMs: number[] = [];
    const pickupMs: number[] = [];
    const phasesMs: Phases[] = [];
    for (let i = 0; i < input.tasks; i++) {
      const { latencyMs, pickupMs: wait, phases } = await one(input.warmupTasks + i);
      latenciesMs.push(latencyMs);
      pickupMs.push(wait);
      phasesMs.push(phases);
    }
    const rss = sampler.stop();
    const requestsPerTask = recorders.perTask(input.tasks);
    return { mode: input.mode, latenciesMs, phasesMs, pickupMs, rss, requestsPerTask };
  } finally {
    nr.RED.hooks.remove("onReceive.p7bench");
    await nr.stop();
    await recorders.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The same work as direct calls in sequence; each task's latency is the sum of its calls. */
async function runRaw(given: P7WorkerInput, admin: ContentServerClient, mapId: number): Promise<P7WorkerResult> {
  const recorders = await startRecorders(given);
  const input = { ...given, csUrl: recorders.cs.url, exstreamUrl: recorders.exstream.url };
  const cs = new ContentServerClient({ baseUrl: input.csUrl, credentials: input.integration });
  const token = await exstreamToken(input);
  try {
    const categories = await cs.categories.resolveCategoryValues("Customer Communication", { "Customer ID": "" });
    const [categoryId] = Object.keys(categories.values)[0].split("_");
    const classification = await cs.records.findClassificationByName("Customer Correspondence");
    if (!classification) throw new Error('no RM classification "Customer Correspondence"');
    let folder: { id: number } | undefined;
    const one = async (i: number): Promise<{ total: number; phases: Phases }> => {
      const processId = await startTask(admin, mapId, i);
      let total = 0;
      const timed = async <T>(call: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        const result = await call();
        total += performance.now() - started;
        return result;
      };
      const task = (await timed(() => cs.workflows.listMyAssignments())).find((a) => a.processId === processId);
      if (!task) throw new Error(`task of process ${processId} not assigned`);
      await timed(() => cs.workflows.getProcessStatus(processId));
      const form = await timed(() => cs.workflows.getTaskForm(task));
      if (form.attachmentFolderId === undefined) throw new Error("no attachments folder");
      await timed(() => cs.nodes.listChildren(form.attachmentFolderId!, { limit: 100 }));
      const attributes = letterAttributes(i);
      const beforeGenerate = total;
      const calledAt = Date.now();
      const pdf = await timed(() => generate(input, token, attributes));
      await manifestKeyReads(input, token, calledAt, timed);
      // cs-archive keeps the customer's workspace and folder for a minute: looked up in the warm-up, as the flow does.
      folder ??= await timed(async () => {
        const workspace = await cs.workspaces.findWorkspaceByBusinessObject(CUSTOMER_WORKSPACE);
        return workspace && cs.nodes.findChildByName(workspace.id, "Correspondence");
      });
      const values = await cs.categories.resolveCategoryValues(Number(categoryId), {
        "Customer ID": attributes["Customer ID"],
        "Customer Name": attributes["Customer Name"],
        "SHA-256": createHash("sha256").update(pdf).digest("hex"),
      });
      const name = `Raw Policy Change Confirmation ${attributes["Policy Number"]} (${processId}).pdf`;
      const beforeUpload = total;
      const node = await timed(() =>
        cs.documents.uploadDocument({
          parentId: folder!.id,
          name,
          content: { buffer: pdf, fileName: name, mimeType: "application/pdf" },
          categories: values.values,
        }),
      );
      await timed(() => cs.records.applyRmClassification(node.id, classification.id, { rmMetadataToken: null }));
      await timed(() =>
        cs.workflows.completeTask(task, {
          action: "SendOn",
          comment: `Policy change confirmation archived as ${node.name} (node ${node.id}).`,
          values: { "Generated Document ID": node.id },
        }),
      );
      return { total, phases: [beforeGenerate, beforeUpload - beforeGenerate, total - beforeUpload] };
    };
    for (let i = 0; i < input.warmupTasks; i++) await one(i);
    recorders.startCounting();
    const sampler = new RssSampler(100);
    const latenciesMs: number[] = [];
    const phasesMs: Phases[] = [];
    for (let i = 0; i < input.tasks; i++) {
      const { total, phases } = await one(input.warmupTasks + i);
      latenciesMs.push(total);
      phasesMs.push(phases);
    }
    const rss = sampler.stop();
    return { mode: "raw", latenciesMs, phasesMs, pickupMs: [], rss, requestsPerTask: recorders.perTask(input.tasks) };
  } finally {
    await cs.close();
    await recorders.close();
  }
}

async function exstreamToken(input: P7WorkerInput): Promise<string> {
  const res = await fetch(`${input.exstreamUrl}/otdsws/otdstenant/${input.exstream.tenant}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: input.exstream.clientId,
      client_secret: input.exstream.clientSecret,
    }),
  });
  if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

type Timed = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * The reads exstream-generate makes for the manifest keys, here one after another: the ONDEMAND jobs and the flow
 * instances started since the day before the call, the call's instance input, its communication step, the step's
 * delivery file.
 */
async function manifestKeyReads(input: P7WorkerInput, token: string, calledAt: number, timed: Timed): Promise<void> {
  const runtime = `${input.exstreamUrl}/orchestration/api/v1/runtime/${input.exstream.domain}`;
  const since = new Date(calledAt - 86_400_000).toISOString().slice(0, 10);
  const read = async (url: string): Promise<Response> => {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res;
  };
  const items = async (url: string): Promise<Msg[]> => ((await (await read(url)).json()) as { data: Msg[] }).data;
  const page = "offset=0&count=100";
  const jobs = await timed(() => items(`${runtime}/jobs?filter=mode:ONDEMAND;startDateStart:${since}&${page}`));
  const instances = await timed(() => items(`${runtime}/flow-instances?filter=startDateStart:${since}&${page}`));
  // Listed newest first, and one task runs at a time: the newest job is the call's.
  const instance = instances.find((x) => x.jobId === jobs[0]?.id);
  if (!instance) throw new Error("manifest keys: no flow instance of the call's job");
  await timed(async () => (await read(`${runtime}/flow-instances/${instance.id}/input`)).arrayBuffer());
  const filter = `flowInstanceId:${instance.id};stepTypes:communication`;
  const [step] = await timed(() => items(`${runtime}/flow-steps?filter=${filter}&${page}`));
  if (!step) throw new Error("manifest keys: no communication step");
  await timed(async () => (await read(`${runtime}/flow-steps/${step.id}/delivery-file?download=true`)).arrayBuffer());
}

/** The on-demand generate call of the letter, its PDF decoded (the direct call of P5). */
async function generate(input: P7WorkerInput, token: string, attributes: Record<string, string>): Promise<Buffer> {
  const driver = {
    CustomerId: attributes["Customer ID"],
    LastName: attributes["Customer Name"],
    PolicyNumber: attributes["Policy Number"],
    ChangeDescription: attributes["Change Description"],
    EffectiveDate: attributes["Effective Date"],
    NewPremium: attributes["New Premium"],
    Currency: attributes.Currency,
    Language: attributes.Language,
    Jurisdiction: attributes.Jurisdiction,
  };
  const res = await fetch(
    `${input.exstreamUrl}/orchestration/api/v1/inputs/ondemand/${input.exstream.domain}/generate`,
    {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        communicationId: input.exstream.communicationId,
        driverDataSource: "PolicyChangeDriver",
        "Content-Type": "application/json",
        Accept: "*/*",
      },
      body: JSON.stringify(driver),
    },
  );
  if (!res.ok) throw new Error(`generate: HTTP ${res.status} ${await res.text()}`);
  const envelope = (await res.json()) as { data?: Array<{ content?: string; mimeType?: string }> };
  const pdf = (envelope.data ?? []).find((item) => item.mimeType === "application/pdf");
  if (!pdf?.content) throw new Error("generate: no PDF");
  return Buffer.from(pdf.content, "base64");
}

workerMain<P7WorkerInput, P7WorkerResult>(async (input) => {
  const admin = new ContentServerClient({ baseUrl: input.csUrl, credentials: input.admin });
  try {
    const map = await findWorkflowMapByName(admin, MAP);
    if (!map) throw new Error(`no workflow map "${MAP}"`);
    return input.mode === "raw" ? await runRaw(input, admin, map.id) : await runFlow(input, admin, map.id);
  } finally {
    await admin.close();
  }
});
