import type { CommunicationBinding } from "../exstream";
import type { OnDemandTarget } from "./runs";

/** How long a communication name → id/driver resolution is reused. */
export const RESOLUTION_TTL_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A communication named by its id (a UUID) rather than by its name. */
export function isCommunicationId(communication: string): boolean {
  return UUID.test(communication);
}

/** Where an on-demand call goes, and the communication's name for msg.exstream. */
export interface ResolvedTarget extends OnDemandTarget {
  communicationName: string;
}

/** The communications an on-demand node has looked up, each reused for `ttlMs` after its lookup. */
export class CommunicationBindings {
  private readonly resolved = new Map<string, { binding: CommunicationBinding; at: number }>();

  constructor(
    private readonly resolve: (communication: string) => Promise<CommunicationBinding>,
    private readonly ttlMs = RESOLUTION_TTL_MS,
  ) {}

  /** An id with a given driver data source is used as it is; a name, or an id without one, is looked up. */
  async targetFor(communication: string, driverDataSource?: string): Promise<ResolvedTarget> {
    const { communicationId, communicationName, ...binding } =
      isCommunicationId(communication) && driverDataSource
        ? { communicationId: communication, communicationName: communication, driverDataSource: "" }
        : await this.bindingFor(communication);
    return { communicationId, communicationName, driverDataSource: driverDataSource || binding.driverDataSource };
  }

  /** Looked up again next time (after a failed call: the design may have changed). */
  forget(communication: string): void {
    this.resolved.delete(communication);
  }

  clear(): void {
    this.resolved.clear();
  }

  private async bindingFor(communication: string): Promise<CommunicationBinding> {
    const cached = this.resolved.get(communication);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.binding;
    const binding = await this.resolve(communication);
    this.resolved.set(communication, { binding, at: Date.now() });
    return binding;
  }
}
