/*
 * The Exstream simulator: OTDS OAuth2, Design (DAS) and Orchestration APIs over node:http, with the output tree the
 * engine writes. Independent of nodes/ and nodes/lib (the client is tested against it, not built from it).
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningSimulator, SimulatorFlags } from "../types";
import { CsrfGuard, TokenService, type TokenCounters, type TokenRequestRecord } from "./auth";
import { SimClock } from "./clock";
import { driverDataSources, resolveCommunication } from "./communications";
import { registerControl } from "./control";
import { DasPackages } from "./das-package";
import { DesignApi } from "./design";
import { loadEngine, type EngineApi } from "./engine-port";
import { JsonStateFile } from "./persistence";
import { errorEnvelope, notFound, SimHttpError } from "./errors";
import { ConnectionReset, discardingResponse, FaultInjector, lostAnswerError } from "./faults";
import { Router, sendJson, type RequestContext } from "./http";
import { registerJobsPage } from "./jobs-page";
import { JobStore, type JobRecord, type JobsSnapshot } from "./jobs";
import { optionsFromFlags, type ExstreamSimOptions } from "./options";
import { Orchestration, type OrchestrationCounters } from "./orchestration";
import { Runtime } from "./runtime";
import { applySeed, seedByName, type SeedData } from "./seed";
import { DesignStore, type InputChannel, type TenantRecord } from "./store";

export type { ExstreamSimOptions } from "./options";
export type { FaultSpec, FaultState } from "./faults";
export type { JobRecord } from "./jobs";
export { DEMO_SEED } from "./seed";

export interface SimCounters extends TokenCounters, OrchestrationCounters {
  requests: number;
}

/** A running Exstream simulator plus the control surface tests use instead of HTTP. */
export interface ExstreamSimulator extends RunningSimulator {
  readonly options: ExstreamSimOptions;
  /** The output root: <outputRoot>/<tenant>/<domain>/jobs/<jobId>/… */
  readonly outputRoot: string;
  /** The seeded tenant, e.g. "demo". */
  readonly tenant: string;
  readonly store: DesignStore;
  readonly jobs: JobStore;
  readonly faults: FaultInjector;
  readonly clock: SimClock;
  readonly packages: DasPackages;
  readonly seed: SeedData;
  counters(): SimCounters;
  /** The latest token requests (path, tenant, grant, client id, scope; never a secret). */
  tokenRequests(): TokenRequestRecord[];
  /** Lifetime (seconds) of tokens issued from now on. */
  setTokenLifetime(seconds: number): void;
  /** Every access token issued so far expires now (refresh tokens stay valid). */
  expireTokens(): void;
  /** Every issued CSRF cookie value stops being accepted. */
  expireCsrfTokens(): void;
  /** Moves the simulator clock forward (tokens expire, jobs age for retention). */
  advanceClock(ms: number): number;
  /** Adds an HTTP input channel (batch / named on-demand) for a communication, e.g. an imported one. */
  addInputChannel(domain: string, name: string, communicationId: string, driverDataSource?: string): InputChannel;
  /** Resolves when the job is no longer "started" (complete, error, …). */
  waitForJob(jobId: string, timeoutMs?: number): Promise<JobRecord>;
  /** Deletes jobs older than the retention now; returns their ids. */
  runCleanup(): Promise<string[]>;
  /** Waits until no job is running. */
  idle(): Promise<void>;
  /** Back to the seed: design store, jobs, tokens, counters, faults, clock. */
  reset(): void;
}

export interface ExstreamSimulatorOverrides {
  /** Another implementation of the engine contract (tests). */
  engine?: EngineApi;
}

export async function startExstreamSimulator(
  flags: SimulatorFlags = {},
  overrides: ExstreamSimulatorOverrides = {},
): Promise<ExstreamSimulator> {
  const options = optionsFromFlags(flags);
  const seed = seedByName(options.seed);
  const clock = new SimClock();
  const now = () => clock.now();
  let engine = overrides.engine;
  const engineApi = (): EngineApi => (engine ??= loadEngine());

  const store = new DesignStore(now);
  const data = options.dataDir;
  const designFile = data ? new JsonStateFile<Map<string, TenantRecord>>(data, "design.json") : undefined;
  const jobsFile = data ? new JsonStateFile<JobsSnapshot>(data, "jobs.json") : undefined;
  const persisted = designFile?.load();
  if (persisted) for (const [name, tenant] of persisted) store.tenants.set(name, tenant);
  else applySeed(store, seed);
  const persist = async (): Promise<void> => {
    await designFile?.save(store.tenants);
    await jobsFile?.save(jobs.snapshot());
  };
  const faults = new FaultInjector();
  for (const f of options.faults) faults.add(f);
  const tokens = new TokenService(clock, store, options.tokenLifetimeSeconds, options.tokenPaths, seed.tenant);
  const jobs = new JobStore(
    store,
    engineApi,
    faults,
    now,
    {
      outputRoot: options.outputRoot,
      writeMode: options.writeMode,
      chunkDelayMs: options.chunkDelayMs,
      style: { contentVersionsSeparator: options.contentVersionsSeparator, deliveryStatuses: options.deliveryStatuses },
      jobDelayMs: options.jobDelayMs,
      retentionMs: options.retentionMs,
    },
    () => void jobsFile?.save(jobs.snapshot()).catch(() => undefined),
  );
  const persistedJobs = jobsFile?.load();
  if (persistedJobs) jobs.restore(persistedJobs);
  const csrf = new CsrfGuard(options.protocol);
  const initialProtocol = { ...options.protocol };
  const orchestration = new Orchestration(store, jobs, engineApi, now, options.protocol, csrf);
  const packages = new DasPackages(store, now);
  let requests = 0;

  const router = new Router();
  tokens.register(router);
  new DesignApi(
    store,
    () => tokens.tokenLifetimeSeconds,
    () => options.protocol.dates,
  ).register(router);
  packages.register(router);
  orchestration.register(router);
  new Runtime(store, jobs, now, options.protocol).register(router);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests++;
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    const ctx: RequestContext = { req, res, method, path: url.pathname, query: url.searchParams, params: {} };
    try {
      const match = router.match(method, url.pathname);
      if (!match) throw notFound(`No endpoint ${method} ${url.pathname}`);
      if ("methodNotAllowed" in match)
        throw new SimHttpError(405, `Method ${method} is not supported on ${url.pathname}`);
      ctx.params = match.params;
      const lost = url.pathname.startsWith("/sim/") ? undefined : faults.checkRequest(method, url.pathname);
      if (!match.public) ctx.principal = tokens.authenticate(ctx);
      if (url.pathname.startsWith("/orchestration/")) csrf.offer(ctx);
      if (!lost) {
        await match.handler(ctx);
        if (data && method !== "GET" && method !== "HEAD") await persist();
        return;
      }
      await match.handler({ ...ctx, res: discardingResponse() });
      if (lost.reset) throw new ConnectionReset();
      throw lostAnswerError(lost);
    } catch (err) {
      if (err instanceof ConnectionReset) {
        req.socket.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      const known = err instanceof SimHttpError;
      const status = known ? err.status : 500;
      const message = known ? err.message : `Internal error: ${(err as Error).message}`;
      const headers: Record<string, string> = status === 401 ? { "WWW-Authenticate": 'Bearer realm="exstream"' } : {};
      req.resume();
      sendJson(
        res,
        status,
        errorEnvelope(
          status,
          message,
          url.pathname,
          clock.now(),
          known ? err.errorCode : status,
          known ? err.details : "",
        ),
        headers,
      );
    }
  };

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const cleanupTimer = setInterval(
    () => void jobs.cleanup().catch(() => undefined),
    Math.max(options.cleanupIntervalMs, 10),
  );
  cleanupTimer.unref();

  const sim: ExstreamSimulator = {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
    port,
    options,
    outputRoot: options.outputRoot,
    tenant: seed.tenant,
    store,
    jobs,
    faults,
    clock,
    packages,
    seed,
    counters: () => ({ ...tokens.counters, ...orchestration.counters, requests }),
    tokenRequests: () => tokens.requests.map((r) => ({ ...r })),
    setTokenLifetime(seconds) {
      tokens.tokenLifetimeSeconds = seconds;
    },
    expireTokens: () => tokens.expireAll(),
    expireCsrfTokens: () => csrf.expireAll(),
    advanceClock: (ms) => clock.advance(ms),
    addInputChannel(domainId, name, communicationId, driverDataSource) {
      const domain = store.domain(seed.tenant, domainId);
      const resolved = resolveCommunication(store, domain, communicationId);
      const channel: InputChannel = {
        name,
        flowModelId: randomUUID(),
        flowModelName: `${resolved.application.name} (${name})`,
        communicationId,
        driverDataSource: driverDataSource ?? driverDataSources(resolved)[0]?.prodDsn ?? "",
      };
      domain.channels.set(name, channel);
      return channel;
    },
    async waitForJob(jobId, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = jobs.jobs.get(jobId);
        if (job && job.status !== "started") return job;
        if (Date.now() > deadline)
          throw new Error(`job ${jobId} still ${job?.status ?? "unknown"} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    runCleanup: () => jobs.cleanup(),
    idle: () => jobs.idle(),
    reset() {
      store.tenants.clear();
      applySeed(store, seed);
      jobs.reset();
      tokens.reset();
      csrf.expireAll();
      Object.assign(options.protocol, initialProtocol);
      orchestration.reset();
      packages.importLogs.length = 0;
      faults.clear();
      clock.setOffset(0);
      requests = 0;
    },
    async close() {
      clearInterval(cleanupTimer);
      await jobs.close();
      await persist();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (options.outputRootIsTemp) rmSync(options.outputRoot, { recursive: true, force: true });
    },
  };
  registerControl(router, sim);
  registerJobsPage(router, sim);
  return sim;
}
