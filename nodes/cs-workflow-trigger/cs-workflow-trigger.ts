import os from "node:os";
import path from "node:path";
import type { NodeAPI, NodeMessageInFlow } from "node-red";
import type { Request, Response } from "express";
import type { CsConfigNode } from "../cs-config/types";
import type { WorkflowTask } from "../lib/content-server/workflows";
import { EditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { registerFileRoots } from "../lib/node-red/file-roots";
import { parseCallbackIds, readRawBody, verifyCallback } from "../lib/workflow/callback-auth";
import { splitList, WorkflowMapResolver } from "../lib/workflow/maps";
import { WorkflowTaskPoller } from "../lib/workflow/poller";
import { taskKey, WorkflowTaskTracker } from "../lib/workflow/task-tracker";
import type {
  CsWorkflowTriggerCredentials,
  CsWorkflowTriggerDef,
  CsWorkflowTriggerNode,
  TriggerOptions,
} from "./types";

const DEFAULTS = {
  pollIntervalMs: 30_000,
  reemitAfterMs: 60 * 60 * 1000,
  maxInFlight: 10,
  maxEmissions: 0,
  callbackPath: "/cs-workflow",
  hmacHeader: "x-signature",
  secretHeader: "x-callback-secret",
};
const MAX_CALLBACK_BODY_BYTES = 64 * 1024;
/** Bound of the memory of recent callbacks (a repeated callback within the re-emit timeout is not emitted twice). */
const CALLBACK_DEDUP_LIMIT = 10_000;

export = function (RED: NodeAPI): void {
  function CsWorkflowTrigger(this: CsWorkflowTriggerNode, def: CsWorkflowTriggerDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: CsWorkflowTriggerNode, def: CsWorkflowTriggerDef): void {
    const status = new NodeStatus(node);
    const config = RED.nodes.getNode(def.server) as CsConfigNode | null;
    const userDir = (RED.settings as { userDir?: string }).userDir ?? path.join(os.homedir(), ".node-red");
    let options: TriggerOptions;
    try {
      if (!config) throw new Error(RED._("cs-workflow-trigger.errors.noServer"));
      options = parseOptions(def, userDir);
    } catch (err) {
      status.error(RED._("cs-workflow-trigger.status.invalid"));
      node.error((err as Error).message);
      return;
    }
    registerFileRoots(node, options.downloadDir);
    const client = config.getClient();
    const resolver = new WorkflowMapResolver(client, { folderId: options.mapFolderId });
    const tracker = new WorkflowTaskTracker({
      file: path.join(userDir, "cs-workflow-trigger", `${node.id.replace(/[^\w.-]/g, "_")}.ledger`),
      reemitAfterMs: options.reemitAfterMs,
      maxInFlight: options.maxInFlight,
      maxEmissions: options.maxEmissions,
    });
    let lastWarning = "";
    let taskFailed = false;
    const poller = new WorkflowTaskPoller({
      client,
      resolver,
      tracker,
      filter: { maps: options.maps, steps: options.steps },
      downloadDir: options.downloadDir,
      emit: ({ task, attempt }) => node.send(toMessage(task, attempt)),
      onTaskError: (err, task) => {
        taskFailed = true;
        warnOnce(`${taskKey(task)}: ${(err as Error).message}`);
      },
    });
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();

    function warnOnce(message: string): void {
      if (message !== lastWarning) node.warn(message);
      lastWarning = message;
    }

    function showState(error?: unknown): void {
      if (error) {
        const code = (error as { code?: string }).code ?? (error as Error).name ?? "Error";
        status.error(RED._("cs-workflow-trigger.status.error", { code }));
      } else if (tracker.inFlight > 0) {
        status.working(RED._("cs-workflow-trigger.status.inFlight", { count: tracker.inFlight }));
      } else {
        status.ok(RED._(`cs-workflow-trigger.status.${options.mode === "poll" ? "polling" : "listening"}`));
      }
    }

    async function pollOnce(): Promise<void> {
      try {
        taskFailed = false;
        await poller.poll(() => stopped);
        if (!taskFailed) lastWarning = "";
        if (!stopped) showState();
      } catch (err) {
        warnOnce((err as Error).message);
        if (!stopped) showState(err);
      }
    }

    function schedule(delayMs: number): void {
      if (stopped) return;
      timer = setTimeout(() => {
        running = pollOnce().then(() => schedule(options.pollIntervalMs));
      }, delayMs);
    }

    /** Callback mode: a recent-callback memory so a step calling twice does not produce two messages. */
    const recentCallbacks = new Map<string, number>();
    async function handleCallback(req: Request, res: Response): Promise<void> {
      const raw = await readRawBody(req, MAX_CALLBACK_BODY_BYTES);
      if (raw === undefined) {
        res.status(413).json({ error: "payload too large" });
        return;
      }
      const secret = node.credentials?.callbackSecret ?? "";
      const header = req.get(options.callbackHeader);
      if (!verifyCallback({ mode: options.callbackAuth, secret }, header, raw)) {
        res.status(401).json({ error: "unauthorized" });
        return;
      }
      const ids = parseCallbackIds(raw, req.get("content-type"));
      if (!ids) {
        res.status(400).json({ error: "processId and taskId are required" });
        return;
      }
      const key = taskKey(ids);
      const seen = recentCallbacks.get(key);
      res.status(202).json({ accepted: true, processId: ids.processId, taskId: ids.taskId });
      if (seen !== undefined && Date.now() - seen < options.reemitAfterMs) return;
      if (recentCallbacks.size >= CALLBACK_DEDUP_LIMIT) recentCallbacks.clear();
      recentCallbacks.set(key, Date.now());
      try {
        const task = await poller.read({ ...ids, stepName: "" });
        const wanted = await poller.wantedMapIds();
        if (stopped || !poller.matches(task, wanted)) return;
        node.send(toMessage(task, 1));
        showState();
      } catch (err) {
        recentCallbacks.delete(key);
        warnOnce(`${key}: ${(err as Error).message}`);
        showState(err);
      }
    }

    if (options.mode === "poll") {
      status.idle(RED._("cs-workflow-trigger.status.starting"));
      schedule(0);
    } else {
      RED.httpNode.post(options.callbackPath, (req: Request, res: Response) => {
        handleCallback(req, res).catch((err: Error) => {
          if (!res.headersSent) res.status(500).json({ error: "callback failed" });
          warnOnce(err.message);
        });
      });
      showState();
    }

    node.on("close", (_removed: boolean, done: () => void) => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (options.mode === "callback") removeRoute(options.callbackPath);
      running.finally(() => {
        tracker.close();
        status.clear();
        done();
      });
    });
  }

  function toMessage(task: WorkflowTask, attempt: number): NodeMessageInFlow {
    return {
      topic: `${task.processId}/${task.taskId}`,
      payload: task.attributes,
      workflow: { ...task, attempt },
    } as unknown as NodeMessageInFlow;
  }

  /** Express keeps routes in its router stack; Node-RED's own HTTP In node removes them the same way. */
  function removeRoute(routePath: string): void {
    const router = (RED.httpNode as unknown as { _router?: { stack: RouteLayer[] } })._router;
    if (!router) return;
    for (let i = router.stack.length - 1; i >= 0; i--) {
      const route = router.stack[i].route;
      if (route && route.path === routePath && route.methods.post) router.stack.splice(i, 1);
    }
  }

  RED.nodes.registerType<CsWorkflowTriggerNode, CsWorkflowTriggerDef, object, CsWorkflowTriggerCredentials>(
    "cs-workflow-trigger",
    CsWorkflowTrigger,
    { credentials: { callbackSecret: { type: "password" } } },
  );

  /** Editor: the workflow maps the connection can see, and a map's steps. */
  new EditorLookups(RED, "cs-workflow-trigger").workflowMaps();
};

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

function parseOptions(def: CsWorkflowTriggerDef, userDir: string): TriggerOptions {
  const number = (value: string | number | undefined, fallback: number, name: string, min: number): number => {
    if (value === undefined || value === "") return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`cs-workflow-trigger: invalid ${name} "${value}"`);
    return parsed;
  };
  const mode = def.mode === "callback" ? "callback" : "poll";
  const callbackAuth = def.callbackAuth === "secret" ? "secret" : "hmac";
  let callbackPath = (def.callbackPath ?? "").trim() || DEFAULTS.callbackPath;
  if (!callbackPath.startsWith("/")) callbackPath = `/${callbackPath}`;
  const mapFolderId = def.mapFolderId ? number(def.mapFolderId, 0, "map folder id", 1) : undefined;
  return {
    mode,
    maps: splitList(def.maps),
    steps: splitList(def.steps),
    mapFolderId,
    pollIntervalMs: number(def.pollIntervalMs, DEFAULTS.pollIntervalMs, "poll interval", 10),
    reemitAfterMs: number(def.reemitAfterMs, DEFAULTS.reemitAfterMs, "re-emit timeout", 1),
    maxInFlight: number(def.maxInFlight, DEFAULTS.maxInFlight, "max in flight", 1),
    maxEmissions: number(def.maxEmissions, DEFAULTS.maxEmissions, "max emissions", 0),
    downloadDir: def.downloadContent
      ? path.resolve(def.downloadDir?.trim() || path.join(userDir, "cs-workflow-trigger", "attachments"))
      : undefined,
    callbackPath,
    callbackAuth,
    callbackHeader:
      (def.callbackHeader ?? "").trim() || (callbackAuth === "hmac" ? DEFAULTS.hmacHeader : DEFAULTS.secretHeader),
  };
}
