import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticate, type Authenticated } from "./auth";
import type { SimContext } from "./context";
import { handleControl } from "./control";
import { CsError } from "./errors";
import type { AfterFault } from "./faults";
import { FormInput, isJsonBody, readForm } from "./forms";
import { handleOtds } from "./otds";
import { sendJson } from "./responses";
import type { Router } from "./router";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
export const CONTROL_SEGMENT = "__sim";

function sendNotFound(res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/html; charset=utf-8" });
  res.end("<html><body><h1>404 Not Found</h1></body></html>");
}

export function createRequestListener(sim: SimContext, router: Router) {
  return (req: IncomingMessage, res: ServerResponse) => {
    handle(sim, router, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error)?.message ?? String(err) });
      else res.destroy();
    });
  };
}

async function handle(sim: SimContext, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator");
  const base = sim.options.basePath;
  const path = url.pathname;
  const method = (req.method ?? "GET").toUpperCase();
  const inBase = base === "" || path === base || path.startsWith(`${base}/`);
  const relative = inBase ? path.slice(base.length) : undefined;
  if (relative !== undefined && relative.replace(/^\/+/, "").split("/")[0] === CONTROL_SEGMENT) {
    await handleControl(sim, req, res, relative.replace(/^\/+/, "").slice(CONTROL_SEGMENT.length));
    return;
  }
  const isOtds = path.startsWith("/otdsws/");
  if (relative === undefined && !isOtds) {
    req.resume();
    sendNotFound(res);
    return;
  }
  const faultPath = isOtds ? path : relative!;
  const decision = sim.faults.decide(method, faultPath);
  if (decision) {
    for (const id of decision.holds) await sim.faults.hold(id);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.expireTickets) sim.sessions.expireAll();
    if (decision.reset) {
      req.socket.destroy();
      return;
    }
    if (decision.status !== undefined) {
      req.resume();
      sendJson(res, decision.status, { error: decision.error ?? `Simulated failure (HTTP ${decision.status}).` });
      return;
    }
  }
  if (isOtds) {
    if (!(await handleOtds(sim, req, res, path))) {
      req.resume();
      sendNotFound(res);
    }
    return;
  }
  await handleApi(sim, router, req, res, method, relative!, url.searchParams, decision?.after);
}

async function handleApi(
  sim: SimContext,
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  relative: string,
  query: URLSearchParams,
  after?: AfterFault,
): Promise<void> {
  sim.counters.requests++;
  let suppress = query.has("suppress_response_codes");
  const match = router.match(method, relative);
  if (!match) {
    req.resume();
    if (/^\/?api\//i.test(relative)) {
      sendJson(res, 400, { error: "The REST API URL could not be found in the mappings registry" }, suppress);
    } else {
      sendNotFound(res);
    }
    return;
  }
  let form = FormInput.empty();
  let bodyRead = !BODY_METHODS.has(method);
  try {
    let auth: Authenticated | undefined;
    if (!match.options.anonymous) auth = authenticate(sim, req, match.options.otdsExchange === true);
    if (!bodyRead && isJsonBody(req)) {
      throw new CsError(
        400,
        "Content-Type application/json is not supported: send application/x-www-form-urlencoded or multipart/form-data (JSON goes in the 'body' field).",
      );
    }
    if (!bodyRead) {
      form = await readForm(req, sim.content);
      bodyRead = true;
    }
    suppress ||= form.has("suppress_response_codes");
    if (auth) res.setHeader("OTCSTicket", sim.sessions.rotate(auth.session));
    const result = await match.handler({
      req,
      res,
      params: match.params,
      query,
      form,
      session: auth?.session ?? { sessionId: "", userId: 0, mode: "otcs" },
      user: auth?.user ?? { id: 0, name: "", password: "", firstName: "", lastName: "", email: "", groupId: 0 },
      sim,
    });
    if (after?.reset) {
      req.socket.destroy();
      return;
    }
    if (after?.status !== undefined) {
      res.removeHeader("OTCSTicket");
      sendJson(res, after.status, { error: after.error ?? `Simulated failure (HTTP ${after.status}).` });
      return;
    }
    if (!res.headersSent) sendJson(res, 200, result ?? {}, suppress);
  } catch (err) {
    const status = err instanceof CsError ? err.status : 500;
    if (status === 401) sim.counters.unauthorized++;
    if (!bodyRead) req.resume();
    if (!res.headersSent) {
      res.removeHeader("OTCSTicket");
      sendJson(res, status, { error: (err as Error)?.message ?? String(err) }, suppress);
    } else {
      res.destroy();
    }
  } finally {
    await form.discardFiles(sim.content);
  }
}
