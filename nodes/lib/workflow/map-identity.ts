import { formAttributesByName } from "../content-server/workflows";
import type { WorkflowClient } from "../content-server/workflows";
import type { TaskRef, WorkflowMapDefinition, WorkflowStatus } from "../content-server/types";
import type { WorkflowMapResolver } from "./maps";

/**
 * Which map a task belongs to. No response names it: assignments carry process, subprocess and task ids, the
 * process status `wf_details.wf_name` — the instance title, which CS sets to the map's name unless the initiator
 * changed it. So:
 *  1. a title equal to a wanted map's name identifies that map;
 *  2. otherwise the wanted maps' definitions (steps: task id and title) tell whether the task can belong to one of
 *     them at all — no wanted map has the step: another map;
 *  3. a wanted map has the step: the task form's workflow attributes (names) are compared with that map's attribute
 *     definitions — a wanted map with the step and the same attributes identifies it (a renamed instance);
 *  4. anything else cannot be decided ("unknown").
 * A process keeps its map, so the answer is remembered per process.
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

interface StepRef extends TaskRef {
  stepName: string;
}

/** Bound of the per-process memories. */
const PROCESS_MEMORY_LIMIT = 10_000;

export class MapIdentifier {
  private readonly statuses = new Map<number, Promise<Pick<WorkflowStatus, "name" | "dateInitiated">>>();
  private readonly verdicts = new Map<number, MapMatch>();
  private definitions = new Map<number, Promise<WorkflowMapDefinition | undefined>>();

  constructor(
    private readonly client: Pick<WorkflowClient, "workflows">,
    private readonly resolver: WorkflowMapResolver,
  ) {}

  /** Map definitions are read again each cycle (a map may gain steps while the flow runs). */
  startCycle(): void {
    this.definitions = new Map();
  }

  /** Decides a task against the wanted maps (id → name); decided answers are remembered per process. */
  async match(task: StepRef, wanted: Map<number, string | undefined>): Promise<MapMatch> {
    const known = this.verdicts.get(task.processId);
    if (known && known.verdict !== "unknown") return known;
    const match = await this.decide(task, wanted);
    if (this.verdicts.size >= PROCESS_MEMORY_LIMIT) this.verdicts.clear();
    this.verdicts.set(task.processId, match);
    return match;
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

  private async decide(task: StepRef, wanted: Map<number, string | undefined>): Promise<MapMatch> {
    const title = await this.statusOf(task.processId).then(
      (s) => s.name,
      () => undefined,
    );
    const named = title === undefined ? undefined : [...wanted].find(([, name]) => sameName(name, title));
    if (named) return { verdict: "wanted", mapId: named[0], title };
    const candidates: WorkflowMapDefinition[] = [];
    for (const mapId of wanted.keys()) {
      const definition = await this.definitionOf(mapId);
      if (!definition) return { verdict: "unknown", title };
      if (definition.steps.some((s) => s.id === task.taskId && sameName(s.name, task.stepName))) {
        candidates.push(definition);
      }
    }
    if (!candidates.length) return { verdict: "other", title };
    const attributes = await this.client.workflows.getTaskForm(task).then(
      (form) => Object.keys(formAttributesByName(form)),
      () => undefined,
    );
    const same = attributes
      ? candidates.filter((d) =>
          sameNames(
            d.attributes.map((a) => a.name),
            attributes,
          ),
        )
      : [];
    if (!same.length) return { verdict: "unknown", title };
    // several wanted maps alike: the task is wanted either way, only its map id stays open
    return { verdict: "wanted", mapId: same.length === 1 ? same[0].mapId : undefined, title };
  }

  /** Title and start of an instance; asked once per process (neither changes while the flow handles it). */
  private statusOf(processId: number): Promise<Pick<WorkflowStatus, "name" | "dateInitiated">> {
    let pending = this.statuses.get(processId);
    if (!pending) {
      if (this.statuses.size >= PROCESS_MEMORY_LIMIT) this.statuses.clear();
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

function sameNames(a: string[], b: string[]): boolean {
  const normalize = (names: string[]) => [...new Set(names.map((n) => n.trim().toLowerCase()))].sort().join("\n");
  return normalize(a) === normalize(b);
}
