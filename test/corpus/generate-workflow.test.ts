/*
 * Bad-input corpus, part 3: exstream-generate with unknown communications and bad driver data (against the Exstream
 * simulator), and cs-workflow-trigger tasks that vanish between the poll and the read (against the CS simulator) —
 * real nodes in the real Node-RED runtime. Each row: a clear catchable error (or, for the trigger, which has no input
 * message, a warning naming the task), msg.failure with the permanent flag, and the next good message still works.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import csConfig from "../../nodes/cs-config/cs-config";
import csWorkflowTrigger from "../../nodes/cs-workflow-trigger/cs-workflow-trigger";
import exstreamConfig from "../../nodes/exstream-config/exstream-config";
import exstreamGenerate from "../../nodes/exstream-generate/exstream-generate";
import { awaitPolls, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../helpers/exstream-sim";
import { Collector, csClient, csConfigNode, startByName } from "../helpers/workflow-kit";
import { until } from "./support";

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

interface GenerateCase {
  id: string;
  title: string;
  msg: Msg;
  error: RegExp;
  permanent: boolean;
}

const GOOD_DRIVER = { customer: { id: "C-1001", name: "Ada" } };

const GENERATE_CASES: GenerateCase[] = [
  {
    id: "g-unknown-name",
    title: "an unknown communication name",
    msg: { communication: "No Such Communication", payload: GOOD_DRIVER },
    error: /No Such Communication/,
    permanent: true,
  },
  {
    id: "g-unknown-id",
    title: "an unknown communication id (well-formed UUID)",
    msg: {
      communication: "c0000000-0000-4000-8000-00000000dead",
      driverDataSource: EXSTREAM_DEMO.driverDataSource,
      payload: GOOD_DRIVER,
    },
    error: /404|not found|unknown/i,
    permanent: true,
  },
  {
    id: "g-no-communication",
    title: "no communication at all",
    msg: { payload: GOOD_DRIVER },
    error: /communication/i,
    permanent: true,
  },
  {
    id: "g-no-driver",
    title: "no driver data (payload missing)",
    msg: { communication: "Monthly Statement" },
    // The test runtime shows i18n keys; the English text is "msg.payload (the driver data) is missing".
    error: /noDriverData|driver data/i,
    permanent: true,
  },
  {
    id: "g-malformed-json",
    title: "driver data that claims to be JSON but is cut off",
    msg: { communication: "Monthly Statement", payload: '{"customer": {"id": "C-1' },
    error: /400|invalid|JSON|driver/i,
    permanent: true,
  },
  {
    id: "g-wrong-type-communication",
    title: "a communication of the wrong type (an object)",
    msg: { communication: { id: 1 }, payload: GOOD_DRIVER },
    error: /communication|\[object Object\]/i,
    permanent: true,
  },
];

describe("bad-input corpus: exstream-generate and cs-workflow-trigger", function () {
  this.timeout(30_000);

  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
  });

  describe("exstream-generate (on demand) with unknown communications and bad driver data", () => {
    let sim: TestExstreamSim;
    let workDir: string;

    before(async () => {
      sim = await startTestExstreamSim();
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-generate-"));
    });
    after(async () => {
      await sim?.close();
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    async function deploy() {
      const flow = [
        { id: "tab1", type: "tab" },
        {
          id: "xcfg",
          type: "exstream-config",
          baseUrl: sim.url,
          tenant: EXSTREAM_DEMO.tenant,
          domain: EXSTREAM_DEMO.domain,
          grantType: "client_credentials",
          clientAuth: "body",
          retryBaseDelayMs: "5",
          retryAttempts: "2",
        },
        {
          id: "gen",
          z: "tab1",
          type: "exstream-generate",
          server: "xcfg",
          mode: "ondemand",
          // Blank fields: msg.communication / msg.driverDataSource supply them.
          communication: "",
          communicationType: "str",
          driverDataSource: "",
          driverDataSourceType: "str",
          channel: "",
          channelType: "str",
          readKeys: false,
          outputDir: workDir,
          wires: [["out"]],
        },
        { id: "out", z: "tab1", type: "helper" },
        { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
        { id: "caught", z: "tab1", type: "helper" },
      ];
      await helper.load([exstreamConfig, exstreamGenerate], flow as helper.TestFlows, {
        xcfg: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
      });
    }

    function send(msg: Msg): Promise<{ out?: Msg; caught?: Msg }> {
      return new Promise((resolve) => {
        const onOut = (m: Msg) => finish({ out: m });
        const onCaught = (m: Msg) => finish({ caught: m });
        const finish = (result: { out?: Msg; caught?: Msg }) => {
          helper.getNode("out").removeListener("input", onOut);
          helper.getNode("caught").removeListener("input", onCaught);
          resolve(result);
        };
        helper.getNode("out").on("input", onOut);
        helper.getNode("caught").on("input", onCaught);
        helper.getNode("gen").receive(msg);
      });
    }

    for (const row of GENERATE_CASES) {
      it(`${row.id}: ${row.title}`, async () => {
        await deploy();
        const result = await send({ _msgid: `corpus-${row.id}`, ...row.msg });
        assert.ok(!!result.out !== !!result.caught, "exactly one outcome");
        const caught = result.caught;
        assert.ok(caught, `expected an error, got a generated document`);
        assert.equal(caught._msgid, `corpus-${row.id}`, "the original message reaches the Catch node");
        assert.equal(caught.error.source.type, "exstream-generate");
        assert.match(caught.error.message, row.error);
        assert.doesNotMatch(caught.error.message, /<html|<!DOCTYPE/i);
        assert.equal(caught.failure?.permanent, row.permanent, `permanent: ${caught.failure?.reason}`);
        // No crash: the next good message is generated by the same deployment.
        const next = await send({ communication: "Monthly Statement", payload: GOOD_DRIVER });
        assert.equal(next.caught, undefined, next.caught?.error?.message);
        assert.ok(next.out!.document?.sha256, "a document was generated");
      });
    }
  });

  describe("cs-workflow-trigger: a task that vanishes between poll and read", () => {
    let sim: ContentServerSimulator;
    let userDir: string;

    beforeEach(async () => {
      sim = await startSeededContentServer();
      userDir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-wf-"));
      helper.settings({ userDir });
    });
    afterEach(async () => {
      await sim?.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    it("wf-vanished: a task completed by someone else while it is read is warned about by name, never emitted, and the next task still is", async () => {
      const admin = csClient(sim, "admin");
      const integration = csClient(sim, "integration");
      try {
        const vanishing = await startByName(admin, "Letter Generation", { "Customer ID": "C-VANISH" });
        // The read of the task form is held until the task has been completed by someone else.
        const formRead = sim.addFault({
          method: "GET",
          path: "api/v1/forms/processes/tasks/update",
          hold: true,
          times: 1,
        });
        await helper.load(
          [csConfig, csWorkflowTrigger],
          [
            { id: "tab1", type: "tab" },
            csConfigNode("csc1", sim),
            {
              id: "trig",
              z: "tab1",
              type: "cs-workflow-trigger",
              server: "csc1",
              mode: "poll",
              pollIntervalMs: "50",
              reemitAfterMs: "600000",
              wires: [["out"]],
            },
            { id: "out", z: "tab1", type: "helper" },
          ] as helper.TestFlows,
          { csc1: { username: "otintegration", password: "integration" } },
        );
        const trigger = helper.getNode("trig") as unknown as { warn: (m: unknown) => void };
        const warnings: string[] = [];
        const warn = trigger.warn.bind(trigger);
        trigger.warn = (m: unknown) => {
          warnings.push(String(m));
          warn(m);
        };
        const out = new Collector(helper.getNode("out"));
        await sim.faults.whenHeld(formRead.id!);
        await integration.workflows.completeTask({ processId: vanishing, taskId: 10 }, { action: "SendOn" });
        sim.faults.releaseHeld(formRead.id!);
        await until(() => warnings.length > 0, "a warning about the vanished task", 5000);
        assert.match(warnings[0], new RegExp(`^${vanishing}/${vanishing}/10: `), "names the task");
        assert.doesNotMatch(warnings[0], /integration|livelink|OTCSTicket/i, "no secret in the warning");
        const next = await startByName(admin, "Letter Generation", { "Customer ID": "C-NEXT" });
        await out.count(1, 5000);
        await awaitPolls(sim);
        assert.deepEqual(
          out.messages.map((m) => m.workflow.processId),
          [next],
          "the vanished task is never emitted; the next one is, once",
        );
      } finally {
        await admin.close();
        await integration.close();
      }
    });
  });
});
