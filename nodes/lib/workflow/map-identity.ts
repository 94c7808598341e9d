import type { WorkflowClient } from "../content-server/workflows";
import type { WorkflowMapDefinition, WorkflowStatus } from "../content-server/types";
import type { WorkflowMapResolver } from "./maps";

/**
 * Which map a task belongs to. No response names it: assignments carry process, subprocess and task ids, the
 * process status `wf_details.wf_name` — the instance title, which CS sets to the map's name unless the initiator
 * changed it. So the title identifies the map; when it names none of the wanted maps, the wanted maps' definitions
 * (their steps: task id and title) tell whether the task can belong to one of them at all.
 */
export type MapVerdict = "wanted" | "other" | "unknown";

export interface MapMatch {
  verdict: MapVerdict;
  mapId?: number;
  /** The instance title (`wf_name`). */
  title?: string;
}

export interface MapIdentity {
  mapId?: number;
  mapName?: string;
  title?: string;
  /** Status `date_initiated`. */
  startedAt?: string;
}

interface StepRef {
  processId: number;
  taskId: number;
  stepName: string;
}

/** Bound of the per-process status memory. */
const STATUS_MEMORY_LIMIT = 10_000;

export class MapIdentifier {
  private readonly statuses = new Map<number, Promise<Pick<WorkflowStatus, "name" | "dateInitiated">>>();
  private definitions = new Map<number, Promise<WorkflowMapDefinition | undefined>>();

  constructor(
    private readonly client: Pick<WorkflowClient, "workflows">,
    private readonly resolver: WorkflowMapResolver,
  ) {}

  /** Map definitions are read again each cycle (a map may gain steps while the flow runs). */
  startCycle(): void {
    this.definitions = new Map();
  }

  /** Decides a task against the wanted maps (id → name). */
  async match(task: StepRef, wanted: Map<number, string | undefined>): Promise<MapMatch> {
    const title = await this.statusOf(task.processId).then(
      (s) => s.name,
      () => undefined,
    );
    const named = title === undefined ? undefined : [...wanted].find(([, name]) => sameName(name, title));
    if (named) return { verdict: "wanted", mapId: named[0], title };
    for (const mapId of wanted.keys()) {
      const definition = await this.definitionOf(mapId);
      if (!definition) return { verdict: "unknown", title };
      if (definition.steps.some((s) => s.id === task.taskId && sameName(s.name, task.stepName))) {
        return { verdict: "unknown", title };
      }
    }
    return { verdict: "other", title };
  }

  /** The task's map as far as it can be told (known id, else a map named like the instance) and its title. */
  async identify(processId: number, knownMapId?: number): Promise<MapIdentity> {
    const status = await this.statusOf(processId).catch(() => undefined);
    const known = { title: status?.name, startedAt: status?.dateInitiated };
    if (knownMapId !== undefined) {
      return { ...known, mapId: knownMapId, mapName: await this.resolver.nameOf(knownMapId).catch(() => undefined) };
    }
    const map = known.title ? await this.resolver.findByName(known.title).catch(() => undefined) : undefined;
    return { ...known, mapId: map?.id, mapName: map?.name };
  }

  /** Title and start of an instance; asked once per process (neither changes while the flow handles it). */
  private statusOf(processId: number): Promise<Pick<WorkflowStatus, "name" | "dateInitiated">> {
    let pending = this.statuses.get(processId);
    if (!pending) {
      if (this.statuses.size >= STATUS_MEMORY_LIMIT) this.statuses.clear();
      pending = this.client.workflows
        .getProcessStatus(processId)
        .then(({ name, dateInitiated }) => ({ name, dateInitiated }));
      this.statuses.set(processId, pending);
      pending.catch(() => this.statuses.delete(processId));
    }
    return pending;
  }

  private definitionOf(mapId: number): Promise<WorkflowMapDefinition | undefined> {
    let pending = this.definitions.get(mapId);
    if (!pending) {
      pending = this.client.workflows.getMapDefinition(mapId).catch(() => undefined);
      this.definitions.set(mapId, pending);
    }
    return pending;
  }
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}
