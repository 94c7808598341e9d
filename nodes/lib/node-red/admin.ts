import type { NodeAPI } from "node-red";
import type { NextFunction, Request, Response } from "express";

export type AdminHandler = (req: Request) => Promise<unknown>;

/** A request the endpoint refuses before anything is sent anywhere; its message is ours and safe to show. */
export class RefusedRequest extends Error {
  override name = "RefusedRequest";
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

interface AdminEndpointOptions {
  /**
   * Answer a failed call to a remote server with its operation and HTTP status (or network code) only, never with
   * the server's own text: an endpoint that reaches a URL from the request must not become a way to read it.
   */
  summariseRemoteErrors?: boolean;
}

/**
 * Registers an editor-side helper endpoint (test connection, live lookups) under the admin root, guarded by
 * Node-RED's permission check so that with `adminAuth` set, a caller without the permission gets 401.
 * POST endpoints take JSON only: a cross-site HTML form can send a form-encoded or text body but not JSON (that
 * needs a CORS preflight), so a web page cannot make the editor's browser call them.
 * Errors answer with the error's message only: clients never put secrets into their messages.
 */
export function registerAdminEndpoint(
  RED: NodeAPI,
  method: "get" | "post",
  path: string,
  permission: string,
  handler: AdminHandler,
  options: AdminEndpointOptions = {},
): void {
  const guards = [RED.auth.needsPermission(permission), ...(method === "post" ? [requireJsonBody] : [])];
  RED.httpAdmin[method](path, ...guards, async (req: Request, res: Response) => {
    try {
      res.json(await handler(req));
    } catch (err) {
      const { status, body } = failureAnswer(err, options);
      res.status(status).json(body);
    }
  });
}

/**
 * The "test connection" endpoint of a connection config node: POST `/<type>/test-connection`, JSON only, guarded by
 * `<type>.write`; a failed connection answers with the operation and HTTP status only (it may reach any URL).
 */
export function registerTestConnectionEndpoint(RED: NodeAPI, type: string, handler: AdminHandler): void {
  registerAdminEndpoint(RED, "post", `/${type}/test-connection`, `${type}.write`, handler, {
    summariseRemoteErrors: true,
  });
}

function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (req.is("application/json")) return next();
  res.status(415).json({ error: "UnsupportedMediaType", message: "send the request body as application/json" });
}

interface RemoteFailure {
  name?: string;
  message: string;
  /** What the client was doing ("login", "token", …): set by both protocol clients' errors. */
  operation?: string;
  /** The HTTP status of the server's answer, when one came. */
  status?: number;
}

const STATUS_HINTS: Record<number, string> = {
  401: "the server refused the credentials",
  403: "the server refused the credentials",
  404: "nothing found there: check the URL and its base path",
};

function failureAnswer(err: unknown, options: AdminEndpointOptions): { status: number; body: object } {
  if (err instanceof RefusedRequest) {
    return { status: err.httpStatus, body: { error: err.name, message: err.message } };
  }
  const error = err as RemoteFailure;
  const name = error.name ?? "Error";
  if (typeof error.status !== "number") return { status: 500, body: { error: name, message: error.message } };
  if (options.summariseRemoteErrors) {
    // The server answered: say what we asked and what status came back, nothing of what it said.
    const what = `${error.operation ?? "request"}: HTTP ${error.status}`;
    const hint = STATUS_HINTS[error.status];
    return { status: 502, body: { error: name, message: hint ? `${what} — ${hint}` : what } };
  }
  const remote = error.status >= 400 && error.status < 600;
  return { status: remote ? 502 : 500, body: { error: name, message: error.message } };
}
