import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunningSimulator, SimulatorFlags } from "../types";
import { registerAuthRoutes } from "./auth";
import { registerCategoryRoutes } from "./categories";
import { ContentStore } from "./content";
import { emptyCounters, type Counters, type SimContext } from "./context";
import { applySettings, type RuntimeSettings } from "./control";
import { registerDocumentRoutes } from "./documents";
import { Faults, type FaultRule } from "./faults";
import { registerNodeRoutes } from "./nodes";
import { parseOptions, type SimulatorOptions } from "./options";
import { Persistence } from "./persistence";
import { registerRecordRoutes } from "./records";
import { Router } from "./router";
import { registerSearchRoutes } from "./search";
import { demoSeed } from "./seed/demo";
import { emptySeed } from "./seed/empty";
import { loadSeed } from "./seed/load";
import { createRequestListener } from "./server";
import { Sessions, type AuthMode as TicketKind } from "./sessions";
import { Store } from "./store";
import { registerVolumeRoutes } from "./volumes";
import { registerWorkflowRoutes } from "./workflows";
import { registerWorkspaceRoutes } from "./workspaces";

export type { FaultRule } from "./faults";
export type { SimulatorOptions } from "./options";
export type { Store } from "./store";

/** A running Content Server simulator plus the control surface tests use. */
export interface ContentServerSimulator extends RunningSimulator {
  /** Base URL of the simulated OTDS (same host and port, paths under /otdsws). */
  otdsUrl: string;
  options: SimulatorOptions;
  /** The repository, for assertions (and for arranging state directly). */
  store: Store;
  counters: Counters;
  faults: Faults;
  addFault(rule: FaultRule): FaultRule;
  clearFaults(): void;
  /** Every ticket, OTDS ticket and bearer token issued so far (or only those of `kind`) answers 401 from now on. */
  expireAllTickets(kind?: TicketKind): void;
  configure(settings: RuntimeSettings): void;
  resetCounters(): void;
  /** Writes the store to the data directory now (no-op in memory). */
  flush(): Promise<void>;
}

function buildRouter(): Router {
  const router = new Router();
  registerAuthRoutes(router);
  registerNodeRoutes(router);
  registerDocumentRoutes(router);
  registerCategoryRoutes(router);
  registerSearchRoutes(router);
  registerWorkspaceRoutes(router);
  registerRecordRoutes(router);
  registerVolumeRoutes(router);
  registerWorkflowRoutes(router);
  return router;
}

export async function startContentServerSimulator(flags: SimulatorFlags = {}): Promise<ContentServerSimulator> {
  const options = parseOptions(flags);
  const persistence = options.dataDir ? new Persistence(path.resolve(options.dataDir)) : undefined;
  const tempDir = persistence ? undefined : await mkdtemp(path.join(os.tmpdir(), "cs-sim-"));
  const content = new ContentStore(persistence ? persistence.contentDir : tempDir!);
  await content.init();
  const persisted = await persistence?.load();
  const store = new Store(persisted ?? loadSeed(options.seed === "empty" ? emptySeed : demoSeed));
  if (options.oauthClient) {
    store.data.oauthClients[options.oauthClient.id] = { secret: options.oauthClient.secret, userId: 1000 };
  }
  if (persistence) {
    store.onChange(() => persistence.schedule(() => store.data));
    if (!persisted) store.changed();
  }
  const counters = emptyCounters();
  const sim: SimContext = {
    store,
    content,
    sessions: new Sessions(() => store.data.secret, options.ticketInactivityMs, options.bearerLifetimeMs, counters),
    faults: new Faults(options.faults, options.faultSeed),
    options,
    counters,
  };
  const server = createServer(createRequestListener(sim, buildRouter()));
  // Large uploads may take longer than Node's default request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.port = port;
  const origin = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  let closed = false;
  return {
    url: `${origin}${options.basePath}`,
    otdsUrl: origin,
    port,
    options,
    store,
    counters: sim.counters,
    faults: sim.faults,
    addFault: (rule) => sim.faults.add(rule),
    clearFaults: () => sim.faults.clear(),
    expireAllTickets: (kind) => sim.sessions.expireAll(kind),
    configure: (settings) => applySettings(sim, settings),
    resetCounters: () => {
      Object.assign(sim.counters, emptyCounters());
      sim.faults.injected = 0;
    },
    flush: async () => {
      await persistence?.flush();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      sim.faults.releaseAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await persistence?.flush();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
