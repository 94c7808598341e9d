import type { Transport } from "./http";
import type { RuntimeFilterStyle } from "./types";

/** Which runtime filter syntax is sent: the configured one, or under "auto" the one the server last accepted. */
export interface FilterStyleState {
  configured: RuntimeFilterStyle;
  active: Exclude<RuntimeFilterStyle, "auto">;
}

/** What every API area needs: the transport and where the services live. */
export interface ExstreamContext {
  transport: Transport;
  /** e.g. `https://host/orchestration/api/v1` */
  orchestrationUrl: string;
  /** e.g. `https://host/design/api/v1` */
  designUrl: string;
  /** Default domain. */
  domain: string;
  filterStyle: FilterStyleState;
  /** Batch input path below the orchestration URL; `{domain}` and `{channel}` are replaced (encoded). */
  batchInputPath: string;
}

/** One path segment, encoded. */
export const seg = (value: string): string => encodeURIComponent(value);

/** Unwraps Exstream's `{status, data}` envelope; bodies without one are returned as they are. */
export function unwrap<T>(body: unknown): T {
  if (body && typeof body === "object" && !Array.isArray(body) && "data" in body) {
    return (body as { data: T }).data;
  }
  return body as T;
}
