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

const SAMPLE_PACKAGES = path.resolve(
  __dirname,
  "..",
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "opentext-communications-postman",
  "files",
);
const CLAIM_ACK_ZIP = "ExportPackage-Claim Acknowledgement (CA)-9e49a94b-8860-4318-a2a0-15ae506e328b-20220922_1810.zip";
const CLAIM_ACK = "e0421aa8-c1ce-41d9-a10a-cb830ebd4beb";

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
    assert.equal(history[0].state, "APPROVED");
    assert.match(history[0].auditedComment, /Approved in Content Server: Content Server node 48211 version 3/);

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
    const versions = new Set((await historyOf("Demo", US_DISCLAIMER_ID)).map((h) => h.version));
    assert.deepEqual([...versions].sort(), [1, 2]);
  });

  it("dates an unchanged publish by the resource's last change, with the Design API's dates as ISO date-time", async () => {
    sim.options.protocol.dates = "iso"; // sim.reset() in afterEach restores epoch
    const t = await load({});
    const cs = { nodeId: 48211, version: 5, name: "Legal Disclaimer (en, US).txt" };
    await t.publish(approved(cs, NEW_US_WORDING));
    const second = await t.publish(approved(cs, NEW_US_WORDING));
    assert.equal(second.err, undefined, second.err?.error?.message);
    assert.equal(second.out!.exstream.outcome, "unchanged");
    const resource = ((await (await design("Demo", US_DISCLAIMER_ID)).json()) as { data: Msg }).data;
    assert.equal(typeof resource.lastModifiedDate, "string");
    assert.equal(second.out!.exstream.publishedAt, new Date(Date.parse(resource.lastModifiedDate)).toISOString());
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

  describe("import package mode (a template governed as a DAS export package)", () => {
    const CS_PACKAGE = { nodeId: 7001, version: 2, name: "Claim Acknowledgement (CA).zip" };

    async function generateIn(domain: string, communicationId: string, driverDataSource: string, driver: unknown) {
      const res = await fetch(`${sim.url}/orchestration/api/v1/inputs/ondemand/${domain}/generate`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await sim.token()}`,
          "Content-Type": "application/json",
          communicationId,
          driverDataSource,
        },
        body: JSON.stringify(driver),
      });
      return { status: res.status, body: (await res.json()) as Msg };
    }

    async function exportOf(domain: string, rootId: string, versions: string): Promise<Buffer> {
      const res = await fetch(`${sim.url}/design/api/v1/export/${domain}/${rootId}?versions=${versions}`, {
        headers: { Authorization: `Bearer ${await sim.token()}` },
      });
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    }

    it("imports OpenText's sample package from the attachment once; the same package again is unchanged", async function () {
      const zip = path.join(SAMPLE_PACKAGES, CLAIM_ACK_ZIP);
      if (!fs.existsSync(zip)) {
        if (process.env.CI === "true") throw new Error(`sample export packages missing: ${SAMPLE_PACKAGES}`);
        this.skip();
      }
      const t = await load({ resourceType: "package" }, "Testdomain");
      const msg = { workflow: { attachments: [{ ...CS_PACKAGE, filename: zip }] } };
      const first = await t.publish(msg);
      assert.equal(first.err, undefined, first.err?.error?.message);
      const ex = first.out!.exstream;
      assert.equal(ex.mode, "package");
      assert.equal(ex.outcome, "imported");
      assert.equal(ex.resourceId, CLAIM_ACK);
      assert.equal(ex.resourceType, "exstrapplication");
      assert.equal(ex.version, 5);
      assert.equal(ex.state, "APPROVED");
      assert.equal(ex.sha256, createHash("sha256").update(fs.readFileSync(zip)).digest("hex"));
      assert.ok(ex.resources.length > 50);
      assert.ok(ex.resources.every((r: Msg) => r.state === "APPROVED"));
      assert.deepEqual(ex.source, CS_PACKAGE);

      const second = await t.publish(msg);
      assert.equal(second.out!.exstream.outcome, "unchanged");
      assert.equal(second.out!.exstream.version, 5);
      const logs = await fetch(`${sim.url}/design/api/v1/import/logs`, {
        headers: { Authorization: `Bearer ${await sim.token()}` },
      });
      assert.equal(((await logs.json()) as { data: Msg[] }).data.length, 1, "imported (committed) once");

      const generated = await generateIn("Testdomain", CLAIM_ACK, "Driver", {
        claim: { claimNumber: "000-00-000203" },
        contactDetails: { firstName: "Allen", lastName: "Robertson" },
        policyDetails: { policyNumber: "54-253465" },
      });
      assert.equal(generated.status, 200, JSON.stringify(generated.body));
      assert.equal(generated.body.data[0].mimeType, "application/pdf");
    });

    /** Monthly Statement exported from Demo with its latest versions: the US disclaimer as a DRAFT v2 with new wording. */
    async function exportWithDraft(): Promise<Buffer> {
      const token = await sim.token();
      const state = await fetch(`${sim.url}/design/api/v1/resources/Demo/${US_DISCLAIMER_ID}/state`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ state: "DRAFT", auditedComment: "edited in Exstream" }),
      });
      assert.equal(state.status, 200);
      const form = new FormData();
      form.append("file", new Blob([NEW_US_WORDING], { type: "text/plain" }), "disclaimer.txt");
      const upload = await fetch(`${sim.url}/design/api/v1/resources/Demo/${US_DISCLAIMER_ID}/content`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${token}` },
        body: form,
      });
      assert.equal(upload.status, 200);
      return exportOf("Demo", EXSTREAM_DEMO.communicationId, "LATEST");
    }

    it("approves a package exported with a draft through the workflow, with the source and SHA-256 in the audit trail", async () => {
      const zip = await exportWithDraft();

      const t = await load({ resourceType: "package" }, "Testdomain");
      const cs = { nodeId: 7002, version: 1, name: "Monthly Statement.zip" };
      const { out, err } = await t.publish({ payload: zip, cs });
      assert.equal(err, undefined, err?.error?.message);
      const ex = out!.exstream;
      assert.equal(ex.outcome, "imported");
      assert.equal(ex.resourceId, EXSTREAM_DEMO.communicationId);
      assert.equal(ex.workflow, "standard");
      const disclaimer = ex.resources.find((r: Msg) => r.id === US_DISCLAIMER_ID);
      assert.deepEqual([disclaimer.version, disclaimer.state], [2, "APPROVED"]);

      const history = await historyOf("Testdomain", US_DISCLAIMER_ID);
      const sha = createHash("sha256").update(zip).digest("hex");
      assert.deepEqual(
        history.filter((h) => h.historyType === "STATE").map((h) => h.state),
        ["APPROVED", "REVIEW"],
        "DRAFT → REVIEW → APPROVED in the NORMAL workflow, newest first",
      );
      assert.equal(
        history[0].auditedComment,
        `Approved in Content Server: Content Server node 7002 version 1 "Monthly Statement.zip" (SHA-256 ${sha})`,
      );

      const generated = await generateIn(
        "Testdomain",
        EXSTREAM_DEMO.communicationId,
        EXSTREAM_DEMO.driverDataSource,
        ALICE,
      );
      assert.equal(generated.status, 200);
      const pdf = generated.body.data.find((d: Msg) => d.mimeType === "application/pdf");
      assert.ok(pdfText(Buffer.from(pdf.content, "base64")).includes(NEW_US_WORDING), "the imported wording is live");

      const older = await t.publish({
        payload: await exportOf("Demo", EXSTREAM_DEMO.communicationId, "LATEST_APPROVED"),
        cs,
      });
      assert.equal(older.err, undefined, older.err?.error?.message);
      assert.equal(older.out!.exstream.outcome, "unchanged");
      assert.deepEqual(
        older.out!.exstream.ignored.map((r: Msg) => [r.id, r.version]),
        [[US_DISCLAIMER_ID, 1]],
        "an older package leaves the newer version alone and says so",
      );
      assert.deepEqual(await contentOf("Testdomain", US_DISCLAIMER_ID), Buffer.from(NEW_US_WORDING, "utf8"));
    });

    it("approves a package's draft DRAFT → APPROVED in a simple-workflow domain, where only the newer part is imported", async () => {
      const zip = await exportWithDraft();
      const t = await load({ resourceType: "package" }, EXSTREAM_DEMO.simpleWorkflowDomain);
      const { out, err } = await t.publish({ payload: zip, cs: { nodeId: 7003, version: 1, name: "Monthly.zip" } });
      assert.equal(err, undefined, err?.error?.message);
      assert.equal(out!.exstream.workflow, "simple");
      assert.equal(out!.exstream.outcome, "imported");
      const disclaimer = out!.exstream.resources.find((r: Msg) => r.id === US_DISCLAIMER_ID);
      assert.deepEqual([disclaimer.version, disclaimer.state], [2, "APPROVED"]);
      const states = (await historyOf(EXSTREAM_DEMO.simpleWorkflowDomain, US_DISCLAIMER_ID))
        .filter((h) => h.historyType === "STATE")
        .map((h) => [h.version, h.state]);
      assert.deepEqual(states, [[2, "APPROVED"]], "DRAFT → APPROVED, no REVIEW");
    });

    it("fails with Exstream's message, permanently, for content that is not a DAS package", async () => {
      const t = await load({ resourceType: "package" }, "Testdomain");
      const { err } = await t.publish({
        payload: Buffer.from("not a zip"),
        cs: { nodeId: 1, version: 1, name: "x.zip" },
      });
      assert.match(err!.error.message, /HTTP 400.*not a zip/);
      assert.equal(err!.failure.permanent, true);
    });
  });

  it("asks OTDS for the scope otds:groups when the connection's scope field is blank", async () => {
    const t = await load({ resourceId: BRAND_LOGO_ID, resourceType: "image" });
    await t.publish(approved({ nodeId: 1, version: 1, name: "logo.png" }, Buffer.from("png")));
    const requests = sim.tokenRequests().filter((r) => r.clientId === EXSTREAM_DEMO.clientId);
    assert.ok(requests.length > 0);
    assert.equal(requests.at(-1)!.scope, "otds:groups");
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
