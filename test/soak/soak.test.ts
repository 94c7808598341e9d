/*
 * The short reliability soak (the full one is `npm run soak`, bench/soak/): data flow 1 as shipped in
 * examples/01 (timing shortened, see bench/soak/flow.ts) in a Node-RED child process, 150 communications from
 * Exstream batch jobs, Content Server answering 10 % of the calls with a 5xx, resetting 2 % of the connections and
 * losing the answer of 3 % after carrying the call out (502 or a dropped connection), every ticket expired on every 200th CS call, and Node-RED SIGKILLed once at a random moment and restarted on the same
 * user dir. The run's seed is printed; `SOAK_SEED=<seed> npx mocha test/soak/soak.test.ts` replays its random choices.
 */
import assert from "node:assert/strict";
import { runSoak, type SoakReport } from "../../bench/soak/soak";

describe("soak: data flow 1 under faults and a SIGKILL (short)", function () {
  this.timeout(120_000);
  let report: SoakReport;

  before(async () => {
    const seed = process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED);
    report = await runSoak({ communications: 150, batchSize: 50, kills: 1, deadlineMs: 85_000, seed });
    console.log(`      soak seed ${report.run.seed} (replay: SOAK_SEED=${report.run.seed})`);
  });

  it("settles every communication in the ledger: archived, or dead-lettered with a listed reason", () => {
    const f = report.figures;
    assert.equal(report.run.deadlineMet, true, "all settled before the deadline");
    assert.equal(f.communicationsInOutput, 150);
    assert.equal(f.ledgerEntries, 150);
    assert.equal(f.unfinished, 0);
    assert.equal(f.archived + f.deadLettered, 150);
    assert.equal(f.deadWithoutReason, 0);
    assert.equal(f.deadLetters.length, f.deadLettered);
    assert.equal(f.ledgerWithoutSource + f.sourceWithoutLedger, 0);
    assert.equal(f.ackWithoutCsNode, 0, "every acknowledgement names the CS document holding the primary file");
  });

  it("leaves exactly the expected Content Server documents: none missing, no duplicate, every SHA-256 right", () => {
    const f = report.figures;
    assert.ok(f.csDocumentsExpected >= f.archived, "at least one document per archived communication");
    assert.equal(f.csDocumentsFound, f.csDocumentsExpected + f.csDocumentsOfDeadLetters);
    assert.equal(f.missing, 0);
    assert.equal(f.unexpected, 0);
    assert.equal(f.duplicateNames, 0);
    assert.equal(f.duplicateSha256, 0);
    assert.equal(f.sha256AttributeMismatches, 0);
    assert.equal(f.extraVersions, 0);
  });

  it("really ran under chaos: one SIGKILL and restart, faults injected, no crash, no secret in the logs", () => {
    const r = report.run;
    assert.equal(r.kills, 1);
    assert.equal(r.starts, 2);
    assert.equal(r.unexpectedExits, 0);
    assert.ok(r.csFaultsInjected > 0.05 * r.csRequests, `${r.csFaultsInjected} faults in ${r.csRequests} calls`);
    assert.ok(r.ticketExpiries >= 1, "the CS simulator expired the tickets during the run");
    assert.ok(r.loginsAfterExpiry >= 1, "Node-RED logged in again after an expiry");
    assert.equal(r.logLines.fatal, 0);
    assert.equal(r.secretsInLogs, 0);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
  });
});
