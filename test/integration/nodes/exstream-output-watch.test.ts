import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EventEmitter } from "node:events";
import helper from "node-red-node-test-helper";
import sinon from "sinon";
import outputWatch from "../../../nodes/exstream-output-watch/exstream-output-watch";
import type { CommunicationMessage, DeadLetterMessage } from "../../../nodes/exstream-output-watch/types";
import { ExstreamClient } from "../../../nodes/lib/exstream";
import { fileThread, SMALL_FILE_BYTES } from "../../../nodes/lib/files/file-thread";
import { OutputWatcher, type WatchCounts } from "../../../nodes/lib/watch";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { customerPdf as pdf, outputDirOf, utf16, writeHandMadeRun, type HandMadeRun } from "../../helpers/output-tree";
import { clientFor, driverSample } from "../exstream/setup";

const catchNode = require("@node-red/nodes/core/common/25-catch.js");
const statusNode = require("@node-red/nodes/core/common/25-status.js");

helper.init(require.resolve("node-red"));

interface Harness {
  /** Messages of a Status node watching the node. */
  statuses: Array<{ status: { fill?: string; shape?: string; text?: string } }>;
  out: CommunicationMessage[];
  dead: DeadLetterMessage[];
  caught: Array<DeadLetterMessage & { error: { message: string; source: { id: string } } }>;
}

/** Collects what a helper node receives. */
function listen<T>(id: string, sink: T[]): void {
  (helper.getNode(id) as unknown as EventEmitter).on("input", (msg: T) => sink.push(msg));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, label: string, timeoutMs = 8_000): Promise<void> {
  // performance.now, not Date: a test may fake Date.
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await sleep(10);
  }
}

/** Lets messages sent so far reach the helper nodes (Node-RED delivers them on later turns of the event loop). */
async function delivered(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((r) => setImmediate(r));
}

const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await fsp.readFile(file))
    .digest("hex");

describe("exstream-output-watch node (folder mode)", function () {
  this.timeout(30_000);
  let tmp: string;
  let root: string;
  let ledgerDir: string;
  /** Every fs.promises.stat call: the watch's looks at the root (one per walk) and at manifests are counted. */
  let stat: sinon.SinonSpy;
  /** Calls of OutputWatcher#counts: the deployed watcher is the `this` of the latest one. */
  let counts: sinon.SinonSpy;

  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "output-watch-"));
    root = path.join(tmp, "output-root");
    ledgerDir = path.join(tmp, "ledger");
    await fsp.mkdir(root, { recursive: true });
    stat = sinon.spy(fsp, "stat");
    counts = sinon.spy(OutputWatcher.prototype, "counts");
  });
  afterEach(async () => {
    await helper.unload();
    stat.restore();
    counts.restore();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  /** Deploys a watch node (output 1 → out, output 2 → dead) plus a Catch node for its errors. */
  async function deploy(props: Record<string, unknown> = {}): Promise<Harness> {
    const flow = [
      { id: "tab1", type: "tab", label: "t" },
      {
        id: "watch1",
        z: "tab1",
        type: "exstream-output-watch",
        x: 100,
        y: 100,
        source: "folder",
        root,
        rootType: "str",
        ledgerDir,
        stabilityWindowMs: "40",
        scanIntervalMs: "100",
        ackTimeoutMs: "60000",
        retryDelayMs: "0",
        manifestAttempts: "2",
        wires: [["out"], ["dead"]],
        ...props,
      },
      { id: "out", z: "tab1", type: "helper", x: 300, y: 100 },
      { id: "dead", z: "tab1", type: "helper", x: 300, y: 200 },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, x: 100, y: 300, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper", x: 300, y: 300 },
      { id: "statusOf", z: "tab1", type: "status", scope: ["watch1"], x: 100, y: 400, wires: [["statuses"]] },
      { id: "statuses", z: "tab1", type: "helper", x: 300, y: 400 },
    ];
    await helper.load([outputWatch, catchNode, statusNode], flow);
    const harness: Harness = { statuses: [], out: [], dead: [], caught: [] };
    listen("statuses", harness.statuses);
    listen("out", harness.out);
    listen("dead", harness.dead);
    listen("caught", harness.caught);
    return harness;
  }

  /**
   * Waits until the watch has walked the whole tree once more after this call and settled every manifest it saw,
   * and returns its ledger counts then. Anything a rescan could still hand out shows in those counts (backlog), and
   * anything handed out (in flight, dead) has reached the helper nodes: a "nothing more" assertion needs no waiting
   * period after it.
   */
  async function quiet(): Promise<WatchCounts> {
    const walks = () => stat.getCalls().filter((call) => call.args[0] === root).length;
    const started = walks();
    // One walk at a time, each starting with a look at the root: the second start after this call ends a whole walk.
    await until(() => walks() >= started + 2, "a whole walk of the tree");
    const watcher = () => counts.lastCall.thisValue as OutputWatcher;
    await until(() => watcher().pendingManifests() === 0, "every manifest seen settled");
    await delivered();
    return watcher().counts();
  }

  const acknowledge = (msg: CommunicationMessage) =>
    helper.getNode("watch1").receive({ document: { id: msg.document.id }, cs: { nodeId: 42, outcome: "created" } });

  const restart = async (props: Record<string, unknown> = {}) => {
    await helper.unload();
    return deploy(props);
  };

  /** One customer with a PDF and an HTML rendition. */
  const simpleRun = (jobId: string, customer = "1", extra: Partial<HandMadeRun> = {}): HandMadeRun => ({
    root,
    jobId,
    files: [
      {
        queue: "Print_PDF",
        mimeType: "application/pdf",
        pdl: "PDF",
        name: `ACC-${customer}.pdf`,
        content: `%PDF-1.4 customer ${customer}`,
        customers: [{ number: customer, keys: { AccountNumber: `ACC-${customer}`, Language: "en" } }],
      },
      {
        queue: "Email_HTML",
        mimeType: "text/html",
        pdl: "HTML",
        name: `ACC-${customer}.html`,
        content: `<html>${customer}</html>`,
        customers: [{ number: customer, keys: { AccountNumber: `ACC-${customer}`, EmailAddress: "a@example.test" } }],
      },
    ],
    ...extra,
  });

  describe("with output trees written by the Exstream simulator", () => {
    let sim: TestExstreamSim;
    let client: ExstreamClient;
    let driver: Buffer;

    async function runBatch(): Promise<string> {
      const [instance] = await client.submitBatch({ channel: EXSTREAM_DEMO.batchChannel, body: driver });
      await client.waitForJob(instance.jobId, { pollIntervalMs: 10 });
      return instance.jobId;
    }

    afterEach(async () => {
      client?.close();
      await sim?.close();
    });

    async function startSim(flags: Record<string, string> = {}): Promise<void> {
      sim = await startTestExstreamSim({ output: root, ...flags });
      client = clientFor(sim);
      driver = await driverSample(client, "Monthly Statement");
    }

    it("emits exactly one message per customer, grouping every channel file, its keys and its own delivery-log extract", async () => {
      await startSim();
      const h = await deploy();
      const jobId = await runBatch();
      await until(() => h.out.length >= 4, "4 communications");
      assert.deepEqual(await quiet(), { inFlight: 4, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 4, "exactly one message per customer");
      assert.equal(h.dead.length, 0);
      const customers = h.out.map((m) => m.document.customerNumber).sort();
      assert.deepEqual(customers, ["1", "2", "3", "4"]);
      for (const msg of h.out) {
        const doc = msg.document;
        assert.equal(msg.filename, doc.path);
        assert.ok(
          path.isAbsolute(msg.filename) && msg.filename.startsWith(await fsp.realpath(root)),
          "inside the root",
        );
        assert.match(doc.fileName, /\.pdf$/);
        assert.equal(doc.queue, "Print_PDF");
        assert.equal(doc.channel, "print");
        assert.equal(doc.mimeType, "application/pdf");
        assert.equal(doc.sha256, await sha256(msg.filename));
        assert.equal(doc.size, (await fsp.stat(msg.filename)).size);
        assert.equal(doc.job.jobId, jobId);
        assert.equal(doc.job.tenant, "demo");
        assert.equal(doc.job.domain, "Demo");
        assert.ok(doc.job.flowInstanceId && doc.job.runId, "flow instance and run from the folder layout");
        assert.equal(
          doc.id,
          `${jobId}/${doc.job.flowInstanceId}/${doc.job.runId}/${doc.customerNumber}/${doc.fileName}#${doc.sha256}`,
        );
        assert.equal(msg.topic, `${jobId}/${doc.customerNumber}`);
        assert.equal(doc.attempt, 1);
        assert.equal(doc.keys.AccountNumber, `ACC-100${doc.customerNumber}`);
        assert.equal(doc.keys.EmailAddress !== undefined, true, "keys of the other channels are kept");
        assert.deepEqual(msg.payload, doc.keys);
        assert.equal(doc.variant.Language, doc.keys.Language);
        assert.equal(doc.variant.Jurisdiction, doc.keys.Jurisdiction);
        assert.equal(doc.variant.Variant, doc.keys.Variant);
        assert.deepEqual(doc.related.map((r) => [r.queue, r.channel]).sort(), [
          ["Email_HTML", "email"],
          ["SMS_Text", "sms"],
        ]);
        for (const r of doc.related) {
          assert.equal(r.sha256, await sha256(r.path));
          assert.equal(r.size, (await fsp.stat(r.path)).size);
          assert.match(r.fileName, new RegExp(`ACC-100${doc.customerNumber}_`));
        }
        assert.ok(doc.deliveryLog, "delivery log attached");
        assert.equal(doc.deliveryLog.fileName, "delivery_log.xml", "archived under the log's own name");
        assert.ok(doc.deliveryLog.path?.startsWith(ledgerDir), "the customer's extract, kept beside the ledger");
        const extract = await fsp.readFile(doc.deliveryLog.path!, "utf8");
        for (const other of ["1", "2", "3", "4"].filter((n) => n !== doc.customerNumber)) {
          assert.doesNotMatch(extract, new RegExp(`ACC-100${other}|number="${other}"`), "no other customer in it");
        }
        assert.match(extract, new RegExp(`<customer number="${doc.customerNumber}" accountNumber="ACC-100`));
        assert.deepEqual(
          doc.deliveryLog.entries.map((e) => [e.channel, e.outcome]),
          [
            ["print", "delivered"],
            ["email", "delivered"],
            ["sms", "delivered"],
          ],
          "the delivery-log lines of that customer only",
        );
        assert.deepEqual(doc.channels, ["print", "email", "sms"]);
        const manifest = await fsp.stat(doc.manifest);
        assert.equal(doc.job.runDate, new Date(manifest.mtimeMs).toISOString(), "the run's date: its manifest's");
      }
    });

    it("processes manifests already present when it starts", async () => {
      await startSim();
      await runBatch();
      await runBatch();
      const h = await deploy();
      await until(() => h.out.length >= 8, "8 communications of two earlier jobs");
      assert.deepEqual(await quiet(), { inFlight: 8, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 8);
      assert.equal(new Set(h.out.map((m) => m.document.id)).size, 8);
    });

    it("does not read a manifest written slowly in chunks before it is stable, and emits each communication once", async () => {
      await startSim({ "write-mode": "slow", "chunk-delay-ms": "30" });
      // A frozen Date: however long the machine stalls between two chunks, the stability window does not pass
      // until the test moves the clock on, after the engine finished writing.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
      try {
        const h = await deploy({ stabilityWindowMs: "150", manifestAttempts: "1" });
        const manifestLooks = () =>
          stat.getCalls().filter((call) => String(call.args[0]).endsWith("_STDDELIVERYFILE.xml")).length;
        await runBatch();
        await until(() => manifestLooks() >= 2, "the watch looking at the manifest");
        assert.equal(h.out.length + h.dead.length, 0, "nothing read before the window passed");
        await until(() => (clock.tick(50), h.out.length >= 4), "4 communications");
        assert.deepEqual(await quiet(), { inFlight: 4, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
        assert.equal(h.out.length, 4);
        assert.equal(h.dead.length, 0, "a half-written manifest was never parsed (it would have been dead-lettered)");
        for (const msg of h.out) assert.equal(msg.document.sha256, await sha256(msg.filename));
      } finally {
        clock.restore();
      }
    });

    it("with one message per file: every output file alone, related empty", async () => {
      await startSim();
      const h = await deploy({ emitPer: "file", maxInFlight: "20" });
      await runBatch();
      await until(() => h.out.length >= 12, "12 files");
      assert.deepEqual(await quiet(), { inFlight: 12, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 12);
      assert.ok(
        h.out.every((m) => m.document.related.length === 0),
        "no related files",
      );
      assert.deepEqual(
        [...new Set(h.out.map((m) => m.document.channel))].sort(),
        ["email", "print", "sms"],
        "channel from mime type / PDL",
      );
      assert.equal(new Set(h.out.map((m) => m.document.id)).size, 12);
    });
  });

  describe("delivery-log extracts", () => {
    it("keeps a customer's delivery-log extract until its communication is finished, then removes it", async () => {
      const report = {
        name: "delivery_log.xml",
        dataFile: "Delivery_Log",
        content:
          '<deliveryLog><customer number="1"><queue name="Print_PDF" status="sent"/></customer>' +
          '<customer number="2"><queue name="Print_PDF" status="sent"/></customer></deliveryLog>',
        customers: ["1", "2"],
      };
      await writeHandMadeRun({ ...simpleRun("job-log", "1"), report });
      await writeHandMadeRun({ ...simpleRun("job-log2", "2"), report });
      let h = await deploy();
      await until(() => h.out.length >= 2, "2 communications");
      const extracts = h.out.map((m) => m.document.deliveryLog?.path ?? "");
      assert.ok(
        extracts.every((file) => file.startsWith(path.join(ledgerDir, "delivery-logs"))),
        String(extracts),
      );
      acknowledge(h.out[0]);
      h = await restart(); // the sweep runs at start, then every minute
      await until(() => !existsSync(extracts[0]), "the finished communication's extract removed");
      assert.ok(existsSync(extracts[1]), "the unfinished one's kept");
      await until(() => h.out.length >= 1, "the unfinished communication re-emitted");
      assert.equal(h.out[0].document.deliveryLog?.path, extracts[1]);
    });

    it("hands on no log at all when the run's log does not name the customer or cannot be read; channels then come from the files", async () => {
      const other = { name: "delivery_log.xml", dataFile: "Delivery_Log", customers: ["1"] };
      await writeHandMadeRun({
        ...simpleRun("job-unnamed", "1"),
        report: {
          ...other,
          content: '<deliveryLog><customer number="2"><queue name="x" status="sent"/></customer></deliveryLog>',
        },
      });
      await writeHandMadeRun({
        ...simpleRun("job-broken", "1"),
        report: { ...other, content: "<deliveryLog><customer" },
      });
      await writeHandMadeRun(simpleRun("job-none", "1"));
      const h = await deploy();
      await until(() => h.out.length >= 3, "3 communications");
      for (const msg of h.out) {
        const doc = msg.document;
        if (doc.job.jobId === "job-none") assert.equal(doc.deliveryLog, undefined, "a run without a log");
        else assert.deepEqual(doc.deliveryLog, { fileName: "delivery_log.xml", mimeType: "text/xml", entries: [] });
        assert.deepEqual(doc.channels, ["print", "email"], `${doc.job.jobId}: the channels of its own files`);
      }
      assert.equal(h.dead.length, 0);
    });
  });

  describe("acknowledgements and the durable ledger", () => {
    it("never emits an acknowledged communication again, even after a restart", async () => {
      await writeHandMadeRun(simpleRun("job-a", "1"));
      await writeHandMadeRun(simpleRun("job-b", "2"));
      // job-c is never acknowledged: its re-emissions prove the watch looked for overdue communications meanwhile.
      await writeHandMadeRun(simpleRun("job-c", "3"));
      const jobs = (h: Harness) => h.out.map((m) => m.document.job.jobId);
      // A fake Date decides when acknowledgements are overdue, whatever the machine's speed.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
      try {
        let h = await deploy();
        await until(() => (clock.tick(50), h.out.length >= 3), "3 communications");
        h.out.filter((m) => m.document.job.jobId !== "job-c").forEach(acknowledge);
        clock.tick(60_000); // past the ack timeout
        await until(() => h.out.length >= 4, "the unacknowledged communication again");
        assert.deepEqual(jobs(h).sort(), ["job-a", "job-b", "job-c", "job-c"], "acknowledged ones not re-emitted");
        h = await restart();
        await until(() => h.out.length >= 1, "the unacknowledged communication after the restart");
        assert.deepEqual(jobs(h), ["job-c"], "acknowledged ones not emitted after a restart");
      } finally {
        clock.restore();
      }
      const journal = await fsp.readFile(path.join(ledgerDir, "communications.journal"), "utf8");
      assert.match(journal, /"state":"done"/, "recorded as acknowledged (compacted on restart)");
    });

    it("re-emits an unacknowledged communication after the ack timeout, at most maxAttempts times, then dead-letters it", async () => {
      await writeHandMadeRun(simpleRun("job-a"));
      const h = await deploy({ ackTimeoutMs: "100", maxAttempts: "3" });
      await until(() => h.dead.length >= 1, "dead letter");
      assert.deepEqual(
        h.out.map((m) => m.document.attempt),
        [1, 2, 3],
      );
      assert.equal(new Set(h.out.map((m) => m.document.id)).size, 1);
      const [letter] = h.dead;
      assert.equal(letter.deadLetter.kind, "communication");
      assert.equal(letter.deadLetter.attempts, 3);
      assert.match(letter.deadLetter.reason, /not acknowledged within 100 ms/);
      assert.equal(letter.document?.id, h.out[0].document.id);
      assert.equal(letter.filename, h.out[0].filename);
      await until(() => h.caught.length >= 1, "Catch node");
      assert.equal(h.caught[0].error.source.id, "watch1");
      assert.match(h.caught[0].error.message, /^OutputWatchError: /);
      assert.match(h.caught[0].deadLetter.reason, /not acknowledged within 100 ms/, "the Catch node gets the reason");
      assert.deepEqual(await quiet(), { inFlight: 0, backlog: 0, done: 0, dead: 1, manifestsActive: 0 });
      assert.equal(h.out.length, 3, "never emitted again");
    });

    it("dead-letters at once on a permanent failure and re-emits after a transient one", async () => {
      await writeHandMadeRun(simpleRun("job-a", "1"));
      await writeHandMadeRun(simpleRun("job-b", "2"));
      const h = await deploy({ maxAttempts: "5" });
      await until(() => h.out.length >= 2, "2 communications");
      const [first, second] = [...h.out].sort((a, b) => a.topic.localeCompare(b.topic));
      const watch = helper.getNode("watch1");
      watch.receive({
        ...first,
        error: { message: "ContentServerError: category attribute invalid", source: { id: "archive1" } },
        failure: { reason: "category attribute invalid", permanent: true },
      });
      watch.receive({
        ...second,
        error: { message: "ContentServerError: HTTP 503", source: { id: "archive1" } },
        failure: { reason: "HTTP 503", permanent: false },
      });
      await until(() => h.dead.length >= 1 && h.out.length >= 3, "dead letter and re-emission");
      assert.equal(h.dead[0].document?.id, first.document.id);
      assert.equal(h.dead[0].deadLetter.reason, "category attribute invalid");
      assert.equal(h.dead[0].deadLetter.attempts, 1);
      assert.equal(h.out[2].document.id, second.document.id);
      assert.equal(h.out[2].document.attempt, 2);
      assert.deepEqual(await quiet(), { inFlight: 1, backlog: 0, done: 0, dead: 1, manifestsActive: 0 });
      assert.equal(h.out.length, 3);
      assert.equal(h.dead.length, 1);
    });

    it("re-emits communications left unacknowledged by a restart", async () => {
      await writeHandMadeRun(simpleRun("job-a", "1"));
      await writeHandMadeRun(simpleRun("job-b", "2"));
      let h = await deploy();
      await until(() => h.out.length >= 2, "2 communications");
      const ids = h.out.map((m) => m.document.id).sort();
      h = await restart();
      await until(() => h.out.length >= 2, "2 re-emitted communications");
      assert.deepEqual(await quiet(), { inFlight: 2, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.deepEqual(h.out.map((m) => m.document.id).sort(), ids);
      assert.ok(
        h.out.every((m) => m.document.attempt === 2),
        "second attempt",
      );
    });

    it("keeps no more than maxInFlight communications unacknowledged; the rest wait", async () => {
      for (let i = 1; i <= 5; i++) await writeHandMadeRun(simpleRun(`job-${i}`, String(i)));
      const h = await deploy({ maxInFlight: "2" });
      await until(() => h.out.length >= 2, "2 communications");
      // All five expanded: three wait in the backlog while two are in flight.
      assert.deepEqual(await quiet(), { inFlight: 2, backlog: 3, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 2, "bounded by maxInFlight");
      acknowledge(h.out[0]);
      await until(() => h.out.length >= 3, "one more after an acknowledgement");
      assert.deepEqual(await quiet(), { inFlight: 2, backlog: 2, done: 1, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 3);
      for (const msg of h.out.slice(1)) acknowledge(msg);
      await until(() => h.out.length >= 5, "all five");
      assert.equal(new Set(h.out.map((m) => m.document.id)).size, 5);
    });

    it("ignores acknowledgements for unknown ids and its own dead letters coming back through a Catch node", async () => {
      await writeHandMadeRun(simpleRun("job-a"));
      const h = await deploy();
      await until(() => h.out.length >= 1, "communication");
      const watch = helper.getNode("watch1") as unknown as { warn: (m: string) => void };
      const warnings: string[] = [];
      const original = watch.warn.bind(watch);
      watch.warn = (m: string) => {
        warnings.push(String(m));
        original(m);
      };
      helper.getNode("watch1").receive({ document: { id: "no-such-id" }, cs: {} });
      helper.getNode("watch1").receive({
        document: { id: h.out[0].document.id },
        error: { message: "dead", source: { id: "watch1" } },
      });
      // Input is handled in order: once a later message is answered, the two before it have been handled.
      helper.getNode("watch1").receive({ document: { id: "marker-after-both" }, cs: {} });
      await until(() => warnings.length >= 2, "the later message handled");
      // The test runtime returns i18n keys untranslated.
      assert.deepEqual(warnings, [
        "exstream-output-watch.errors.unknownDocument",
        "exstream-output-watch.errors.unknownDocument",
      ]);
      assert.deepEqual(await quiet(), { inFlight: 1, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.dead.length, 0, "its own error is not a downstream failure");
    });
  });

  describe("paths and broken output", () => {
    it("refuses files resolving outside the root (.., absolute, symlink) and missing files, dead-lettering those communications", async () => {
      const outside = path.join(tmp, "outside");
      await fsp.mkdir(outside, { recursive: true });
      await fsp.writeFile(path.join(outside, "secret.pdf"), "%PDF secret");
      const run: HandMadeRun = {
        root,
        jobId: "job-paths",
        files: [
          pdf("good.pdf", "1", "%PDF good"),
          pdf("/mnt/nfs/t1/Demo/jobs/job-paths/fi-1/docgen/run-1/output/../../../../../../../../secret.pdf", "2"),
          pdf(path.join(outside, "secret.pdf").replace(/\/output\//g, "/"), "3"),
          pdf("link.pdf", "4"),
          pdf("missing.pdf", "5"),
        ],
      };
      await writeHandMadeRun(run);
      await fsp.symlink(path.join(outside, "secret.pdf"), path.join(outputDirOf(run), "Queue_1_Print_PDF", "link.pdf"));
      const h = await deploy({ missingFileGraceMs: "0" });
      await until(() => h.dead.length >= 4 && h.out.length >= 1, "1 communication and 4 dead letters");
      assert.deepEqual(await quiet(), { inFlight: 1, backlog: 0, done: 0, dead: 4, manifestsActive: 0 });
      assert.equal(h.out.length, 1);
      assert.equal(h.out[0].document.customerNumber, "1");
      const reasons = new Map(h.dead.map((d) => [d.document?.customerNumber, d.deadLetter.reason]));
      assert.match(reasons.get("2")!, /climbs out of its output folder/);
      assert.match(reasons.get("3")!, /not inside an output\/ folder/);
      assert.match(reasons.get("4")!, /link to a place outside the watched root/);
      assert.match(reasons.get("5")!, /does not exist/);
      const local = path.join(outputDirOf(run), "Queue_1_Print_PDF", "missing.pdf");
      assert.ok(reasons.get("5")!.includes(`looked for at ${local}`), "names the local path tried");
      assert.ok(
        h.dead.every((d) => d.deadLetter.attempts === 0 && d.document?.sha256 === ""),
        "never emitted",
      );
      await until(() => h.caught.length >= 4, "Catch node sees every dead letter");
    });

    it("waits for a file the share shows late (grace period), then emits its communication once", async () => {
      const run: HandMadeRun = {
        root,
        jobId: "job-late",
        files: [pdf("early.pdf", "1", "%PDF early"), pdf("late.pdf", "2")],
      };
      await writeHandMadeRun(run);
      const asked = sinon.spy(fileThread, "ask");
      try {
        const h = await deploy({ missingFileGraceMs: "20000" });
        await until(() => h.out.length >= 1, "the communication whose file is there");
        assert.equal(h.out[0].document.customerNumber, "1");
        const looksForLate = () => asked.getCalls().filter((call) => call.args[0].path.endsWith("late.pdf"));
        // Each expansion looks for the file once: the third look follows two complete expansions that missed it.
        await until(() => looksForLate().length >= 3, "three looks for the late file");
        await delivered();
        assert.equal(h.dead.length, 0, "a missing file is awaited, not dead-lettered");
        await fsp.writeFile(path.join(outputDirOf(run), "Queue_1_Print_PDF", "late.pdf"), "%PDF late");
        await until(() => h.out.length >= 2, "the late file's communication");
        assert.deepEqual(await quiet(), { inFlight: 2, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
        assert.deepEqual(
          h.out.map((m) => m.document.customerNumber),
          ["1", "2"],
          "each once",
        );
        assert.equal(h.dead.length, 0);
      } finally {
        asked.restore();
      }
    });

    it("dead-letters a communication whose file is still missing when the grace period ends, naming the local path", async () => {
      const run: HandMadeRun = {
        root,
        jobId: "job-never",
        files: [pdf("here.pdf", "1", "%PDF"), pdf("never.pdf", "2")],
      };
      await writeHandMadeRun(run);
      const h = await deploy({ missingFileGraceMs: "300" });
      await until(() => h.dead.length >= 1 && h.out.length >= 1, "1 communication and 1 dead letter");
      const reason = h.dead[0].deadLetter.reason;
      assert.match(reason, /^"\/mnt\/nfs\/t1\/Demo\/jobs\/job-never\/.*never\.pdf" \(looked for at /);
      assert.ok(reason.includes(path.join(outputDirOf(run), "Queue_1_Print_PDF", "never.pdf")), reason);
      assert.equal(h.dead[0].document?.customerNumber, "2");
      assert.deepEqual(await quiet(), { inFlight: 1, backlog: 0, done: 0, dead: 1, manifestsActive: 0 });
      assert.equal(h.out.length, 1, "the other customer emitted once");
    });

    it("hashes a file larger than the file thread reads as a stream, beside a small one hashed on the thread", async () => {
      const large = `%PDF ${"l".repeat(SMALL_FILE_BYTES)}`;
      await writeHandMadeRun({
        root,
        jobId: "job-sizes",
        files: [pdf("large.pdf", "1", large), pdf("small.pdf", "2", "%PDF small")],
      });
      const h = await deploy();
      await until(() => h.out.length >= 2, "both communications");
      const byCustomer = new Map(h.out.map((m) => [m.document.customerNumber, m]));
      assert.equal(byCustomer.get("1")!.document.size, Buffer.byteLength(large));
      for (const msg of h.out) assert.equal(msg.document.sha256, await sha256(msg.filename));
      assert.equal(h.dead.length, 0);
    });

    it("maps engine paths of another mount point onto the watched root", async () => {
      await writeHandMadeRun(simpleRun("job-mount"));
      const h = await deploy();
      await until(() => h.out.length >= 1, "communication");
      const expected = path.join(
        await fsp.realpath(outputDirOf(simpleRun("job-mount"))),
        "Queue_1_Print_PDF",
        "ACC-1.pdf",
      );
      assert.equal(h.out[0].filename, expected);
      assert.equal(
        h.out[0].document.related[0].path,
        expected.replace("Queue_1_Print_PDF/ACC-1.pdf", "Queue_2_Email_HTML/ACC-1.html"),
      );
    });

    it("dead-letters an empty or malformed manifest as a whole after its retries, and reads it once it is rewritten", async () => {
      const run = simpleRun("job-broken");
      const manifest = await writeHandMadeRun(run, { manifest: false });
      await fsp.writeFile(manifest, "");
      const other = path.join(outputDirOf(simpleRun("job-malformed")), "_STDDELIVERYFILE.xml");
      await fsp.mkdir(path.dirname(other), { recursive: true });
      await fsp.writeFile(other, utf16("<outputList><queue name='x'><file name='a'></queue></outputList>"));
      const h = await deploy({ manifestAttempts: "2" });
      await until(() => h.dead.length >= 2, "two manifest dead letters");
      const byPath = new Map(h.dead.map((d) => [d.manifest?.path, d]));
      assert.match(byPath.get(manifest)!.deadLetter.reason, /empty/);
      assert.equal(byPath.get(manifest)!.deadLetter.kind, "manifest");
      assert.equal(byPath.get(manifest)!.deadLetter.attempts, 2);
      assert.match(byPath.get(other)!.deadLetter.reason, /not well-formed|malformed/);
      assert.equal(h.out.length, 0);
      await writeHandMadeRun(run);
      await until(() => h.out.length >= 1, "the rewritten manifest");
      assert.deepEqual(await quiet(), { inFlight: 1, backlog: 0, done: 0, dead: 0, manifestsActive: 0 });
      assert.equal(h.out.length, 1);
      assert.equal(h.dead.length, 2, "the dead letter is recorded once, not again on every rescan");
      const journal = await fsp.readFile(path.join(ledgerDir, "manifests.journal"), "utf8");
      assert.match(journal, /"dead":true/);
    });

    it("treats a job folder that vanishes before its manifest is stable as cleanup, not as an error", async () => {
      const run = simpleRun("job-vanish");
      const manifest = await writeHandMadeRun(run, { manifest: false });
      await fsp.writeFile(manifest, utf16("<outputList>"));
      // A frozen Date keeps the manifest unstable however slow the machine; its looks are observed, not timed.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
      const looks = () => stat.getCalls().filter((call) => call.args[0] === manifest);
      try {
        const h = await deploy({ stabilityWindowMs: "300" });
        await until(() => looks().length >= 2, "the manifest seen and waiting to become stable");
        const before = looks().length;
        await fsp.rm(path.join(root, "t1", "Demo", "jobs", "job-vanish"), { recursive: true, force: true });
        // A look may fall in the middle of the removal and still find the manifest: the one that misses it counts.
        const missed = (call: sinon.SinonSpyCall) =>
          (call.returnValue as Promise<unknown>).then(
            () => false,
            (err: NodeJS.ErrnoException) => err.code === "ENOENT",
          );
        await until(
          async () => (await Promise.all(looks().slice(before).map(missed))).includes(true),
          "a look at the manifest after it vanished",
        );
        await writeHandMadeRun(simpleRun("job-after"));
        // The watch reads the fake Date: time moves on in steps while it waits for the next run's manifest.
        await until(() => (clock.tick(50), h.out.length >= 1), "still watching");
        assert.deepEqual(
          h.out.map((m) => m.document.job.jobId),
          ["job-after"],
        );
        assert.equal(h.dead.length, 0);
        assert.equal(h.caught.length, 0);
      } finally {
        clock.restore();
      }
    });

    it("shows a missing root in its status and starts watching once it appears", async () => {
      await fsp.rm(root, { recursive: true, force: true });
      const h = await deploy();
      await until(() => h.statuses.some(({ status: s }) => s.fill === "red"), "red status");
      assert.equal(
        h.statuses.find(({ status: s }) => s.fill === "red")?.status.text,
        "exstream-output-watch.status.rootMissing",
      );
      await fsp.mkdir(root, { recursive: true });
      await writeHandMadeRun(simpleRun("job-late"));
      await until(() => h.out.length >= 1, "communication after the root appeared");
      await until(() => h.statuses.some(({ status: s }) => s.fill === "blue"), "busy status");
      assert.equal(
        h.statuses.find(({ status: s }) => s.fill === "blue")?.status.text,
        "exstream-output-watch.status.busy",
      );
      acknowledge(h.out[0]);
      await until(() => h.statuses.at(-1)?.status.text === "exstream-output-watch.status.watching", "idle status");
      assert.equal(h.statuses.at(-1)?.status.fill, "green");
    });
  });
});
