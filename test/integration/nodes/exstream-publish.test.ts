import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import exstreamConfig from "../../../nodes/exstream-config/exstream-config";
import exstreamGenerate from "../../../nodes/exstream-generate/exstream-generate";
import exstreamPublish from "../../../nodes/exstream-publish/exstream-publish";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";

const catchNode = require("@node-red/nodes/core/common/25-catch.js");

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

const US_DISCLAIMER_ID = "b1000000-0000-4000-8000-000000000041";
const OLD_US_WORDING = "This notice is provided under the laws of the State of New York.";
const NEW_US_WORDING = "This notice is governed by the laws of the State of New York as amended on 1 March 2026.";
const BRAND_LOGO_ID = "b1000000-0000-4000-8000-000000000001";

const ALICE = {
  CustomerId: "C-1001",
  AccountNumber: "ACC-1001",
  FirstName: "Alice",
  LastName: "Johnson",
  Language: "en",
  Jurisdiction: "US",
  Segment: "retail",
  StatementDate: "2025-05-31",
  Balance: "1,250.40",
  Currency: "USD",
  DueDate: "2025-06-15",
};

function pdfText(pdf: Buffer): string {
  const file = path.join(os.tmpdir(), `publish-test-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    fs.rmSync(file, { force: true });
  }
}

describe("exstream-publish node", function () {
  this.timeout(20_000);
  let sim: TestExstreamSim;
  let workDir: string;

  before(async () => {
    sim = await startTestExstreamSim();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.close();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "exstream-publish-test-"));
  });
  afterEach(async () => {
    await helper.unload();
    sim.reset();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function design(domain: string, suffix: string): Promise<Response> {
    const token = await sim.token();
    return fetch(`${sim.url}/design/api/v1/resources/${domain}/${suffix}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
  }
  const contentOf = async (domain: string, id: string) =>
    Buffer.from(await (await design(domain, `${id}/content`)).arrayBuffer());
  const historyOf = async (domain: string, id: string) =>
    ((await (await design(domain, `history/${id}`)).json()) as { data: Msg[] }).data;

  async function load(props: Record<string, unknown>, domain: string = EXSTREAM_DEMO.domain) {
    const flow = [
      { id: "tab1", type: "tab" },
      {
        id: "exs1",
        type: "exstream-config",
        baseUrl: sim.url,
        domain,
        tenant: EXSTREAM_DEMO.tenant,
        grantType: "client_credentials",
        timeoutMs: "10000",
        retryAttempts: "1",
      },
      {
        id: "pub1",
        z: "tab1",
        type: "exstream-publish",
        server: "exs1",
        resourceId: "",
        resourceIdType: "str",
        resourceName: "",
        resourceNameType: "str",
        resourceType: "disclaimer",
        workflow: "auto",
        wires: [["out1"]],
        ...props,
      },
      { id: "out1", z: "tab1", type: "helper" },
      {
        id: "gen1",
        z: "tab1",
        type: "exstream-generate",
        server: "exs1",
        mode: "ondemand",
        communication: "Monthly Statement",
        communicationType: "str",
        outputDir: workDir,
        wires: [["gout1"]],
      },
      { id: "gout1", z: "tab1", type: "helper" },
      { id: "catch1", z: "tab1", type: "catch", scope: ["pub1", "gen1"], uncaught: false, wires: [["err1"]] },
      { id: "err1", z: "tab1", type: "helper" },
    ];
    await helper.load([exstreamConfig, exstreamPublish, exstreamGenerate, catchNode], flow, {
      exs1: { clientId: EXSTREAM_DEMO.clientId, clientSecret: EXSTREAM_DEMO.clientSecret },
    });
    const through = (nodeId: string, msg: Msg) =>
      new Promise<{ out?: Msg; err?: Msg }>((resolve) => {
        const outId = nodeId === "pub1" ? "out1" : "gout1";
        const onOut = (m: Msg) => finish({ out: m });
        const onErr = (m: Msg) => finish({ err: m });
        const finish = (r: { out?: Msg; err?: Msg }) => {
          helper.getNode(outId).removeListener("input", onOut);
          helper.getNode("err1").removeListener("input", onErr);
          resolve(r);
        };
        helper.getNode(outId).on("input", onOut);
        helper.getNode("err1").on("input", onErr);
        helper.getNode(nodeId).receive(msg);
      });
    return {
      publish: (msg: Msg) => through("pub1", msg),
      generate: (msg: Msg) => through("gen1", msg),
    };
  }

  const approved = (cs: Msg, content: string | Buffer) => ({
    payload: Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"),
    cs,
  });

  it("publishes a new wording as a new version, and generating afterwards renders it with the new version as evidence", async () => {
    const t = await load({});
    const before = await t.generate({ payload: ALICE });
    assert.match(pdfText(before.out!.payload), new RegExp(OLD_US_WORDING.replace(/\./g, "\\.")));

    const cs = { nodeId: 48211, version: 3, name: "Legal Disclaimer (en, US).txt" };
    const { out, err } = await t.publish(approved(cs, NEW_US_WORDING));
    assert.equal(err, undefined, err?.error?.message);
    const ex = out!.exstream;
    assert.equal(ex.resourceId, US_DISCLAIMER_ID);
    assert.equal(ex.resourceName, "Legal Disclaimer (en, US)");
    assert.equal(ex.resourceType, "exstrparagraph");
    assert.equal(ex.version, 2);
    assert.equal(ex.state, "APPROVED");
    assert.equal(ex.outcome, "versioned");
    assert.equal(ex.workflow, "standard");
    assert.equal(ex.sha256, createHash("sha256").update(NEW_US_WORDING).digest("hex"));
    assert.ok(!Number.isNaN(Date.parse(ex.publishedAt)));
    assert.deepEqual(ex.source, { nodeId: 48211, version: 3, name: "Legal Disclaimer (en, US).txt" });
    assert.deepEqual(out!.cs, cs, "msg.cs is kept for the deployment record");

    assert.deepEqual(await contentOf("Demo", US_DISCLAIMER_ID), Buffer.from(NEW_US_WORDING, "utf8"), "byte for byte");
    const history = await historyOf("Demo", US_DISCLAIMER_ID);
    assert.equal(history[0].version, 2);
    assert.match(history[0].stateComment, /Approved in Content Server: Content Server node 48211 version 3/);

    const after = await t.generate({ payload: ALICE });
    const text = pdfText(after.out!.payload);
    assert.ok(text.includes(NEW_US_WORDING), text);
    assert.ok(!text.includes(OLD_US_WORDING));
    assert.match(after.out!.document.keys.ContentVersions, new RegExp(`${US_DISCLAIMER_ID}@2`));
  });

  it("is idempotent: publishing the same Content Server version twice makes one Exstream version", async () => {
    const t = await load({});
    const cs = { nodeId: 48211, version: 4, name: "Legal Disclaimer (en, US).txt" };
    const first = await t.publish(approved(cs, NEW_US_WORDING));
    const second = await t.publish(approved(cs, NEW_US_WORDING));
    assert.equal(first.out!.exstream.outcome, "versioned");
    assert.equal(second.out!.exstream.outcome, "unchanged");
    assert.equal(second.out!.exstream.version, 2);
    assert.equal(second.out!.exstream.state, "APPROVED");
    assert.equal((await historyOf("Demo", US_DISCLAIMER_ID)).length, 2);
  });

  it("creates a missing resource from a workflow attachment and drives it DRAFT → REVIEW → APPROVED", async () => {
    const t = await load({ resourceName: "Flood Insurance Disclaimer" });
    const file = path.join(workDir, "flood.txt");
    fs.writeFileSync(file, "Flood damage is covered only with the flood rider.");
    // As cs-workflow-trigger emits it with "download content" on: the attachment's identity and local copy.
    const { out, err } = await t.publish({
      workflow: { attachments: [{ nodeId: 7001, name: "flood.txt", version: 1, filename: file }] },
    });
    assert.equal(err, undefined, err?.error?.message);
    const ex = out!.exstream;
    assert.equal(ex.outcome, "created");
    assert.equal(ex.version, 1);
    assert.equal(ex.state, "APPROVED");
    assert.equal(ex.resourceName, "Flood Insurance Disclaimer");
    assert.deepEqual(ex.source, { nodeId: 7001, version: 1, name: "flood.txt" }, "identity from the attachment");
    assert.deepEqual(await contentOf("Demo", ex.resourceId), fs.readFileSync(file));
    const resource = ((await (await design("Demo", ex.resourceId)).json()) as { data: Msg }).data;
    assert.equal(resource.type, "exstrparagraph");
    assert.equal(resource.metadata.subtype, "disclaimer");
  });

  it("follows the simple workflow (DRAFT → APPROVED) where the domain has it", async () => {
    const t = await load({}, EXSTREAM_DEMO.simpleWorkflowDomain);
    const { out, err } = await t.publish(
      approved({ nodeId: 1, version: 2, name: "Legal Disclaimer (en, US).txt" }, NEW_US_WORDING),
    );
    assert.equal(err, undefined, err?.error?.message);
    assert.equal(out!.exstream.workflow, "simple");
    assert.equal(out!.exstream.version, 2);
    assert.equal(out!.exstream.state, "APPROVED");
    assert.deepEqual(await contentOf("DemoSimple", US_DISCLAIMER_ID), Buffer.from(NEW_US_WORDING));
  });

  it("reports a workflow the domain refuses as a clear, permanent error", async () => {
    const t = await load({ workflow: "standard" }, EXSTREAM_DEMO.simpleWorkflowDomain);
    const { out, err } = await t.publish(approved({ nodeId: 1, version: 2, name: "Legal Disclaimer (en, US)" }, "x"));
    assert.equal(out, undefined);
    assert.match(err!.error.message, /ExstreamError: Exstream change resource state HTTP 409: Cannot move resource/);
    assert.equal(err!.failure.permanent, true);
  });

  it("reports a refusal of the Design API with the server's message", async () => {
    const t = await load({});
    await fetch(`${sim.url}/sim/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "http", status: 409, path: "/state", message: "Resource is locked by jdoe" }),
    });
    const { err } = await t.publish(approved({ nodeId: 1, version: 9, name: "Legal Disclaimer (en, US)" }, "x"));
    assert.match(err!.error.message, /HTTP 409: Resource is locked by jdoe/);
    assert.equal(err!.failure.permanent, true);
  });

  it("publishes an image by resource id, byte for byte, msg.cs winning over the attachment", async () => {
    const t = await load({ resourceId: BRAND_LOGO_ID, resourceType: "image" });
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const { out, err } = await t.publish({
      payload: png,
      cs: { nodeId: 900, version: 5, name: "logo.png" },
      workflow: { attachments: [{ nodeId: 1, name: "other.png" }] },
    });
    assert.equal(err, undefined, err?.error?.message);
    assert.equal(out!.exstream.resourceType, "image");
    assert.equal(out!.exstream.source.nodeId, 900);
    assert.deepEqual(await contentOf("Demo", BRAND_LOGO_ID), png);
    const resource = ((await (await design("Demo", BRAND_LOGO_ID)).json()) as { data: Msg }).data;
    assert.equal(resource.contentMimeType, "image/png");
  });

  it("fails clearly for an unknown resource id and for a message without content", async () => {
    const t = await load({ resourceId: "00000000-0000-4000-8000-00000000dead" });
    const unknown = await t.publish(approved({ nodeId: 1, version: 1, name: "x" }, "x"));
    assert.match(unknown.err!.error.message, /HTTP 404/);
    assert.equal(unknown.err!.failure.permanent, true);
    const empty = await t.publish({ cs: { nodeId: 1, version: 1, name: "x" } });
    assert.match(empty.err!.error.message, /TypeError: .*(no content|noContent)/);
    assert.equal(empty.err!.failure.permanent, true);
  });
});
