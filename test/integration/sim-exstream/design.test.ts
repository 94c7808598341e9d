import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { SimClient } from "./sim-client";

const D = "/design/api/v1";
const DISCLAIMER_EN_US = "b1000000-0000-4000-8000-000000000041";
const MONTHLY_SET = "c5000000-0000-4000-8000-000000000001";

describe("Exstream simulator: Design (DAS) API", () => {
  let sim: TestExstreamSim;
  let client: SimClient;

  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  it("lists the tenant's domains with their workflow", async () => {
    const res = await client.get(`${D}/domains`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.json.status, "success");
    const byId = Object.fromEntries(res.json.data.map((d: { id: string; workflow: string }) => [d.id, d.workflow]));
    assert.deepEqual(byId, { Demo: "NORMAL", DemoSimple: "SIMPLE", Testdomain: "NORMAL" });
  });

  it("lists resources with filter.types/states/latestVersion/name and pages with offset/count", async () => {
    const comms = await client.get(
      `${D}/resources/Demo?filter.types=exstrapplication&filter.states=APPROVED&filter.latestVersion=true&offset=0&count=100`,
    );
    assert.equal(comms.status, 200);
    assert.deepEqual(comms.json.data.map((r: { name: string }) => r.name).sort(), [
      "Claim Decision Letter",
      "Follow-up Reminder",
      "Missing Information Request",
      "Monthly Statement",
      "Policy Change Confirmation",
      "Settlement Notice",
    ]);
    assert.equal(comms.json.page.totalElements, 6);
    const page = await client.get(`${D}/resources/Demo?filter.types=exstrapplication&offset=2&count=2`);
    assert.equal(page.json.data.length, 2);
    assert.deepEqual(page.json.page, {
      pageSize: 2,
      pageOffset: 2,
      totalElements: 6,
      totalPages: 3,
      currentPageNumber: 1,
    });
    assert.deepEqual(page.json.data[0], comms.json.data[2]);
    const byName = await client.get(
      `${D}/resources/Demo?filter.name=${encodeURIComponent("Monthly Statement")}&filter.types=exstrapplication`,
    );
    assert.deepEqual(
      byName.json.data.map((r: { id: string }) => r.id),
      [EXSTREAM_DEMO.communicationId],
    );
    const blocks = await client.get(`${D}/resources/Demo?filter.types=exstrparagraph&count=100`);
    const disclaimers = blocks.json.data.filter(
      (r: { metadata: { subtype?: string } }) => r.metadata.subtype === "disclaimer",
    );
    assert.equal(disclaimers.length, 8, "no filter.subtypes in the spec: subtypes are read from metadata.subtype");
    assert.equal((await client.get(`${D}/resources/Demo?filter.states=FINAL`)).status, 400);
  });

  it("gets a resource and its content, by version and by state", async () => {
    const res = await client.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}`);
    assert.equal(res.json.data.version, 1);
    assert.equal(res.json.data.state, "APPROVED");
    assert.equal(res.json.data.latestVersion, true);
    assert.deepEqual(res.json.data.metadata, { subtype: "disclaimer" }, "only ResourceMetadata keys, no block rules");
    assert.deepEqual(res.json.data.domains, [
      {
        id: "Demo",
        production: true,
        description: "Demo communications (normal workflow)",
        jobTracing: true,
        workflow: "NORMAL",
        restrictApproval: false,
        children: [],
        approvalGroups: [],
      },
    ]);
    for (const absent of ["effectiveStart", "effectiveEnd", "standardVariantId", "lockedBy", "resourcePackId"])
      assert.ok(!(absent in res.json.data), `${absent} is absent, not null`);
    const content = await client.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}/content`);
    assert.equal(content.headers.get("content-type"), "text/plain");
    assert.match(content.body.toString("utf8"), /State of New York/);
    assert.equal((await client.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}?version=7`)).status, 404);
    assert.equal((await client.get(`${D}/resources/Demo/00000000-0000-4000-8000-00000000dead`)).status, 404);
  });

  it("creates a resource by upload (201, DRAFT) and updates its content while DRAFT", async () => {
    const created = await client.upload(
      "POST",
      `${D}/resources/Demo/content?name=Uploaded&type=samplefile&subtype=driver`,
      "file",
      "driver.json",
      '{"a":1}',
      "application/json",
    );
    assert.equal(created.status, 201);
    assert.equal(created.json.status, "success");
    const id = created.json.data.id as string;
    assert.equal(created.json.data.state, "DRAFT");
    assert.equal(created.json.data.metadata.subtype, "driver");
    const updated = await client.upload(
      "PUT",
      `${D}/resources/Demo/${id}/content`,
      "file",
      "driver.json",
      '{"a":2}',
      "application/json",
    );
    assert.equal(updated.status, 200);
    assert.equal((await client.get(`${D}/resources/Demo/${id}/content`)).body.toString(), '{"a":2}');
  });

  it("refuses content updates unless DRAFT (409 with the DAS conflict code)", async () => {
    const res = await client.upload(
      "PUT",
      `${D}/resources/Demo/${DISCLAIMER_EN_US}/content`,
      "file",
      "x.txt",
      "changed",
      "text/plain",
    );
    assert.equal(res.status, 409);
    assert.equal(res.json.status, 409);
    assert.equal(res.json.error, "Conflict");
    assert.equal(res.json.errorCode, 309016);
    assert.equal(res.json.path, `${D}/resources/Demo/${DISCLAIMER_EN_US}/content`);
  });

  it("keeps the design store under --data: a restarted simulator continues the version numbers and the content", async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "exstream-sim-data-"));
    try {
      const toDraft = (c: SimClient) =>
        c.putJson(`${D}/resources/Demo/${DISCLAIMER_EN_US}/state`, {
          state: "DRAFT",
          auditedComment: "edit",
          locked: false,
        });
      const first = await startTestExstreamSim({ data });
      try {
        assert.equal((await toDraft(new SimClient(first))).json.data.version, 2);
      } finally {
        await first.close();
      }
      assert.ok(fs.existsSync(path.join(data, "design.json")));
      const second = await startTestExstreamSim({ data });
      try {
        const again = new SimClient(second);
        const latest = await again.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}?version=2`);
        assert.equal(latest.status, 200, "version 2 survived the restart");
        assert.equal(latest.json.data.state, "DRAFT");
        const content = await fetch(`${second.url}${D}/resources/Demo/${DISCLAIMER_EN_US}/content?version=1`, {
          headers: { Authorization: `Bearer ${await second.token()}` },
        });
        assert.equal(content.status, 200, "content of version 1 survived");
        assert.ok((await content.arrayBuffer()).byteLength > 0);
        for (const next of ["REVIEW", "APPROVED"]) {
          const res = await again.putJson(`${D}/resources/Demo/${DISCLAIMER_EN_US}/state`, {
            state: next,
            auditedComment: next,
            locked: false,
          });
          assert.equal(res.status, 200, JSON.stringify(res.json));
        }
        assert.equal((await toDraft(again)).json.data.version, 3, "the next version continues from 2");
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  it("runs the normal workflow: APPROVED→DRAFT makes a new version, DRAFT→REVIEW→APPROVED, REVIEW→REJECTED, bad moves 409", async () => {
    const state = (s: string) =>
      client.putJson(`${D}/resources/Demo/${DISCLAIMER_EN_US}/state`, {
        state: s,
        auditedComment: `to ${s}`,
        locked: false,
      });
    const draft = await state("DRAFT");
    assert.equal(draft.status, 200);
    assert.equal(draft.json.data.version, 2);
    assert.equal(draft.json.data.state, "DRAFT");
    assert.equal((await state("APPROVED")).status, 409, "normal workflow needs REVIEW first");
    assert.equal((await state("REVIEW")).json.data.state, "REVIEW");
    assert.equal((await state("REJECTED")).json.data.state, "REJECTED");
    assert.equal((await state("REVIEW")).status, 409);
    assert.equal((await state("DRAFT")).json.data.version, 2, "REJECTED→DRAFT keeps the version");
    await state("REVIEW");
    const approved = await state("APPROVED");
    assert.equal(approved.json.data.state, "APPROVED");
    assert.equal(approved.json.data.stateComment, "to APPROVED");
    const history = await client.get(`${D}/resources/Demo/history/${DISCLAIMER_EN_US}?historyType=STATE`);
    assert.deepEqual(
      history.json.data.map((h: { version: number; state: string; auditedComment: string; operation: string }) => [
        h.version,
        h.state,
        h.auditedComment,
        h.operation,
      ]),
      [
        [2, "APPROVED", "to APPROVED", "UPDATE"],
        [2, "REVIEW", "to REVIEW", "UPDATE"],
        [2, "DRAFT", "to DRAFT", "UPDATE"],
        [2, "REJECTED", "to REJECTED", "UPDATE"],
        [2, "REVIEW", "to REVIEW", "UPDATE"],
        [2, "DRAFT", "to DRAFT", "INSERT"],
      ],
      "ResourceHistory entries, newest first",
    );
    const all = await client.get(`${D}/resources/Demo/history/${DISCLAIMER_EN_US}`);
    assert.deepEqual(all.json.data.at(-1), {
      id: DISCLAIMER_EN_US,
      version: 1,
      type: "exstrparagraph",
      modifiedBy: all.json.data.at(-1).modifiedBy,
      modifiedDate: all.json.data.at(-1).modifiedDate,
      operation: "INSERT",
      state: "APPROVED",
      historyType: "CREATE",
      auditedComment: "",
    });
    assert.equal((await state("FINAL")).status, 400);
  });

  it("runs the simple workflow DRAFT↔APPROVED in a simple-workflow domain", async () => {
    const path = `${D}/resources/${EXSTREAM_DEMO.simpleWorkflowDomain}/${DISCLAIMER_EN_US}/state`;
    assert.equal((await client.putJson(path, { state: "DRAFT" })).json.data.version, 2);
    assert.equal((await client.putJson(path, { state: "REVIEW" })).status, 409);
    assert.equal((await client.putJson(path, { state: "APPROVED" })).json.data.state, "APPROVED");
  });

  it("renders the newly approved disclaimer text on the next generate, and not the draft before approval", async () => {
    const customer = { ...sim.seed.customers[0] };
    const emailText = async () => {
      const res = await client.generate(
        "Demo",
        EXSTREAM_DEMO.communicationId,
        EXSTREAM_DEMO.driverDataSource,
        JSON.stringify(customer),
      );
      assert.equal(res.status, 200);
      const email = res.json.data.find((d: { mimeType: string }) => d.mimeType === "text/html");
      return Buffer.from(email.content, "base64").toString("utf8");
    };
    assert.match(await emailText(), /State of New York/);
    const base = `${D}/resources/Demo/${DISCLAIMER_EN_US}`;
    await client.putJson(`${base}/state`, { state: "DRAFT" });
    await client.upload(
      "PUT",
      `${base}/content`,
      "file",
      "d.txt",
      "Governed wording v2 for New York customers.",
      "text/plain",
    );
    assert.doesNotMatch(await emailText(), /Governed wording v2/, "a draft is never rendered");
    await client.putJson(`${base}/state`, { state: "REVIEW" });
    await client.putJson(`${base}/state`, { state: "APPROVED" });
    const after = await emailText();
    assert.match(after, /Governed wording v2/);
    assert.doesNotMatch(after, /State of New York\. Keep/);
  });

  it("follows links (communication → set) and reverse links (sample file → communications)", async () => {
    const links = await client.get(
      `${D}/links/Demo?linkSubjectId=${EXSTREAM_DEMO.communicationId}&linkDepth=2&filter.types=exstrcommunicationset`,
    );
    assert.equal(links.status, 200);
    assert.deepEqual(links.json.data, [
      { linkSubjectId: EXSTREAM_DEMO.communicationId, subjectVersion: 1, linkObjectId: MONTHLY_SET },
    ]);
    const deep = await client.get(`${D}/links/Demo?linkSubjectId=${EXSTREAM_DEMO.communicationId}&linkDepth=3`);
    assert.ok(
      deep.json.data.some((l: { linkObjectId: string }) => l.linkObjectId === "5f000000-0000-4000-8000-000000000001"),
      "depth 3 reaches the sample file",
    );
    const users = await client.get(
      `${D}/links/Demo/resources?linkObjectId=5f000000-0000-4000-8000-000000000001&linkDepth=10&rfilter.types=exstrapplication&rfilter.states=APPROVED`,
    );
    assert.deepEqual(
      users.json.data.map((r: { id: string }) => r.id),
      [EXSTREAM_DEMO.communicationId],
    );
  });

  it("returns the communication-set manifest with dsnlist[].prodDsn and queueList[]", async () => {
    const res = await client.get(`${D}/manifests/Demo/communication-set/${MONTHLY_SET}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.applicationName, "Monthly Statement");
    assert.deepEqual(
      res.json.dsnlist.map((d: { prodDsn: string; type: string }) => [d.prodDsn, d.type]),
      [
        ["MonthlyStatementDriver", "driver"],
        ["Delivery_Log", "report"],
      ],
    );
    assert.deepEqual(
      res.json.queueList.map((q: { name: string; driver: string }) => [q.name, q.driver]),
      [
        ["Print_PDF", "PDF"],
        ["Email_HTML", "HTML"],
        ["SMS_Text", "Messaging"],
      ],
    );
    assert.equal(
      (await client.get(`${D}/manifests/Demo/communication-set/${EXSTREAM_DEMO.communicationId}`)).status,
      404,
    );
  });

  // Property names and types of raquel/exstream-java-stubs client/exstream-design-v1.json (components/schemas).
  const SPEC = {
    Manifest: [
      "characterEncoding",
      "sectionVariableOid",
      "applicationName",
      "queueList",
      "reportList",
      "metadata",
    ].concat(["serialization", "dsnlist", "documentSections", "documentWithVariableDrivenSections"]),
    QueueObj: ["driver", "id", "name", "prodFile", "reportProdFile", "use"],
    ReportObj: ["appLevel", "format", "id", "name", "prodFile"],
    DataSource: ["id", "name", "prodDsn", "resourceId", "type"],
    Domain: [
      "id",
      "production",
      "description",
      "jobTracing",
      "workflow",
      "restrictApproval",
      "children",
      "parent",
    ].concat(["editable", "approvalGroups"]),
    ImportHistory: ["createdBy", "createdDate", "lastModifiedBy", "lastModifiedDate", "importId", "fileName"].concat([
      "domain",
      "status",
      "error",
      "exportPackageId",
    ]),
    ConfigurationResponse: ["exstreamOnDemandUrl", "exstreamOTDSUrl", "exstreamDasUrl", "exstreamOrcUrl", "deployType"]
      .concat(["exstreamOrchestratorUrl", "exstreamRationalizationUrl", "exstreamEIUrl", "exstreamEEPUrl"])
      .concat(["exstreamEmpowerUrl", "ot2", "solrEnabled", "vaultEnabled", "accessTokenLifetimeSeconds"]),
  };
  const onlySpecKeys = (schema: keyof typeof SPEC, value: Record<string, unknown>) => {
    const extra = Object.keys(value).filter((k) => !SPEC[schema].includes(k));
    assert.deepEqual(extra, [], `${schema} fields no specification shows`);
  };

  it("answers the manifest in the specification's shape: characterEncoding DBCS|SBCS, no invented queue fields", async () => {
    const res = await client.get(`${D}/manifests/Demo/communication-set/${MONTHLY_SET}`);
    onlySpecKeys("Manifest", res.json);
    assert.ok(["DBCS", "SBCS"].includes(res.json.characterEncoding), res.json.characterEncoding);
    for (const q of res.json.queueList) {
      onlySpecKeys("QueueObj", q);
      for (const key of ["driver", "name", "prodFile", "reportProdFile", "use"])
        assert.ok(q[key] === undefined || typeof q[key] === "string", `queueList[].${key} is a string`);
    }
    for (const r of res.json.reportList) onlySpecKeys("ReportObj", r);
    for (const d of res.json.dsnlist) onlySpecKeys("DataSource", d);
  });

  it("answers domains as a page of Domain objects, and config.json in an envelope with the spec's string fields", async () => {
    const domains = await client.get(`${D}/domains?offset=0&count=2`);
    assert.equal(domains.json.data.length, 2);
    assert.equal(domains.json.page.totalElements, 3);
    for (const d of domains.json.data) onlySpecKeys("Domain", d);
    const config = await client.get(`${D}/configurations/config.json`);
    assert.equal(config.json.status, "success");
    onlySpecKeys("ConfigurationResponse", config.json.data);
    assert.equal(config.json.data.accessTokenLifetimeSeconds, "900");
    assert.equal(config.json.data.ot2, "false");
    assert.equal("deployType" in config.json.data, false, "its values are not shown");
  });

  it("writes ResourceVersion and history dates as epoch ms, or as ISO date-time with --dates iso", async () => {
    const epoch = await client.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}`);
    assert.equal(typeof epoch.json.data.lastModifiedDate, "number");
    await sim.close();
    sim = await startTestExstreamSim({ dates: "iso" });
    client = new SimClient(sim);
    const iso = await client.get(`${D}/resources/Demo/${DISCLAIMER_EN_US}`);
    for (const field of ["createdDate", "lastModifiedDate"]) {
      assert.match(iso.json.data[field], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, field);
    }
    const history = await client.get(`${D}/resources/Demo/history/${DISCLAIMER_EN_US}`);
    assert.ok(!Number.isNaN(Date.parse(history.json.data[0].modifiedDate)));
    assert.equal(typeof history.json.data[0].modifiedDate, "string");
  });

  it("reports its version", async () => {
    const res = await client.get(`${D}/version`);
    assert.equal(res.json.apiIdentifier, "das/v1");
    assert.equal(typeof res.json.versionString, "string");
  });
});
