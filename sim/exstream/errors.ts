import { STATUS_CODES } from "node:http";

/** An HTTP failure the simulator answers with the Exstream error envelope (docs/api-evidence.md, "Conventions read from every answer"). */
export class SimHttpError extends Error {
  override name = "SimHttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode: number = status,
    readonly details: string = "",
  ) {
    super(message);
  }
}

/** DAS uses this code for "resource not in DRAFT" conflicts (seen in OpenText's SDK error handling). */
export const CONFLICT_ERROR_CODE = 309016;

export interface ErrorEnvelope {
  timestamp: number;
  status: number;
  error: string;
  message: string;
  details: string;
  errorCode: number;
  path: string;
}

export function errorEnvelope(
  status: number,
  message: string,
  path: string,
  now: number,
  errorCode = status,
  details = "",
): ErrorEnvelope {
  return { timestamp: now, status, error: STATUS_CODES[status] ?? "Error", message, details, errorCode, path };
}

export const badRequest = (message: string, details = "") => new SimHttpError(400, message, 400, details);
export const notFound = (message: string) => new SimHttpError(404, message);
export const conflict = (message: string) => new SimHttpError(409, message, CONFLICT_ERROR_CODE);
