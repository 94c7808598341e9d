import { readWorkflowTask } from "../content-server/workflows";
import type { WorkflowClient, WorkflowTask } from "../content-server/workflows";
import type { TaskRef } from "../content-server/types";
import { MapIdentifier, type MapMatch } from "./map-identity";
import type { WorkflowMapResolver } from "./maps";
import type { TrackedTask, WorkflowTaskTracker } from "./task-tracker";

/** Which tasks a trigger serves: maps by id or name (resolved at run time) and step names; empty = all. */
export interface TaskFilter {
  maps: string[];
  steps: string[];
  /** A task whose map cannot be identified is emitted (true) or held with a warning (false, default). */
  emitUnidentified?: boolean;
}

export interface EmittedTask {
  task: WorkflowTask;
  /** 1 first time, 2+ when emitted again (timeout or restart). */
  attempt: number;
}

/** A task the map filter could not decide on (held, or emitted when so configured). */
export interface UnidentifiedTask {
  ref: Required<TaskRef>;
  stepName: string;
  title?: string;
}

export interface PollerOptions {
  client: WorkflowClient;
  resolver: WorkflowMapResolver;
  tracker: WorkflowTaskTracker;
  filter: TaskFilter;
  /** Stream attachment content into this folder (none = ids and names only). */
  downloadDir?: string;
  emit: (emitted: EmittedTask) => void;
  /** A task that could not be read; it stays recorded and is tried again on the next poll. */
  onTaskError?: (err: unknown, task: TrackedTask) => void;
  /** Once per poll: the tasks whose map could not be identified (empty when all could). */
  onUnidentified?: (tasks: UnidentifiedTask[]) => void;
}

/** One poll of the integration user's assignments: filter, reconcile with the durable record, read and emit. */
export class WorkflowTaskPoller {
  private readonly maps: MapIdentifier;

  constructor(private readonly options: PollerOptions) {
    this.maps = new MapIdentifier(options.client, options.resolver);
  }

  /** Runs one poll; returns how many tasks were emitted. Rejects (recording nothing) when CS cannot be read. */
  async poll(isStopped: () => boolean = () => false): Promise<number> {
    const { client, tracker } = this.options;
    const wanted = await this.wantedMaps();
    const assignments = await client.workflows.listMyAssignments();
    const assigned: TrackedTask[] = [];
    const unidentified: UnidentifiedTask[] = [];
    this.maps.startCycle();
    for (const assignment of assignments) {
      if (!this.stepMatches(assignment.name)) continue;
      const ref = { ...assignment, stepName: assignment.name };
      const match = wanted ? await this.maps.match(ref, wanted) : undefined;
      if (match?.verdict === "other") continue;
      if (match?.verdict === "unknown") {
        unidentified.push({ ref: refOf(assignment), stepName: assignment.name, title: match.title });
        if (!this.options.filter.emitUnidentified) continue;
      }
      assigned.push({
        processId: assignment.processId,
        subprocessId: assignment.subprocessId,
        taskId: assignment.taskId,
        stepName: assignment.name,
        mapId: match?.mapId,
        dueDate: assignment.dueDate,
      });
    }
    if (isStopped()) return 0;
    this.options.onUnidentified?.(unidentified);
    await tracker.reconcile(assigned);
    let emitted = 0;
    // Claimed ones left when stopping are given back when the tracker closes.
    for (const due of await tracker.due()) {
      if (isStopped()) break;
      let task: WorkflowTask;
      try {
        task = await this.read(due.task);
      } catch (err) {
        await tracker.notEmitted(due.id, (err as Error).message);
        this.options.onTaskError?.(err, due.task);
        continue;
      }
      if (isStopped()) break;
      this.options.emit({ task, attempt: due.attempt });
      emitted++;
    }
    return emitted;
  }

  /** Reads a task's details (form, attributes by name, attachments, optional content) like a poll does. */
  async read(task: TrackedTask): Promise<WorkflowTask> {
    // The map's identity (process status) and the form are independent: read at the same time.
    const [identity, form] = await Promise.all([
      this.maps.identify(task.processId, task.mapId),
      this.options.client.workflows.getTaskForm(task),
    ]);
    return readWorkflowTask(this.options.client, task, {
      form,
      stepName: task.stepName || undefined,
      mapId: identity.mapId,
      mapName: identity.mapName,
      title: identity.title,
      startedAt: identity.startedAt,
      dueDate: task.dueDate,
      downloadDir: this.options.downloadDir,
    });
  }

  /** Whether a task read outside a poll (a callback) passes the filter, and what its map is. */
  async match(task: WorkflowTask): Promise<MapMatch | undefined> {
    if (!this.stepMatches(task.stepName)) return { verdict: "other", title: task.title };
    const wanted = await this.wantedMaps();
    if (!wanted) return undefined;
    this.maps.startCycle();
    return this.maps.match({ ...task, stepName: task.stepName }, wanted);
  }

  /** The filter's maps by id with their names (undefined = no map filter); a name that cannot be resolved rejects. */
  async wantedMaps(): Promise<Map<number, string | undefined> | undefined> {
    if (!this.options.filter.maps.length) return undefined;
    const refs = await Promise.all(this.options.filter.maps.map((m) => this.options.resolver.resolve(m)));
    return new Map(refs.map((r) => [r.id, r.name]));
  }

  private stepMatches(name: string): boolean {
    const steps = this.options.filter.steps;
    return !steps.length || steps.some((s) => s.toLowerCase() === name.trim().toLowerCase());
  }
}

function refOf(task: TaskRef): Required<TaskRef> {
  return { processId: task.processId, subprocessId: task.subprocessId ?? task.processId, taskId: task.taskId };
}
