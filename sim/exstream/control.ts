/*
 * Simulator-only control endpoints under /sim (never part of the real product; no bearer token needed):
 *   GET|POST|DELETE /sim/faults    list / add ({type: http|slow-engine|job-error|fail-rate, …}) / clear faults
 *   POST /sim/clock                {advanceMs} or {offsetMs}: move the simulator clock (token expiry, retention)
 *   POST /sim/tokens/expire        every issued access token expires now
 *   POST /sim/csrf/expire          every issued CSRF cookie value stops being accepted
 *   POST /sim/settings             {csrf?, dates?, filterSyntax?}: change the wire readings (see ProtocolSettings)
 *   POST /sim/cleanup              run the retention cleanup now
 *   POST /sim/channels             {domain, name, communicationId, driverDataSource?}: add a batch input channel
 *   POST /sim/reset                back to the seed: design store, jobs, tokens, faults, clock
 *   GET  /sim/state                counters and settings
 */
import type { ExstreamSimulator } from "./index";
import { parseFaultSpec } from "./faults";
import { readJson, sendJson, type Router } from "./http";
import { badRequest } from "./errors";

export function registerControl(router: Router, sim: ExstreamSimulator): void {
  const opts = { public: true };
  router.add("GET", "/sim/faults", (ctx) => sendJson(ctx.res, 200, sim.faults.snapshot()), opts);
  router.add(
    "POST",
    "/sim/faults",
    async (ctx) => sendJson(ctx.res, 200, sim.faults.add(parseFaultSpec(await readJson(ctx.req)))),
    opts,
  );
  router.add(
    "DELETE",
    "/sim/faults",
    (ctx) => {
      sim.faults.clear();
      sendJson(ctx.res, 200, sim.faults.snapshot());
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/clock",
    async (ctx) => {
      const body = await readJson(ctx.req);
      if (typeof body.advanceMs === "number") sim.advanceClock(body.advanceMs);
      else if (typeof body.offsetMs === "number") sim.clock.setOffset(body.offsetMs);
      else throw badRequest('send {"advanceMs": n} or {"offsetMs": n}');
      sendJson(ctx.res, 200, { now: sim.clock.now(), offsetMs: sim.clock.offset });
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/tokens/expire",
    (ctx) => {
      sim.expireTokens();
      sendJson(ctx.res, 200, { expired: true });
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/csrf/expire",
    (ctx) => {
      sim.expireCsrfTokens();
      sendJson(ctx.res, 200, { expired: true });
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/settings",
    async (ctx) => {
      const body = await readJson(ctx.req);
      const protocol = sim.options.protocol;
      const allowed = {
        csrf: ["required", "off"],
        dates: ["epoch", "iso"],
        filterSyntax: ["both", "semicolon", "object"],
      };
      for (const [key, values] of Object.entries(allowed)) {
        if (body[key] === undefined) continue;
        if (!values.includes(String(body[key]))) throw badRequest(`"${key}" must be ${values.join(" or ")}`);
        Object.assign(protocol, { [key]: body[key] });
      }
      sendJson(ctx.res, 200, protocol);
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/cleanup",
    async (ctx) => sendJson(ctx.res, 200, { deletedJobs: await sim.runCleanup() }),
    opts,
  );
  router.add(
    "POST",
    "/sim/channels",
    async (ctx) => {
      const body = await readJson(ctx.req);
      const { domain, name, communicationId } = body;
      if (typeof domain !== "string" || typeof name !== "string" || typeof communicationId !== "string") {
        throw badRequest('"domain", "name" and "communicationId" are required');
      }
      const driver = typeof body.driverDataSource === "string" ? body.driverDataSource : undefined;
      sendJson(ctx.res, 201, sim.addInputChannel(domain, name, communicationId, driver));
    },
    opts,
  );
  router.add(
    "POST",
    "/sim/reset",
    (ctx) => {
      sim.reset();
      sendJson(ctx.res, 200, { reset: true });
    },
    opts,
  );
  router.add(
    "GET",
    "/sim/state",
    (ctx) =>
      sendJson(ctx.res, 200, {
        counters: sim.counters(),
        options: { ...sim.options, faults: undefined },
        now: sim.clock.now(),
      }),
    opts,
  );
}
