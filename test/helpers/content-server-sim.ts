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
