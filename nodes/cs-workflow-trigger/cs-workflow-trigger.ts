import os from "node:os";
import path from "node:path";
import type { NodeAPI, NodeMessageInFlow } from "node-red";
import type { Request, Response } from "express";
import type { CsConfigNode } from "../cs-config/types";
import { isNotAssigned, type WorkflowTask } from "../lib/content-server/workflows";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { keepOpenWhile } from "../lib/node-red/connection-config";
import { registerFileRoots } from "../lib/node-red/file-roots";
import { stateStoreOf } from "../lib/node-red/state-config";
import {
  CALLBACK_NONCE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  parseCallbackIds,
  readRawBody,
  verifyCallback,
} from "../lib/workflow/callback-auth";
import { splitList, WorkflowMapResolver } from "../lib/workflow/maps";
import { WorkflowTaskPoller, type UnidentifiedTask } from "../lib/workflow/poller";
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
/** Tasks named in the once-per-poll warning about unidentified maps. */
const UNIDENTIFIED_LISTED = 5;

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
      store: stateStoreOf(RED, def.state),
      name: node.id,
      file: path.join(userDir, "cs-workflow-trigger", `${node.id.replace(/[^\w.-]/g, "_")}.ledger`),
      reemitAfterMs: options.reemitAfterMs,
      maxInFlight: options.maxInFlight,
      maxEmissions: options.maxEmissions,
      onWarning: (message) => node.warn(message),
    });
    let lastWarning = "";
    let taskFailed = false;
    let unidentified = 0;
    const poller = new WorkflowTaskPoller({
      client,
      resolver,
      tracker,
      filter: { maps: options.maps, steps: options.steps, emitUnidentified: options.unidentifiedMaps === "emit" },
      downloadDir: options.downloadDir,
      emit: ({ task, attempt }) => node.send(toMessage(task, attempt)),
      onTaskError: (err, task) => {
        taskFailed = true;
        warnOnce(`${taskKey(task)}: ${(err as Error).message}`);
      },
      onUnidentified: (tasks) => {
        unidentified = tasks.length;
        if (tasks.length) node.warn(unidentifiedWarning(tasks));
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
      } else if (unidentified > 0) {
        status.warn(RED._("cs-workflow-trigger.status.unidentified", { count: unidentified }));
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

    /**
     * Callback mode: a signed, fresh callback with a nonce never seen before (the nonces are kept durably beside the
     * task record, so a replay is refused after a restart too) names a task; the task is read as the assignee and
     * recorded like a polled one, so a repeated callback does not emit it twice.
     */
    async function handleCallback(req: Request, res: Response): Promise<void> {
      const raw = await readRawBody(req, MAX_CALLBACK_BODY_BYTES);
      if (raw === undefined) {
        res.status(413).json({ error: "payload too large" });
        return;
      }
      const verdict = verifyCallback(
        { mode: options.callbackAuth, secret: node.credentials?.callbackSecret ?? "" },
        {
          signature: req.get(options.callbackHeader),
          timestamp: req.get(CALLBACK_TIMESTAMP_HEADER),
          nonce: req.get(CALLBACK_NONCE_HEADER),
        },
        raw,
      );
      if (!verdict.ok) {
        res.status(401).json({ error: verdict.reason });
        return;
      }
      const ids = parseCallbackIds(raw, req.get("content-type"));
      if (!ids) {
        res.status(400).json({ error: "processId and taskId are required" });
        return;
      }
      if (verdict.nonce !== undefined && !(await tracker.acceptNonce(verdict.nonce))) {
        res.status(401).json({ error: "replayed" });
        return;
      }
      res.status(202).json({ accepted: true, processId: ids.processId, taskId: ids.taskId });
      let task: WorkflowTask;
      try {
        task = await poller.read({ ...ids, stepName: "" });
      } catch (err) {
        if (isNotAssigned(err)) await tracker.finished(ids);
        warnOnce(`${taskKey(ids)}: ${(err as Error).message}`);
        showState(err);
        return;
      }
      const match = await poller.match(task);
      if (stopped || match?.verdict === "other") return;
      if (match?.verdict === "unknown") {
        node.warn(unidentifiedWarning([{ ref: ids, stepName: task.stepName, title: match.title }]));
        if (options.unidentifiedMaps !== "emit") return;
      }
      const due = await tracker.callback({ ...ids, stepName: task.stepName, mapId: match?.mapId ?? task.mapId });
      if (!due) return;
      node.send(toMessage(task, due.attempt));
      showState();
    }

    /** The route handler of this node, so that closing removes exactly it (not a user's route on the same path). */
    const callbackRoute = (req: Request, res: Response) => {
      handleCallback(req, res).catch((err: Error) => {
        if (!res.headersSent) res.status(500).json({ error: "callback failed" });
        warnOnce(err.message);
      });
    };

    if (options.mode === "poll") {
      status.idle(RED._("cs-workflow-trigger.status.starting"));
      schedule(0);
    } else {
      RED.httpNode.post(options.callbackPath, callbackRoute);
      showState();
    }

    node.on("close", (_removed: boolean, done: () => void) => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (options.mode === "callback") removeRoute(options.callbackPath, callbackRoute);
      keepOpenWhile(config, running);
      running
        .then(() => tracker.close())
        .catch((err: Error) => node.warn(err.message))
        .finally(() => {
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

  /**
   * Express keeps routes in its router stack. Only the route holding this node's own handler goes: a user's HTTP In
   * node on the same path and method stays.
   */
  function removeRoute(routePath: string, handler: unknown): void {
    const router = (RED.httpNode as unknown as { _router?: { stack: RouteLayer[] } })._router;
    if (!router) return;
    for (let i = router.stack.length - 1; i >= 0; i--) {
      const route = router.stack[i].route;
      if (route?.path === routePath && route.stack.some((layer) => layer.handle === handler)) {
        router.stack.splice(i, 1);
      }
    }
  }

  RED.nodes.registerType<CsWorkflowTriggerNode, CsWorkflowTriggerDef, object, CsWorkflowTriggerCredentials>(
    "cs-workflow-trigger",
    CsWorkflowTrigger,
    { credentials: { callbackSecret: { type: "password" } } },
  );

  /** Editor: the workflow maps the connection can see, and a map's steps. */
  registerEditorLookups(RED, "cs-workflow-trigger");
};

interface RouteLayer {
  route?: { path: string; stack: Array<{ handle: unknown }> };
}

/** One line for the tasks a map filter could not decide on: which, and why. */
function unidentifiedWarning(tasks: UnidentifiedTask[]): string {
  const listed = tasks
    .slice(0, UNIDENTIFIED_LISTED)
    .map((t) => `${taskKey(t.ref)} "${t.stepName}"${t.title ? ` of "${t.title}"` : ""}`)
    .join(", ");
  const more = tasks.length > UNIDENTIFIED_LISTED ? ` and ${tasks.length - UNIDENTIFIED_LISTED} more` : "";
  return (
    `map filter: the workflow map of ${tasks.length} task(s) cannot be identified (${listed}${more}): ` +
    "the instance title names none of the configured maps, but the step exists in one of them"
  );
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
    unidentifiedMaps: def.unidentifiedMaps === "emit" ? "emit" : "hold",
    callbackHeader:
      (def.callbackHeader ?? "").trim() || (callbackAuth === "hmac" ? DEFAULTS.hmacHeader : DEFAULTS.secretHeader),
  };
}
