/*
 * exstream-output-watch when its state store fails, in the real Node-RED runtime: a file ledger that meets a disk
 * fault turns the node red, hands nothing out any more, and fails the acknowledgement that met the fault so that a
 * Catch node gets the error; a PostgreSQL store whose database stops mid-run turns the node red, acknowledgements are
 * tried again until the database is back, the node turns green, and every communication is acknowledged once.
 */
import assert from "node:assert/strict";
import fs, { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EventEmitter } from "node:events";
import helper from "node-red-node-test-helper";
import type { Pool } from "pg";
import sinon from "sinon";
import ccmState from "../../../nodes/ccm-state/ccm-state";
import outputWatch from "../../../nodes/exstream-output-watch/exstream-output-watch";
import type { CommunicationMessage } from "../../../nodes/exstream-output-watch/types";
import { OutputWatcher } from "../../../nodes/lib/watch";
import { customerPdf, writeHandMadeRun } from "../../helpers/output-tree";
import { postgresSuite } from "../../helpers/postgres";

const catchNode = require("@node-red/nodes/core/common/25-catch.js");
const statusNode = require("@node-red/nodes/core/common/25-status.js");

helper.init(require.resolve("node-red"));

interface StatusMessage {
  status: { fill?: string; shape?: string; text?: string };
}
interface CaughtMessage {
  document?: { id: string };
  failure?: { reason: string; permanent: boolean };
  error: { message: string; source: { id: string } };
}
interface Harness {
  statuses: StatusMessage[];
  out: CommunicationMessage[];
  caught: CaughtMessage[];
  warnings: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, label: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await sleep(20);
  }
}

/** The test runtime shows i18n keys untranslated. */
const STATUS = (key: string) => `exstream-output-watch.status.${key}`;
const lastStatus = (h: Harness) => h.statuses[h.statuses.length - 1]?.status;

describe("exstream-output-watch node when its state store fails", function () {
  this.timeout(120_000);
  let tmp: string;
  let root: string;

  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "watch-state-"));
    root = path.join(tmp, "output-root");
    await fsp.mkdir(root, { recursive: true });
  });
  afterEach(async () => {
    sinon.restore();
    await helper.unload();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  /** A watch node (output 1 → out), a Catch node for its errors and a Status node watching it; extra nodes beside. */
  async function deploy(
    props: Record<string, unknown>,
    extra: Array<{ id: string; type: string }> = [],
  ): Promise<Harness> {
    const flow = [
      { id: "tab1", type: "tab", label: "t" },
      {
        id: "watch1",
        z: "tab1",
        type: "exstream-output-watch",
        source: "folder",
        root,
        rootType: "str",
        ledgerDir: path.join(tmp, "ledger"),
        stabilityWindowMs: "40",
        scanIntervalMs: "100",
        retryDelayMs: "0",
        wires: [["out"], []],
        ...props,
      },
      { id: "out", z: "tab1", type: "helper" },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper" },
      { id: "statusOf", z: "tab1", type: "status", scope: ["watch1"], wires: [["statuses"]] },
      { id: "statuses", z: "tab1", type: "helper" },
      ...extra,
    ];
    await helper.load([outputWatch, ccmState, catchNode, statusNode], flow);
    const h: Harness = { statuses: [], out: [], caught: [], warnings: [] };
    const listen = <T>(id: string, sink: T[]) =>
      (helper.getNode(id) as unknown as EventEmitter).on("input", (msg: T) => sink.push(msg));
    listen("statuses", h.statuses);
    listen("out", h.out);
    listen("caught", h.caught);
    const watch = helper.getNode("watch1") as unknown as { warn: (m: unknown) => void };
    const warn = watch.warn.bind(watch);
    watch.warn = (m: unknown) => {
      h.warnings.push(String(m));
      warn(m);
    };
    return h;
  }

  const acknowledge = (msg: CommunicationMessage) =>
    helper.getNode("watch1").receive({ document: { id: msg.document.id }, cs: { nodeId: 42, outcome: "created" } });

  async function writeRun(jobId: string, customers: number): Promise<void> {
    await writeHandMadeRun({
      root,
      jobId,
      files: Array.from({ length: customers }, (_, i) =>
        customerPdf(`ACC-${jobId}-${i}.pdf`, String(100 + i), `%PDF-1.4 ${jobId} ${i}`),
      ),
    });
  }

  it("on a disk fault of its file ledger turns red, hands nothing out any more, and fails the acknowledgement to a Catch node", async () => {
    await writeRun("job-fault", 3);
    // A fake Date decides when the lease of a handed-out communication runs out, whatever the machine's speed.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      // retryDelayMs sets the hand-out tick (100 ms); the ack timeout is far off until the clock is moved.
      const h = await deploy({ maxInFlight: "1", ackTimeoutMs: "60000", retryDelayMs: "200", maxAttempts: "10" });
      const counts = sinon.spy(OutputWatcher.prototype, "counts");
      const watcher = () => counts.lastCall?.thisValue as OutputWatcher | undefined;
      await until(
        () => (clock.tick(50), h.out.length >= 1 && watcher()?.pendingManifests() === 0),
        "the first communication, its run recorded as a whole",
      );
      // The disk is full and the journal cannot even be cut back: the ledger stops.
      const full = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      const writeSync = sinon.stub(fs, "writeSync").throws(full);
      const ftruncateSync = sinon.stub(fs, "ftruncateSync").throws(Object.assign(new Error("EIO"), { code: "EIO" }));
      acknowledge(h.out[0]);
      await until(() => h.caught.length >= 2, "the stop and the failed acknowledgement at the Catch node");
      writeSync.restore();
      ftruncateSync.restore();
      const failedAck = h.caught.find((m) => m.document);
      assert.equal(failedAck?.error.source.id, "watch1");
      assert.equal(failedAck?.document?.id, h.out[0].document.id, "the acknowledgement that met the fault");
      assert.match(failedAck.error.message, /communications\.journal: write failed \(ENOSPC\).*the ledger stopped/);
      assertLedgerStopReported(h);
      await until(() => lastStatus(h)?.text === STATUS("ledgerFailed"), "the ledger-failed status");
      assert.equal(lastStatus(h)?.fill, "red");

      // Past the ack timeout a working ledger would hand the communication out again at the next round.
      clock.tick(120_000);
      const pump = sinon.spy(OutputWatcher.prototype as unknown as { pump(): void }, "pump");
      await until(() => pump.callCount >= 5, "five more hand-out rounds");
      assert.equal(h.out.length, 1, "neither the unacknowledged one again nor the two waiting ones");
      assert.equal(lastStatus(h)?.text, STATUS("ledgerFailed"), "stays red");
    } finally {
      clock.restore();
    }
  });

  it("on a disk fault while recording a new run (no acknowledgement waiting) stops, turns red and tells a Catch node", async () => {
    const h = await deploy({ maxInFlight: "4" });
    await until(() => lastStatus(h)?.text === STATUS("watching"), "watching");
    const full = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    const writeSync = sinon.stub(fs, "writeSync").throws(full);
    const ftruncateSync = sinon.stub(fs, "ftruncateSync").throws(Object.assign(new Error("EIO"), { code: "EIO" }));
    try {
      await writeRun("job-unrecorded", 2);
      await until(() => h.caught.length >= 1, "the stop at the Catch node");
    } finally {
      writeSync.restore();
      ftruncateSync.restore();
    }
    assertLedgerStopReported(h);
    await until(() => lastStatus(h)?.text === STATUS("ledgerFailed"), "the ledger-failed status");
    assert.equal(h.out.length, 0, "nothing handed out of a run the ledger could not record");
  });

  /** The Catch node got the stop itself: from the watch, naming the journal and the fault, with a msg.failure. */
  function assertLedgerStopReported(h: Harness): void {
    const stop = h.caught.find((m) => !m.document);
    assert.ok(stop, `the stop at the Catch node: ${h.caught.map((m) => m.error.message).join(" | ")}`);
    assert.equal(stop.error.source.id, "watch1");
    assert.match(stop.error.message, /(communications|manifests)\.journal: .*\(ENOSPC\).*the ledger stopped/);
    assert.match(stop.failure?.reason ?? "", /the ledger stopped/);
  }

  describe("on PostgreSQL", () => {
    const pg = postgresSuite("watch-state-pg-");
    const SCHEMA = "watch_state";
    let readerPool: Pool | undefined;
    const reader = () => (readerPool ??= pg.pool(1));

    const done = async () =>
      (
        await reader().query(
          `SELECT count(*)::int AS n FROM "${SCHEMA}".work_items WHERE queue = 'watch-state/communications' AND state = 'done'`,
        )
      ).rows[0].n as number;

    it("turns red while the database is stopped, records the acknowledgements once it is back, and turns green", async () => {
      const COMMUNICATIONS = 8;
      await writeRun("job-db", COMMUNICATIONS);
      const state = {
        id: "state1",
        type: "ccm-state",
        kind: "postgresql",
        url: pg.server.url,
        tls: "off",
        poolSize: "2",
        schema: SCHEMA,
      };
      const h = await deploy({ state: "state1", ledgerName: "watch-state", maxInFlight: "2" }, [state]);
      let autoAck = false;
      (helper.getNode("out") as unknown as EventEmitter).on("input", (msg: CommunicationMessage) => {
        if (autoAck) acknowledge(msg);
      });
      await until(() => h.out.length >= 2, "two communications");
      h.out.slice(0, 2).forEach(acknowledge);
      await until(
        async () => (await done().catch(() => 0)) >= 2 && h.out.length >= 4,
        "two acknowledged, two more out",
      );

      pg.server.stop();
      // Acknowledged while the database is down: tried again until it is back.
      h.out.slice(2, 4).forEach(acknowledge);
      await until(() => lastStatus(h)?.text === STATUS("stateError"), "the state-error status");
      assert.equal(lastStatus(h)?.fill, "red");
      assert.ok(
        h.warnings.some((w) => /^state store \(postgresql\): \S/.test(w)),
        `the node names the database problem: ${h.warnings.join(" | ")}`,
      );
      assert.equal(h.out.length, 4, "two in flight: nothing more handed out before their acknowledgements count");

      autoAck = true;
      pg.server.start();
      await until(async () => (await done().catch(() => 0)) >= COMMUNICATIONS, "every communication acknowledged");
      await until(() => lastStatus(h)?.fill === "green", "the green status");
      assert.equal(lastStatus(h)?.text, STATUS("watching"));
      assert.ok(h.warnings.includes("state store (postgresql) reachable again"), h.warnings.join(" | "));
      const ids = h.out.map((m) => m.document.id);
      assert.equal(new Set(ids).size, COMMUNICATIONS, "every communication handed out");
      assert.equal(ids.length, COMMUNICATIONS, "none twice");
      assert.deepEqual(h.caught, [], "no acknowledgement failed: each was tried again until recorded");
      const { rows } = await reader().query(
        `SELECT state, count(*)::int AS n FROM "${SCHEMA}".work_items WHERE queue = 'watch-state/communications' GROUP BY state`,
      );
      assert.deepEqual(rows, [{ state: "done", n: COMMUNICATIONS }], "nothing pending, in flight or dead");
    });
  });
});
