/**
 * Starts the Content Server simulator for a test:
 *
 *   const sim = await startSeededContentServer();          // demo seed, ephemeral port, in memory
 *   // sim.url = "http://127.0.0.1:<port>/cs/cs", login Admin / livelink (sim.otdsUrl for OTDS / OAuth2)
 *   after(() => sim.close());
 *
 * Extra CLI-style flags go through, e.g. { seed: "empty", "ticket-inactivity-ms": "500", data: dir }.
 * The returned object also offers sim.addFault(...), sim.expireAllTickets(), sim.counters and sim.store.
 */
import { startContentServerSimulator, type ContentServerSimulator } from "../../sim/content-server";
import type { SimulatorFlags } from "../../sim/types";

export type { ContentServerSimulator } from "../../sim/content-server";

export const DEMO_LOGIN = { username: "Admin", password: "livelink" } as const;
export const DEMO_INTEGRATION_LOGIN = { username: "otintegration", password: "integration" } as const;
export const DEMO_OAUTH_CLIENT = { clientId: "node-red", clientSecret: "node-red-secret" } as const;

export function startSeededContentServer(flags: SimulatorFlags = {}): Promise<ContentServerSimulator> {
  return startContentServerSimulator({ seed: "demo", port: "0", ...flags });
}

/**
 * Resolves once `count` more calls `method path` have reached the simulator (each is held, then let go at once):
 * "the trigger polled twice more" as an event, whatever the machine's speed.
 */
export async function awaitCalls(sim: ContentServerSimulator, method: string, path: string, count = 1): Promise<void> {
  for (let call = 0; call < count; call++) {
    const { id } = sim.addFault({ method, path, hold: true, times: 1 });
    await sim.faults.whenHeld(id!);
    sim.faults.releaseHeld(id!);
  }
}

/**
 * Resolves once the workflow trigger started `count` more polls. Two polls prove a whole poll cycle ran in between.
 */
export function awaitPolls(sim: ContentServerSimulator, count = 2): Promise<void> {
  return awaitCalls(sim, "GET", "api/v2/members/assignments", count);
}
