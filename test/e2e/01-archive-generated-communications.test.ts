/*
 * Example 01 · archive generated communications (DF1), end to end: a Monthly Statement batch for N customers is
 * submitted to the Exstream simulator through its Orchestration API; the example flow, running in an embedded
 * Node-RED against both simulators, archives every statement into Communications/Archive/<type>/<year> exactly once —
 * also when the Content Server simulator fails uploads and Node-RED is restarted in the middle of the batch.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import sinon from "sinon";
import {
  categoryValues,
  documentsBelow,
  manifestsOf,
  readBack,
  readWatchLedger,
  runBatch,
  sourceFilesOf,
  statementCustomers,
  withShortWaits,
} from "../helpers/archive-examples";
import type { CsReadback, ReadDocument } from "../helpers/cs-readback";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { countPackageSha256Bytes } from "../helpers/sha256-passes";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";

const N = 24;
const ARCHIVE = "Communications/Archive";
const LEDGER = "df01-watch"; // the watch's ledger folder: its node id (no ledger name set)

describe("example 01 · archive generated communications (DF1)", function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let nr: EmbeddedNodeRed | undefined;
  let cs: CsReadback;

  beforeEach(async () => {
    env = await startDemoEnvironment();
    cs = readBack(env);
  });
  afterEach(async () => {
    await nr?.stop();
    nr = undefined;
    await env.close();
  });

  /** The example as shipped, waits shortened (see withShortWaits). */
  const example = () => withShortWaits(loadExample("01-archive-generated-communications"));

  /** Adds fault rules through the Content Server simulator's control API; returns their ids. */
  async function addFaults(...rules: Array<Record<string, unknown>>): Promise<string[]> {
    const ids: string[] = [];
    for (const rule of rules) {
      const res = await fetch(`${env.cs.url}/__sim/faults`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(rule),
      });
      assert.equal(res.status, 200, `fault ${JSON.stringify(rule)} added`);
      ids.push(((await res.json()) as { fault: { id: string } }).fault.id);
    }
    return ids;
  }

  async function removeFault(id: string): Promise<void> {
    const res = await fetch(`${env.cs.url}/__sim/faults/${encodeURIComponent(id)}`, { method: "DELETE" });
    assert.equal(res.status, 200, `fault ${id} removed`);
  }

  /**
   * Exactly one document per customer, with the source PDF's SHA-256 and the manifest keys as categories, filed by the
   * day the run ended (its manifest's time), whenever it was archived.
   */
  async function assertArchivedOnce(jobId: string): Promise<ReadDocument[]> {
    const customers = statementCustomers(N);
    const sources = sourceFilesOf(env.outputRoot, jobId);
    const docs = await documentsBelow(cs, ARCHIVE);
    const [manifest] = manifestsOf(env.outputRoot, jobId);
    const runDay = new Date(fs.statSync(manifest).mtimeMs).toISOString().slice(0, 10);
    const year = runDay.slice(0, 4);
    assert.equal(docs.length, N, `exactly ${N} documents below ${ARCHIVE}: ${docs.map((d) => d.name).join(", ")}`);
    assert.equal(new Set(docs.map((d) => d.name)).size, N, "no name twice");
    const seenCustomers = new Set<string>();
    for (const doc of docs) {
      assert.equal(doc.folder, `Statement/${year}`, `${doc.name} filed by document type and year`);
      const values = await categoryValues(cs, doc.id);
      const customerId = String(values["Customer ID"]);
      const index = customers.findIndex((c) => c.CustomerId === customerId);
      assert.ok(index >= 0, `${doc.name}: known customer ${customerId}`);
      assert.ok(!seenCustomers.has(customerId), `${customerId} archived once`);
      seenCustomers.add(customerId);
      const customer = customers[index];
      const sourceName = `${customer.AccountNumber}_Statement_${index + 1}.pdf`;
      assert.equal(doc.name, `Statement ${customer.CustomerId} ${jobId}-${index + 1}.pdf`);
      const source = sources.get(sourceName);
      assert.ok(source, `source file ${sourceName}`);
      assert.equal(values["SHA-256"], source.sha256, `${doc.name}: SHA-256 of ${sourceName}`);
      assert.equal(values["Account Number"], customer.AccountNumber);
      assert.equal(values["Document Type"], "Statement");
      assert.equal(values.Channel, "print");
      assert.equal(values.Language, customer.Language);
      assert.equal(values.Jurisdiction, customer.Jurisdiction);
      assert.equal(values.Segment, customer.Segment);
      assert.equal(values.Product, customer.Product);
      assert.equal(values["Communication ID"], "c0000000-0000-4000-8000-000000000001");
      assert.equal(values["Job ID"], jobId);
      assert.match(String(values["Delivery Date"]), new RegExp(`^${runDay}`), "the day the run ended");
      assert.ok(Array.isArray(values["Content Versions"]) && (values["Content Versions"] as string[]).length >= 5);
      assert.equal((await cs.versions(doc.id)).length, 1, `${doc.name}: one version`);
    }
    assert.equal(seenCustomers.size, N);
    return docs;
  }

  /** Runs the example on a batch of N statements until each is logged; an error line fails the test. */
  async function archiveBatch(beforeRun?: () => void): Promise<{ jobId: string; done: Array<{ payload: string }> }> {
    nr = await env.startNodeRed();
    const done = env.collect(nr, "df01-done");
    const errors = env.collect(nr, "df01-errors");
    await nr.deploy(example());
    beforeRun?.();
    const jobId = await runBatch(env, statementCustomers(N));
    await env.waitUntil(`${N} log lines`, () => done.length >= N || errors.length > 0, 40_000);
    assert.deepEqual(
      errors.map((m) => m.payload),
      [],
    );
    return { jobId, done };
  }

  it(`archives a batch of ${N} statements exactly once, with their categories and SHA-256, and acknowledges each`, async () => {
    let hashed: { bytes: () => number } | undefined;
    const { jobId, done } = await archiveBatch(() => {
      env.cs.resetCounters();
      hashed = countPackageSha256Bytes();
    });
    const requests = env.cs.counters.requests;
    const hashedBytes = hashed!.bytes();
    sinon.restore();

    await assertArchivedOnce(jobId);
    // One upload per statement (its categories and SHA-256 in it) after a set-up (log-in, category definition, folders).
    const pdfBytes = [...sourceFilesOf(env.outputRoot, jobId).values()]
      .filter((f) => f.name.endsWith(".pdf"))
      .reduce((sum, f) => sum + fs.statSync(f.path).size, 0);
    assert.ok(
      requests - N < N,
      `${requests} requests for ${N} statements: one upload each plus a set-up shared by all (before: two each)`,
    );
    // Each statement's file is read for its SHA-256 once (by the watch; cs-archive reuses it), the manifest once.
    assert.ok(
      hashedBytes >= pdfBytes && hashedBytes - pdfBytes < pdfBytes,
      `${hashedBytes} bytes hashed for ${pdfBytes}`,
    );

    // One readable line per communication.
    assert.equal(done.length, N);
    for (const msg of done) {
      assert.match(msg.payload, /^DF1 archived C-\d{4}: Statement C-\d{4} .+\.pdf → node \d+ \(created\)$/);
    }
    // The ledger records every communication as archived, with the node cs-archive reported.
    const ledger = readWatchLedger(env.userDir, LEDGER);
    assert.equal(ledger.length, N);
    for (const entry of ledger) {
      assert.equal(entry.state, "done", `${entry.id}: ${entry.state} ${entry.reason ?? ""}`);
      assert.equal(entry.attempts, 1);
      assert.equal(entry.outcome.outcome, "created");
    }
  });

  it(`files a backlog by the day its run ended, not the day it is archived`, async () => {
    // A run from last year, found only now (the watch was down, or the share was mounted late).
    const jobId = await runBatch(env, statementCustomers(N));
    const ended = new Date("2025-05-31T12:00:00Z");
    for (const manifest of manifestsOf(env.outputRoot, jobId)) fs.utimesSync(manifest, ended, ended);
    nr = await env.startNodeRed();
    const done = env.collect(nr, "df01-done");
    const errors = env.collect(nr, "df01-errors");
    await nr.deploy(example());
    await env.waitUntil(`${N} log lines`, () => done.length >= N || errors.length > 0, 40_000);
    assert.deepEqual(
      errors.map((m) => m.payload),
      [],
    );
    const docs = await assertArchivedOnce(jobId);
    assert.ok(
      docs.every((d) => d.folder === "Statement/2025"),
      "filed under the run's year",
    );
  });

  it(`archives each of ${N} statements once when two independent copies of the flow watch the same folder`, async () => {
    // Two deployments with separate ledgers (as two Node-RED instances would have) both see every communication;
    // cs-archive's name + SHA-256 check turns the second arrival into a "duplicate", so Content Server holds one each.
    const second = example().map((n) => {
      const copy = JSON.parse(JSON.stringify(n).replace(/"df01-/g, '"df01b-'));
      if (copy.type === "tab") copy.label += " (second instance)";
      return copy;
    });
    const configIds = new Set(
      example()
        .filter((n) => !n.z && n.type !== "tab")
        .map((n) => n.id),
    );
    nr = await env.startNodeRed();
    const doneFirst = env.collect(nr, "df01-done");
    const doneSecond = env.collect(nr, "df01b-done");
    await nr.deploy([...example(), ...second.filter((n) => !configIds.has(n.id))]);
    const jobId = await runBatch(env, statementCustomers(N));
    await env.waitUntil(
      `${N} communications acknowledged by both watchers`,
      () => doneFirst.length >= N && doneSecond.length >= N,
      40_000,
    );
    await assertArchivedOnce(jobId);
    const outcomes = [...doneFirst, ...doneSecond].map((m) => String(m.payload).match(/\((\w+)\)$/)?.[1]);
    assert.equal(outcomes.filter((o) => o === "created").length, N, "each statement created once");
    assert.equal(outcomes.filter((o) => o === "duplicate").length, N, "and recognised as a duplicate by the other");
  });

  it(`archives each of ${N} statements once when CS stores uploads but their answers are lost (502, dropped connection)`, async () => {
    // After-processing faults: CS carries the upload out, then answers 502 (every 3rd upload) or drops the connection
    // (every 5th). cs-archive must find the stored document instead of uploading it a second time.
    const upload = { method: "POST", path: "^api/v2/nodes$", after: true };
    await addFaults({ ...upload, status: 502, every: 3 }, { ...upload, reset: true, every: 5 });
    const { jobId, done } = await archiveBatch();
    assert.ok(env.cs.faults.injected >= Math.floor(N / 3), `answers lost (${env.cs.faults.injected})`);
    await assertArchivedOnce(jobId);
    for (const msg of done) assert.match(msg.payload, /\(created\)$/, "found after the lost answer, as created");
  });

  it(`still archives exactly ${N} when 10 % of uploads fail (503), 5 % of connections reset, uploads answer 502 for a moment and Node-RED restarts mid-batch`, async () => {
    // The Content Server simulator's fault API: random failures on the upload route (POST api/v2/nodes), answered
    // before the upload is carried out; a little latency keeps the batch in flight long enough to restart in it.
    const upload = { method: "POST", path: "^api/v2/nodes$" };
    await addFaults(
      { ...upload, status: 503, probability: 0.1 },
      { ...upload, reset: true, probability: 0.05 },
      { ...upload, latencyMs: 100 },
    );

    nr = await env.startNodeRed();
    let done = env.collect(nr, "df01-done");
    const errors = env.collect(nr, "df01-errors");
    const deadBefore = env.collect(nr, "df01-dead-line");
    await nr.deploy(example());
    const jobId = await runBatch(env, statementCustomers(N));

    // Whatever chance decides, uploads also fail with 502 for a moment — an answer that does not say whether the
    // upload was carried out, so the client does not repeat it; cs-archive looks the name up, sends it once more,
    // then gives up as transient. The Catch node reports it back to the watch, which emits it again after the delay.
    await env.waitUntil("the first statement archived", () => done.length >= 1, 40_000);
    const [badGateway] = await addFaults({ ...upload, status: 502 });
    const failure = () => errors.find((m) => /\b502\b/.test(m.payload));
    await env.waitUntil("the failure reported", () => failure() !== undefined, 10_000);
    await removeFault(badGateway);
    assert.match(failure().payload, /^DF1 failed at Communications\/Archive\/<type>\/<year>: .* will be retried\)$/);

    // Restart while the batch is in flight: some archived, not all — an upload held by the simulator forces that.
    await env.waitUntil("a third of the batch archived", () => done.length >= N / 3, 40_000);
    const [hold] = await addFaults({ ...upload, hold: true });
    await fetch(`${env.cs.url}/__sim/faults/${hold}/held?wait=true`);
    const beforeRestart = readWatchLedger(env.userDir, LEDGER);
    const archivedBefore = beforeRestart.filter((e) => e.state === "done").length;
    assert.ok(archivedBefore < N, `restarting mid-batch (${archivedBefore} of ${N} acknowledged)`);
    const restarting = env.restartNodeRed(nr);
    await removeFault(hold);
    await fetch(`${env.cs.url}/__sim/faults/${hold}/release`, { method: "POST" });
    nr = await restarting;
    done = env.collect(nr, "df01-done");
    const deadAfter = env.collect(nr, "df01-dead-line");

    await env.waitUntil(
      "every communication finished in the ledger",
      () => {
        const ledger = readWatchLedger(env.userDir, LEDGER);
        return ledger.length === N && ledger.every((e) => e.state === "done" || e.state === "dead");
      },
      45_000,
    );
    const ledger = readWatchLedger(env.userDir, LEDGER);
    const dead = ledger.filter((e) => e.state === "dead");
    // A dead letter would name its communication and reason here (failures are transient: none expected).
    assert.deepEqual(
      dead.map((e) => `${e.document.keys.CustomerId}: ${e.reason} (${e.attempts} attempts)`),
      [],
    );
    assert.deepEqual([...deadBefore, ...deadAfter], []);
    assert.ok(env.cs.faults.injected >= 2, "faults were injected");
    assert.ok(
      ledger.some((e) => e.attempts > 1 && /502/.test(e.reason ?? "")),
      "the failed communication was recorded as failed once and then archived",
    );

    await assertArchivedOnce(jobId);
    for (const entry of ledger) {
      assert.ok(["created", "duplicate"].includes(entry.outcome.outcome), `${entry.id}: ${entry.outcome.outcome}`);
    }
    const retried = ledger.filter((e) => e.attempts > 1).length;
    console.log(
      `      (${env.cs.faults.injected} faults injected, ${archivedBefore} archived before the restart, ` +
        `${retried} communications emitted more than once)`,
    );
  });
});
