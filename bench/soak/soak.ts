/**
 * The reliability soak: data flow 1 at scale in a Node-RED child process, against both simulators (in this process,
 * on 127.0.0.1), under Content Server faults and SIGKILLs of Node-RED; afterwards the output tree, the ledger and the
 * repository must agree exactly (see verify.ts).
 *
 *  - Communications are produced by the Exstream simulator's engine through its Orchestration API: batch jobs of
 *    `batchSize` customers (each rendered on print/PDF, email/HTML and SMS/text), submitted one after the other while
 *    Node-RED is already archiving.
 *  - The CS simulator's fault API answers 10 % of all calls with a 5xx (half 500, half 503), resets 2 % of the
 *    connections, loses the answer of 3 % of the calls after carrying them out (half a 502, half a dropped
 *    connection) and expires every ticket on every 200th call (a request count, not a timer, so a fast run sees
 *    expiries too); its fault choices follow the soak's seed.
 *  - Node-RED is SIGKILLed `kills` times at random moments (random points of the archiving progress plus a random
 *    delay) and started again at once on the same user dir.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  control,
  DEMO_CS_LOGIN,
  DEMO_EXSTREAM,
  newDocuments,
  produce,
  startSoakEnvironment,
  type SoakEnvironment,
} from "./environment";
import { seededRandom } from "../../sim/content-server/faults";
import { loadSoakFlow, type SoakFlow } from "./flow";
import { NodeRedProcess } from "./node-red-process";
import {
  findCommunicationsJournal,
  problems,
  readLedgerJournal,
  readOutputTree,
  verify,
  type SoakFigures,
} from "./verify";

export interface SoakOptions {
  communications: number;
  /** Customers per Exstream batch job. */
  batchSize: number;
  kills: number;
  /** Hard deadline for the whole run (production, archiving, verification). */
  deadlineMs: number;
  /**
   * Share of CS calls answered with a 5xx, of connections reset, of calls carried out whose answer is then lost;
   * every how many CS calls all tickets expire.
   */
  http5xxRate?: number;
  resetRate?: number;
  lostAnswerRate?: number;
  ticketExpiryEveryRequests?: number;
  /** Seed of the soak's random choices (kill moments, the CS simulator's faults): the same seed replays them. */
  seed?: number;
  /** Keep the work folder (always kept when the soak fails). */
  keep?: boolean;
  progress?: (line: string) => void;
}

export interface SoakReport {
  ok: boolean;
  problems: string[];
  figures: SoakFigures;
  run: {
    flowSource: SoakFlow["source"];
    seed: number;
    durationMs: number;
    productionMs: number;
    deadlineMet: boolean;
    kills: number;
    killsAtProgress: number[];
    starts: number;
    unexpectedExits: number;
    /** Expiries the CS simulator applied, and the logins that followed one (re-authentication). */
    ticketExpiries: number;
    loginsAfterExpiry: number;
    csRequests: number;
    csFaultsInjected: number;
    logLines: { fatal: number; error: number; warn: number };
    secretsInLogs: number;
    workDir?: string;
  };
}

/** Channel files per communication the demo communication renders (print, email, sms). */
const CHANNELS = 3;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const say = options.progress ?? (() => undefined);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "soak-"));
  const flow = loadSoakFlow();
  say(`work dir ${workDir}; flow: ${flow.source}; seed ${seed}`);

  let environment: SoakEnvironment | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let ok = false;
  try {
    environment = await startSoakEnvironment(workDir, seed);
    const { cs, client, env, outputRoot, preexisting } = environment;
    nodeRed = new NodeRedProcess({ workDir, env });
    await nodeRed.start();
    await nodeRed.deploy(flow.flows);
    say(`Node-RED pid started on ${nodeRed.url}; flow deployed`);

    // Faults through the simulator's own control API, as an operator would set them.
    const rate5xx = options.http5xxRate ?? 0.1;
    const half = rate5xx / 2;
    await control(cs, "POST", "faults", { status: 500, error: "Simulated server failure", probability: half });
    await control(cs, "POST", "faults", { status: 503, error: "Service Unavailable", probability: half / (1 - half) });
    await control(cs, "POST", "faults", { reset: true, probability: options.resetRate ?? 0.02 });
    const lostHalf = (options.lostAnswerRate ?? 0.03) / 2;
    await control(cs, "POST", "faults", { after: true, status: 502, probability: lostHalf });
    await control(cs, "POST", "faults", { after: true, reset: true, probability: lostHalf / (1 - lostHalf) });
    await control(cs, "POST", "faults", { expireTickets: true, every: options.ticketExpiryEveryRequests ?? 200 });
    await control(cs, "DELETE", "counters");

    // Production: batch jobs through the Orchestration API, while Node-RED archives.
    const production = produce(client, options.communications, options.batchSize, deadline);
    let productionMs = 0;
    let productionError: unknown;
    let produced = false;
    production.then(
      () => {
        produced = true;
        productionMs = Date.now() - started;
        say(`produced ${options.communications} communications in ${(productionMs / 1000).toFixed(1)} s`);
      },
      (err) => (productionError = err),
    );

    // Chaos: SIGKILL at random points of the archiving progress (plus a random delay), restart at once.
    const expectedDocuments =
      options.communications *
      (flow.archive.related === "none" ? 1 : CHANNELS + (flow.archive.includeDeliveryLog ? 1 : 0));
    const killPoints = Array.from({ length: options.kills }, (_, i) => {
      const slot = 0.8 / Math.max(1, options.kills);
      return 0.1 + slot * i + slot * random();
    });
    const killsAtProgress: number[] = [];
    let unexpectedSeen = 0;
    let lastLedgerCheck = 0;
    let lastProgressLine = Date.now();
    let lastLedgerLine = 0;
    let finished = false;
    while (!finished) {
      if (Date.now() > deadline) break;
      if (productionError) throw productionError;
      const unexpected = nodeRed.exits.filter((e) => !e.expected).length;
      if (unexpected > unexpectedSeen) {
        unexpectedSeen = unexpected;
        say(`Node-RED exited on its own (${JSON.stringify(nodeRed.exits.at(-1))}); restarting`);
        await nodeRed.start();
      }
      const progress = newDocuments(cs, preexisting) / expectedDocuments;
      if (Date.now() - lastProgressLine > 30_000) {
        lastProgressLine = Date.now();
        say(`CS documents ${newDocuments(cs, preexisting)} of ~${expectedDocuments}`);
      }
      if (killsAtProgress.length < killPoints.length && progress >= killPoints[killsAtProgress.length]) {
        await sleep(Math.floor(random() * 1500));
        killsAtProgress.push(newDocuments(cs, preexisting) / expectedDocuments);
        await nodeRed.kill();
        say(`SIGKILL ${killsAtProgress.length} at ${(100 * killsAtProgress.at(-1)!).toFixed(1)} % of the documents`);
        await nodeRed.start();
      }
      if (produced && killsAtProgress.length === killPoints.length && Date.now() - lastLedgerCheck > 2000) {
        lastLedgerCheck = Date.now();
        const journal = findCommunicationsJournal(nodeRed.userDir);
        const entries = journal ? [...readLedgerJournal(journal).values()] : [];
        const settled = entries.filter((e) => e.state === "done" || e.state === "dead").length;
        finished = entries.length === options.communications && settled === entries.length;
        if (finished || Date.now() - lastLedgerLine > 30_000) {
          lastLedgerLine = Date.now();
          say(`ledger: ${settled}/${options.communications} settled, CS documents ${newDocuments(cs, preexisting)}`);
        }
      }
      await sleep(250);
    }
    const deadlineMet = finished;
    if (!deadlineMet) say("deadline reached before every communication was settled");

    // Quiesce: no more faults, then a graceful stop so the journals are closed.
    const counters = (await control(cs, "GET", "counters")) as {
      requests: number;
      faultsInjected: number;
      ticketExpiries: number;
      loginsAfterExpiry: number;
    };
    await control(cs, "DELETE", "faults");
    await nodeRed.stop();
    await production.catch(() => undefined);

    const journal = findCommunicationsJournal(nodeRed.userDir);
    const figures = verify({
      cs,
      preexisting,
      customers: readOutputTree(outputRoot),
      ledger: journal ? readLedgerJournal(journal) : new Map(),
      communicationsSubmitted: options.communications,
      archive: flow.archive,
    });
    const logs = scanLogs([nodeRed.logFile, nodeRed.stdioFile], [DEMO_CS_LOGIN.password, DEMO_EXSTREAM.clientSecret]);
    const unexpectedExits = nodeRed.exits.filter((e) => !e.expected).length;
    const found = problems(figures);
    if (!deadlineMet) found.push("the hard deadline was reached");
    if (unexpectedExits) found.push("Node-RED exited without being killed (crash)");
    if (logs.fatal) found.push("fatal log lines");
    if (logs.secrets) found.push("secrets in the logs");
    if (killsAtProgress.length !== options.kills) found.push("not every SIGKILL happened");
    if (counters.ticketExpiries < 1) found.push("no ticket expired during the run");
    if (counters.loginsAfterExpiry < 1) found.push("no re-login followed a ticket expiry");
    ok = found.length === 0;
    return {
      ok,
      problems: found,
      figures,
      run: {
        flowSource: flow.source,
        seed,
        durationMs: Date.now() - started,
        productionMs,
        deadlineMet,
        kills: killsAtProgress.length,
        killsAtProgress,
        starts: nodeRed.starts,
        unexpectedExits,
        ticketExpiries: counters.ticketExpiries,
        loginsAfterExpiry: counters.loginsAfterExpiry,
        csRequests: counters.requests,
        csFaultsInjected: counters.faultsInjected,
        logLines: { fatal: logs.fatal, error: logs.error, warn: logs.warn },
        secretsInLogs: logs.secrets,
        workDir: ok && !options.keep ? undefined : workDir,
      },
    };
  } finally {
    await nodeRed?.kill().catch(() => undefined);
    await environment?.close();
    if (ok && !options.keep) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** Log levels of Node-RED: fatal 10, error 20, warn 30; and any occurrence of a secret. */
function scanLogs(files: string[], secrets: string[]): { fatal: number; error: number; warn: number; secrets: number } {
  const result = { fatal: 0, error: 0, warn: 0, secrets: 0 };
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      if (secrets.some((s) => line.includes(s))) result.secrets++;
      const level = /^\{"t":\d+,"pid":\d+,"level":(\d+)/.exec(line)?.[1];
      if (level === "10") result.fatal++;
      else if (level === "20") result.error++;
      else if (level === "30") result.warn++;
    }
  }
  return result;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
