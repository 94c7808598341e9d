import type { Request, Response } from "express";
import type { ContentServerClient } from "../content-server";
import { isNotAssigned, type WorkflowTask } from "../content-server/workflows";
import {
  CALLBACK_NONCE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  parseCallbackIds,
  readRawBody,
  verifyCallback,
} from "./callback-auth";
import { WorkflowMapResolver } from "./maps";
import { WorkflowTaskPoller, type UnidentifiedTask } from "./poller";
import { taskKey, WorkflowTaskTracker, type TaskTrackerOptions } from "./task-tracker";
import type { TriggerOptions } from "./trigger-options";

const MAX_CALLBACK_BODY_BYTES = 64 * 1024;
/** Tasks named in the once-per-poll warning about unidentified maps. */
const UNIDENTIFIED_LISTED = 5;

/** How the trigger stands after a poll or a callback. */
export interface TriggerState {
  /** What made the last poll (or callback read) fail; gone after the next good one. */
  error?: unknown;
  /** Tasks of the last poll whose map the filter could not identify. */
  unidentified: number;
  /** Tasks emitted and still assigned. */
  inFlight: number;
}

export interface TriggerEvents {
  emit(task: WorkflowTask, attempt: number): void;
  warn(message: string): void;
  state(state: TriggerState): void;
}

export interface TriggerSetup {
  client: ContentServerClient;
  options: TriggerOptions;
  /** Where the durable task record lives; the limits come from the options. */
  tracker: Pick<TaskTrackerOptions, "store" | "name" | "file" | "onWarning" | "groupCommitMs">;
  /** The callback secret (shared secret or HMAC key), read when a callback arrives. */
  secret: () => string;
  events: TriggerEvents;
}

/**
 * The workflow trigger: polls the integration user's assignments (or takes signed callbacks that name a task) and
 * emits each task once, through the durable task tracker. The same warning is given once until something changes.
 * Knows nothing of Node-RED.
 */
export class WorkflowTrigger {
  private readonly tracker: WorkflowTaskTracker;
  private readonly poller: WorkflowTaskPoller;
  private lastWarning = "";
  private taskFailed = false;
  private unidentified = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly setup: TriggerSetup) {
    const { client, options, events } = setup;
    this.tracker = new WorkflowTaskTracker({
      ...setup.tracker,
      reemitAfterMs: options.reemitAfterMs,
      maxInFlight: options.maxInFlight,
      maxEmissions: options.maxEmissions,
    });
    this.poller = new WorkflowTaskPoller({
      client,
      resolver: new WorkflowMapResolver(client, { folderId: options.mapFolderId }),
      tracker: this.tracker,
      filter: { maps: options.maps, steps: options.steps, emitUnidentified: options.unidentifiedMaps === "emit" },
      downloadDir: options.downloadDir,
      emit: ({ task, attempt }) => events.emit(task, attempt),
      onTaskError: (err, task) => {
        this.taskFailed = true;
        this.warnOnce(`${taskKey(task)}: ${(err as Error).message}`);
      },
      onUnidentified: (tasks) => {
        this.unidentified = tasks.length;
        if (tasks.length) events.warn(unidentifiedWarning(tasks));
      },
    });
  }

  /** Poll mode: the first poll at once, the next one an interval after each. Callback mode: ready for callbacks. */
  start(): void {
    if (this.setup.options.mode === "poll") this.schedule(0);
    else this.report();
  }

  /** The callback route's handler (one function for the trigger's life, so that exactly this route can go). */
  readonly callback = (req: Request, res: Response): void => {
    this.handleCallback(req, res).catch((err: Error) => {
      if (!res.headersSent) res.status(500).json({ error: "callback failed" });
      this.warnOnce(err.message);
    });
  };

  /** Stops polling, waits for a poll under way, then closes the task record. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.tracker.close();
  }

  private report(error?: unknown): void {
    this.setup.events.state({ error, unidentified: this.unidentified, inFlight: this.tracker.inFlight });
  }

  private warnOnce(message: string): void {
    if (message !== this.lastWarning) this.setup.events.warn(message);
    this.lastWarning = message;
  }

  private async pollOnce(): Promise<void> {
    try {
      this.taskFailed = false;
      await this.poller.poll(() => this.stopped);
      if (!this.taskFailed) this.lastWarning = "";
      if (!this.stopped) this.report();
    } catch (err) {
      this.warnOnce((err as Error).message);
      if (!this.stopped) this.report(err);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce().then(() => this.schedule(this.setup.options.pollIntervalMs));
    }, delayMs);
  }

  /**
   * A signed, fresh callback with a nonce never seen before (the nonces are kept durably beside the task record, so
   * a replay is refused after a restart too) names a task; the task is read as the assignee and recorded like a
   * polled one, so a repeated callback does not emit it twice.
   */
  private async handleCallback(req: Request, res: Response): Promise<void> {
    const { options, events } = this.setup;
    const raw = await readRawBody(req, MAX_CALLBACK_BODY_BYTES);
    if (raw === undefined) {
      res.status(413).json({ error: "payload too large" });
      return;
    }
    const verdict = verifyCallback(
      { mode: options.callbackAuth, secret: this.setup.secret() },
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
    if (verdict.nonce !== undefined && !(await this.tracker.acceptNonce(verdict.nonce))) {
      res.status(401).json({ error: "replayed" });
      return;
    }
    res.status(202).json({ accepted: true, processId: ids.processId, taskId: ids.taskId });
    let task: WorkflowTask;
    try {
      task = await this.poller.read({ ...ids, stepName: "" });
    } catch (err) {
      if (isNotAssigned(err)) await this.tracker.finished(ids);
      this.warnOnce(`${taskKey(ids)}: ${(err as Error).message}`);
      this.report(err);
      return;
    }
    const match = await this.poller.match(task);
    if (this.stopped || match?.verdict === "other") return;
    if (match?.verdict === "unknown") {
      events.warn(unidentifiedWarning([{ ref: ids, stepName: task.stepName, title: match.title }]));
      if (options.unidentifiedMaps !== "emit") return;
    }
    const due = await this.tracker.callback({ ...ids, stepName: task.stepName, mapId: match?.mapId ?? task.mapId });
    if (!due) return;
    events.emit(task, due.attempt);
    this.report();
  }
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
