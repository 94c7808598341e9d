import type { NodeAPI } from "node-red";
import type { Request, Response } from "express";

export type AdminHandler = (req: Request) => Promise<unknown>;

/**
 * Registers an editor-side helper endpoint (test connection, live lookups) under the admin root, guarded by
 * Node-RED's permission check so that with `adminAuth` set, a caller without the permission gets 401.
 * Errors answer with the error's message only: clients never put secrets into their messages.
 */
export function registerAdminEndpoint(
  RED: NodeAPI,
  method: "get" | "post",
  path: string,
  permission: string,
  handler: AdminHandler,
): void {
  RED.httpAdmin[method](path, RED.auth.needsPermission(permission), async (req: Request, res: Response) => {
    try {
      res.json(await handler(req));
    } catch (err) {
      const error = err as Error & { status?: number };
      res.status(error.status && error.status >= 400 && error.status < 600 ? 502 : 500).json({
        error: error.name ?? "Error",
        message: error.message,
      });
    }
  });
}
