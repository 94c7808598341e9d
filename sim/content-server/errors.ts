/** An error answered as CS does: `{"error": message}` with CS's (often surprising) status code. */
export class CsError extends Error {
  override name = "CsError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): CsError {
  return new CsError(400, message);
}

export function serverError(message: string): CsError {
  return new CsError(500, message);
}

export const AUTH_REQUIRED = "Authentication Required";
