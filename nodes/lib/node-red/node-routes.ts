import type { NodeAPI } from "node-red";
import type { Request, Response } from "express";

interface RouteLayer {
  route?: { path: string; stack: Array<{ handle: unknown }> };
}

/**
 * Adds a POST route to Node-RED's HTTP server for flows (`RED.httpNode`) and returns what removes it again. Express
 * keeps routes in its router stack; only the route holding this handler goes, so a user's HTTP In node on the same
 * path and method stays.
 */
export function addNodeRoute(
  RED: NodeAPI,
  routePath: string,
  handler: (req: Request, res: Response) => void,
): () => void {
  RED.httpNode.post(routePath, handler);
  return () => {
    const router = (RED.httpNode as unknown as { _router?: { stack: RouteLayer[] } })._router;
    if (!router) return;
    for (let i = router.stack.length - 1; i >= 0; i--) {
      const route = router.stack[i].route;
      if (route?.path === routePath && route.stack.some((layer) => layer.handle === handler)) {
        router.stack.splice(i, 1);
      }
    }
  };
}
