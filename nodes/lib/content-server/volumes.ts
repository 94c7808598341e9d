import { toCsNode, v2Properties } from "./envelopes";
import { ContentServerError } from "./errors";
import type { Transport } from "./http";
import type { NodesApi } from "./nodes";
import type { SearchApi } from "./search";
import type { CsNode } from "./types";

/** Volume subtypes the clients look into (pyxecm's VOLUME_TYPE_* constants). */
export const VolumeType = { Enterprise: 141, Categories: 133, Classifications: 198 } as const;

/** Folders inside a volume are shallow in practice; this bounds a walk through an unexpectedly deep tree. */
const MAX_VOLUME_DEPTH = 6;

/** What to look for in a volume: items of `types`, looking into children of `containerTypes`. */
export interface VolumeLookup {
  volumeType: number;
  name: string;
  types: readonly number[];
  containerTypes: readonly number[];
}

/**
 * Volumes by subtype (`GET api/v2/volumes/{type}`, pyxecm get_volume) and named items inside them. Installations
 * that do not serve the volumes route (it answers 400 or 5xx) are searched instead (LQL on OTSubType and OTName).
 */
export class VolumesApi {
  constructor(
    private readonly transport: Transport,
    private readonly nodes: NodesApi,
    private readonly search: SearchApi,
  ) {}

  /** The root node of a volume by its subtype (141 Enterprise, 133 Categories, 198 Classifications, …). */
  async getVolume(type: number): Promise<CsNode> {
    const response = await this.transport.json({
      operation: "getVolume",
      method: "GET",
      path: `api/v2/volumes/${type}`,
      query: { fields: "properties" },
    });
    return toCsNode(v2Properties(response.data, "getVolume"));
  }

  /**
   * The item named `name` (exact, else ignoring case) of one of `types`: walked through the volume's tree, or
   * searched for when the volume route is refused or the walk finds nothing. Undefined when there is none.
   */
  async findByName(lookup: VolumeLookup): Promise<CsNode | undefined> {
    let volume: CsNode | undefined;
    try {
      volume = await this.getVolume(lookup.volumeType);
    } catch (err) {
      if (!(err instanceof ContentServerError) || err.code === "AUTH") throw err;
      // no volumes route on this installation: search below
    }
    if (volume) {
      const found = await this.walk(volume.id, lookup, 0);
      if (found) return found;
    }
    return this.searchByName(lookup);
  }

  private async walk(containerId: number, lookup: VolumeLookup, depth: number): Promise<CsNode | undefined> {
    const wanted = lookup.name.toLowerCase();
    const containers: number[] = [];
    let caseInsensitive: CsNode | undefined;
    for await (const child of this.nodes.iterateChildren(containerId, {
      whereType: [...new Set([...lookup.types, ...lookup.containerTypes])],
    })) {
      if (lookup.types.includes(child.type)) {
        if (child.name === lookup.name) return child;
        if (!caseInsensitive && child.name.toLowerCase() === wanted) caseInsensitive = child;
      }
      if (lookup.containerTypes.includes(child.type)) containers.push(child.id);
    }
    if (caseInsensitive || depth >= MAX_VOLUME_DEPTH) return caseInsensitive;
    for (const id of containers) {
      const found = await this.walk(id, lookup, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  private async searchByName(lookup: VolumeLookup): Promise<CsNode | undefined> {
    const subtypes = lookup.types.map((type) => `OTSubType: ${type}`).join(" or ");
    const hits = await this.search.search({
      where: `(${subtypes}) and OTName: "${lookup.name.replace(/"/g, "")}"`,
    });
    const candidates = hits.items.filter((hit) => lookup.types.includes(hit.type));
    return (
      candidates.find((hit) => hit.name === lookup.name) ??
      candidates.find((hit) => hit.name.toLowerCase() === lookup.name.toLowerCase())
    );
  }
}
