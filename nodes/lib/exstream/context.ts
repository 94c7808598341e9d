import type { Transport } from "./http";

/** What every API area needs: the transport and where the services live. */
export interface ExstreamContext {
  transport: Transport;
  /** e.g. `https://host/orchestration/api/v1` */
  orchestrationUrl: string;
  /** e.g. `https://host/design/api/v1` */
  designUrl: string;
  /** Default domain. */
  domain: string;
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
