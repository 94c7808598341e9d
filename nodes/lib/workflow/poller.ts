import { assignmentMapId, readWorkflowTask, statusMapId } from "../content-server/workflows";
import type { WorkflowClient, WorkflowTask } from "../content-server/workflows";
import type { WorkflowAssignment } from "../content-server/types";
import type { WorkflowMapResolver } from "./maps";
import type { TrackedTask, WorkflowTaskTracker } from "./task-tracker";

/** Which tasks a trigger serves: maps by id or name (resolved at run time) and step names; empty = all. */
export interface TaskFilter {
  maps: string[];
  steps: string[];
}

export interface EmittedTask {
  task: WorkflowTask;
  /** 1 first time, 2+ when emitted again (timeout or restart). */
  attempt: number;
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
}

/** One poll of the integration user's assignments: filter, reconcile with the durable record, read and emit. */
export class WorkflowTaskPoller {
  /** process id → map id, for assignments that do not name their map (asked once per process). */
  private readonly processMaps = new Map<number, number | undefined>();

  constructor(private readonly options: PollerOptions) {}

  /** Runs one poll; returns how many tasks were emitted. Rejects (recording nothing) when CS cannot be read. */
  async poll(isStopped: () => boolean = () => false): Promise<number> {
    const { client, tracker } = this.options;
    const wantedMaps = await this.wantedMapIds();
    const assignments = await client.workflows.listMyAssignments();
    const assigned: TrackedTask[] = [];
    for (const assignment of assignments) {
      if (!this.stepMatches(assignment.name)) continue;
      const mapId = await this.mapIdOf(assignment, wantedMaps !== undefined);
      if (wantedMaps && (mapId === undefined || !wantedMaps.has(mapId))) continue;
      assigned.push({
        processId: assignment.processId,
        subprocessId: assignment.subprocessId,
        taskId: assignment.taskId,
        stepName: assignment.name,
        mapId,
        dueDate: assignment.dueDate,
      });
    }
    if (isStopped()) return 0;
    tracker.reconcile(assigned);
    let emitted = 0;
    for (const due of tracker.due()) {
      if (isStopped()) break;
      let task: WorkflowTask;
      try {
        task = await this.read(due.task);
      } catch (err) {
        this.options.onTaskError?.(err, due.task);
        continue;
      }
      if (isStopped()) break;
      const attempt = tracker.emitted(due.id);
      this.options.emit({ task, attempt });
      emitted++;
    }
    return emitted;
  }

  /** Reads a task's details (form, attributes by name, attachments, optional content) like a poll does. */
  async read(task: TrackedTask): Promise<WorkflowTask> {
    const { client, resolver } = this.options;
    const mapId = task.mapId ?? (await this.mapIdOfProcess(task.processId));
    const mapName = mapId !== undefined ? await resolver.nameOf(mapId).catch(() => undefined) : undefined;
    return readWorkflowTask(client, task, {
      stepName: task.stepName || undefined,
      mapId,
      mapName,
      dueDate: task.dueDate,
      downloadDir: this.options.downloadDir,
    });
  }

  /** Whether a task read from a callback passes the filter. */
  matches(task: WorkflowTask, wantedMaps: Set<number> | undefined): boolean {
    if (!this.stepMatches(task.stepName)) return false;
    return !wantedMaps || (task.mapId !== undefined && wantedMaps.has(task.mapId));
  }

  /** The filter's maps as ids (undefined = no map filter); a name that cannot be resolved rejects. */
  async wantedMapIds(): Promise<Set<number> | undefined> {
    if (!this.options.filter.maps.length) return undefined;
    const refs = await Promise.all(this.options.filter.maps.map((m) => this.options.resolver.resolve(m)));
    return new Set(refs.map((r) => r.id));
  }

  private stepMatches(name: string): boolean {
    const steps = this.options.filter.steps;
    return !steps.length || steps.some((s) => s.toLowerCase() === name.trim().toLowerCase());
  }

  private async mapIdOf(assignment: WorkflowAssignment, needed: boolean): Promise<number | undefined> {
    const direct = assignmentMapId(assignment);
    if (direct !== undefined || !needed) return direct;
    return this.mapIdOfProcess(assignment.processId);
  }

  private async mapIdOfProcess(processId: number): Promise<number | undefined> {
    if (this.processMaps.has(processId)) return this.processMaps.get(processId);
    const mapId = statusMapId(await this.options.client.workflows.getProcessStatus(processId));
    if (this.processMaps.size > 10_000) this.processMaps.clear();
    this.processMaps.set(processId, mapId);
    return mapId;
  }
}
