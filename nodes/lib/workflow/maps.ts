import { cachedPromise } from "../cached-promise";
import { ContentServerError } from "../content-server/errors";
import { findWorkflowMapByName, type WorkflowClient } from "../content-server/workflows";

export interface WorkflowMapRef {
  id: number;
  name?: string;
}

/**
 * Resolves workflow maps given by id or by NAME (never hard-coded ids) and remembers the answers for its lifetime:
 * a map's id does not change while a flow runs. Failed lookups are not remembered, so a map created later is found.
 */
export class WorkflowMapResolver {
  private readonly byName = new Map<string, Promise<WorkflowMapRef>>();
  private readonly names = new Map<number, Promise<string | undefined>>();

  constructor(
    private readonly client: Pick<WorkflowClient, "nodes" | "search">,
    private readonly options: { folderId?: number } = {},
  ) {}

  /** A positive integer (or its digits) is an id; anything else is a map name. */
  async resolve(ref: string | number): Promise<WorkflowMapRef> {
    const text = String(ref).trim();
    if (/^\d+$/.test(text) && Number(text) > 0)
      return { id: Number(text), name: await this.nameOf(Number(text)).catch(() => undefined) };
    return this.findByName(text);
  }

  /** The map of exactly this name (case-insensitive as a fallback), also when the name is all digits. */
  async findByName(name: string): Promise<WorkflowMapRef> {
    const text = name.trim();
    if (!text) throw notFound("(empty)");
    const key = text.toLowerCase();
    return cachedPromise(this.byName, key, () =>
      findWorkflowMapByName(this.client, text, this.options).then((node) => {
        if (!node) throw notFound(text);
        this.names.set(node.id, Promise.resolve(node.name));
        return { id: node.id, name: node.name };
      }),
    );
  }

  /** The map's name (undefined when CS does not give it, e.g. no permission). */
  async nameOf(id: number): Promise<string | undefined> {
    return cachedPromise(this.names, id, () => this.client.nodes.findNode(id).then((node) => node?.name));
  }
}

function notFound(name: string): ContentServerError {
  return new ContentServerError({
    operation: "findWorkflowMap",
    code: "NOT_FOUND",
    message: `findWorkflowMap: workflow map "${name}" not found`,
  });
}

/** Splits a configured list ("Letter Generation, 2502" or one per line) into its entries. */
export function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\n,;]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
