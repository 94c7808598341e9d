/*
 * Exactly once after a real crash at an exact point. Data flow 1 as shipped (examples/01, waits shortened as in the
 * soak) runs in a Node-RED child process with a crash point armed (EXSTREAM_XECM_CRASH_AT, see
 * nodes/lib/reliability/crash-points.ts): it SIGKILLs itself there — no shutdown hook, no flush — and is started
 * again on the same user dir without it. Afterwards the output tree, the ledger journal and the CS repository must
 * agree: every communication acknowledged, exactly one document per file with the right SHA-256, no torn record left.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { newDocuments, produce, startSoakEnvironment, type SoakEnvironment } from "../../bench/soak/environment";
import { loadSoakFlow } from "../../bench/soak/flow";
import { NodeRedProcess } from "../../bench/soak/node-red-process";
import {
  findCommunicationsJournal,
  problems,
  readLedgerJournal,
  readOutputTree,
  verify,
} from "../../bench/soak/verify";

const COMMUNICATIONS = 6;
const ARM = "EXSTREAM_XECM_CRASH_AT";

describe("exactly once after a SIGKILL at an exact point (data flow 1 in a Node-RED child process)", function () {
  this.timeout(180_000);
  let workDir: string;
  let environment: SoakEnvironment | undefined;
  let nodeRed: NodeRedProcess | undefined;
  const flow = loadSoakFlow();

  beforeEach(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "crash-"));
    environment = await startSoakEnvironment(workDir, 1);
    nodeRed = new NodeRedProcess({ workDir, env: environment.env });
  });
  afterEach(async function () {
    await nodeRed?.kill().catch(() => undefined);
    await environment?.close();
    if (this.currentTest?.state === "passed") fs.rmSync(workDir, { recursive: true, force: true });
    else if (this.currentTest) console.log(`      work dir kept: ${workDir}`);
  });

  /** Starts Node-RED with `point` armed, deploys data flow 1, produces the batch and waits for the crash. */
  async function crashAt(point: string): Promise<void> {
    await nodeRed!.start({ [ARM]: point });
    await nodeRed!.deploy(flow.flows);
    await produce(environment!.client, COMMUNICATIONS, COMMUNICATIONS, Date.now() + 60_000);
    await expectCrash(point);
  }

  async function expectCrash(point: string): Promise<void> {
    const exit = await nodeRed!.exited(90_000);
    assert.equal(exit.signal, "SIGKILL", `Node-RED killed itself (exit ${JSON.stringify(exit)})`);
    const crashed = point.replace(/@\d+$/, "");
    assert.match(fs.readFileSync(nodeRed!.stdioFile, "utf8"), new RegExp(`crash point ${crashed} reached`));
  }

  /** Restarts without a crash point and waits until every communication is acknowledged or dead-lettered. */
  async function recover(): Promise<void> {
    await nodeRed!.start();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const journal = findCommunicationsJournal(nodeRed!.userDir);
      const entries = journal ? [...readLedgerJournal(journal).values()] : [];
      const settled = entries.filter((e) => e.state === "done" || e.state === "dead").length;
      if (entries.length === COMMUNICATIONS && settled === COMMUNICATIONS) break;
      assert.ok(Date.now() < deadline, `settled ${settled} of ${entries.length} ledger entries before the deadline`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await nodeRed!.stop();
  }

  /** The three sources of truth agree: output tree, ledger journal (every line whole), CS repository. */
  function assertExactlyOnce(): void {
    const journal = findCommunicationsJournal(nodeRed!.userDir)!;
    const lines = fs.readFileSync(journal, "utf8").split("\n").filter(Boolean);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a whole journal record: ${line}`);
    const figures = verify({
      cs: environment!.cs,
      preexisting: environment!.preexisting,
      customers: readOutputTree(environment!.outputRoot),
      ledger: readLedgerJournal(journal),
      communicationsSubmitted: COMMUNICATIONS,
      archive: flow.archive,
    });
    assert.deepEqual(problems(figures), []);
    assert.equal(figures.archived, COMMUNICATIONS, "every communication archived");
    assert.equal(figures.deadLettered, 0);
    assert.equal(figures.missing + figures.duplicateNames + figures.duplicateSha256 + figures.extraVersions, 0);
  }

  const points: Array<[string, string]> = [
    ["watch:hand-out@2", "a communication was handed out (in flight in the ledger), its upload not yet started"],
    ["archive:uploaded@3", "Content Server stored a document, the acknowledgement is not yet in the ledger"],
    ["ledger:append:ack@2", "half of an acknowledgement record is written and synced"],
    ["ledger:append:take@4", "half of a hand-out record is written and synced"],
    ["ledger:append:add@3", "half of a new communication's record is written while a manifest is expanded"],
  ];
  for (const [point, moment] of points) {
    it(`${point}: ${moment}`, async () => {
      await crashAt(point);
      await recover();
      assertExactlyOnce();
    });
  }

  it("ledger:compaction@1: the compaction at the next start is cut off between the snapshot and the rename", async () => {
    await nodeRed!.start();
    await nodeRed!.deploy(flow.flows);
    await produce(environment!.client, COMMUNICATIONS, COMMUNICATIONS, Date.now() + 60_000);
    while (newDocuments(environment!.cs, environment!.preexisting) < 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await nodeRed!.kill();
    await nodeRed!.start({ [ARM]: "ledger:compaction@1" }, true);
    await expectCrash("ledger:compaction");
    await recover();
    assertExactlyOnce();
  });
});
