import type { IncomingMessage, ServerResponse } from "node:http";
import { handleBrowsePage } from "./browse-page";
import { emptyCounters, type SimContext } from "./context";
import type { FaultRule } from "./faults";
import {
  categoryFormShape,
  otdsDirectUse,
  searchShape,
  workflowAttachmentMode,
  type CategoryFormShape,
  type OtdsDirectUse,
  type SearchResultShape,
  type WorkflowAttachmentMode,
} from "./options";
import { sendJson } from "./responses";

const MAX_BODY_BYTES = 256 * 1024;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("control body too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  if (text.startsWith("{")) return JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = /^-?\d+(\.\d+)?$/.test(value)
      ? Number(value)
      : value === "true"
        ? true
        : value === "false"
          ? false
          : value;
  }
  return out;
}

/**
 * The simulator's own control API, outside `/api` (e.g. `/cs/cs/__sim/faults`), JSON or form bodies:
 *   GET|POST|DELETE __sim/faults, DELETE __sim/faults/{id},
 *   POST __sim/tickets/expire (`{"kind": "otcs"}` expires only Content Server tickets, OTDS ones stay valid),
 *   GET __sim/faults/{id}/held (`?wait=true` answers once a call is held), POST __sim/faults/{id}/release,
 *   GET|DELETE __sim/counters, GET|PUT __sim/settings,
 *   GET __sim/browse[/…]: the read-only HTML browse page (browse-page.ts).
 */
export async function handleControl(sim: SimContext, req: IncomingMessage, res: ServerResponse, subPath: string) {
  const route = subPath.replace(/^\/+|\/+$/g, "");
  const method = req.method ?? "GET";
  try {
    if ((route === "browse" || route.startsWith("browse/")) && (method === "GET" || method === "HEAD")) {
      return await handleBrowsePage(sim, req, res, route.slice("browse".length));
    }
    if (route === "faults" && method === "GET") return sendJson(res, 200, { faults: sim.faults.list() });
    if (route === "faults" && method === "POST") {
      return sendJson(res, 200, { fault: sim.faults.add((await readBody(req)) as FaultRule) });
    }
    if (route === "faults" && method === "DELETE") {
      sim.faults.clear();
      return sendJson(res, 200, { faults: [] });
    }
    const heldRoute = /^faults\/([^/]+)\/(held|release)$/.exec(route);
    if (heldRoute) {
      const id = decodeURIComponent(heldRoute[1]);
      if (heldRoute[2] === "release" && method === "POST") {
        return sendJson(res, 200, { released: sim.faults.releaseHeld(id) });
      }
      if (heldRoute[2] === "held" && method === "GET") {
        if (new URL(req.url ?? "/", "http://simulator").searchParams.get("wait") === "true") {
          await sim.faults.whenHeld(id);
        }
        return sendJson(res, 200, { held: sim.faults.heldCount(id) });
      }
    }
    if (route.startsWith("faults/") && method === "DELETE") {
      const removed = sim.faults.remove(decodeURIComponent(route.slice("faults/".length)));
      return sendJson(res, removed ? 200 : 404, removed ? {} : { error: "no such fault" });
    }
    if (route === "tickets/expire" && method === "POST") {
      const { kind } = await readBody(req);
      if (kind !== undefined && kind !== "otcs" && kind !== "otds" && kind !== "bearer") {
        throw new Error("kind must be otcs, otds or bearer");
      }
      sim.sessions.expireAll(kind);
      return sendJson(res, 200, {});
    }
    if (route === "counters" && method === "GET")
      return sendJson(res, 200, { ...sim.counters, faultsInjected: sim.faults.injected });
    if (route === "counters" && method === "DELETE") {
      Object.assign(sim.counters, emptyCounters());
      sim.faults.injected = 0;
      return sendJson(res, 200, {});
    }
    if (route === "settings" && method === "GET") return sendJson(res, 200, settingsOf(sim));
    if (route === "settings" && method === "PUT") {
      applySettings(sim, await readBody(req));
      return sendJson(res, 200, settingsOf(sim));
    }
    req.resume();
    return sendJson(res, 404, { error: `unknown simulator control route ${method} ${route}` });
  } catch (err) {
    return sendJson(res, 400, { error: (err as Error).message });
  }
}

export interface RuntimeSettings {
  ticketInactivityMs?: number;
  missingNodeStatus?: 400 | 404;
  volumesRoute?: boolean;
  searchResultShape?: SearchResultShape;
  workflowAttachments?: WorkflowAttachmentMode;
  categoryForms?: CategoryFormShape;
  otdsDirectUse?: OtdsDirectUse;
}

function settingsOf(sim: SimContext): RuntimeSettings {
  return {
    ticketInactivityMs: sim.sessions.inactivityMs,
    missingNodeStatus: sim.options.missingNodeStatus,
    volumesRoute: sim.options.volumesRoute,
    searchResultShape: sim.options.searchResultShape,
    workflowAttachments: sim.options.workflowAttachments,
    categoryForms: sim.options.categoryForms,
    otdsDirectUse: sim.options.otdsDirectUse,
  };
}

export function applySettings(sim: SimContext, settings: RuntimeSettings | Record<string, unknown>): void {
  const {
    ticketInactivityMs,
    missingNodeStatus,
    volumesRoute,
    searchResultShape,
    workflowAttachments,
    categoryForms,
    otdsDirectUse: directUse,
  } = settings as RuntimeSettings;
  if (ticketInactivityMs !== undefined) {
    if (!Number.isFinite(ticketInactivityMs) || ticketInactivityMs < 0) throw new Error("invalid ticketInactivityMs");
    sim.sessions.inactivityMs = ticketInactivityMs;
    sim.options.ticketInactivityMs = ticketInactivityMs;
  }
  if (missingNodeStatus !== undefined) {
    if (missingNodeStatus !== 400 && missingNodeStatus !== 404) throw new Error("missingNodeStatus must be 400 or 404");
    sim.options.missingNodeStatus = missingNodeStatus;
  }
  if (volumesRoute !== undefined) {
    if (typeof volumesRoute !== "boolean") throw new Error("volumesRoute must be true or false");
    sim.options.volumesRoute = volumesRoute;
  }
  if (searchResultShape !== undefined) sim.options.searchResultShape = searchShape(searchResultShape);
  if (workflowAttachments !== undefined) sim.options.workflowAttachments = workflowAttachmentMode(workflowAttachments);
  if (categoryForms !== undefined) sim.options.categoryForms = categoryFormShape(categoryForms);
  if (directUse !== undefined) sim.options.otdsDirectUse = otdsDirectUse(directUse);
}
