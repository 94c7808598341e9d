import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ExstreamError, type ResourceVersion } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, withSimulator } from "./setup";

describe("Exstream client: Design API", () => {
  const { sim, client } = withSimulator();
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "exstream-design-"));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("reads the version and the domains", async () => {
    const version = await client().getDesignVersion();
    assert.equal(version.apiIdentifier, "das/v1");
    const domains = await client().listDomains();
    assert.ok(domains.some((d) => d.id === "Demo"));
    const paged = await client().listDomains(2);
    assert.deepEqual(
      paged.map((d) => d.id),
      domains.map((d) => d.id),
      "read page by page",
    );
    assert.equal(paged.length, 3);
  });

  it("lists resources with filter.* parameters, page by page", async () => {
    const page = await client().listResources({ types: ["exstrapplication"], latestVersion: true }, { count: 4 });
    assert.equal(page.items.length, 4);
    assert.equal(page.page.totalElements, 6);
    const all: ResourceVersion[] = [];
    for await (const r of client().iterateResources({ types: ["exstrapplication"] }, 4)) all.push(r);
    assert.equal(all.length, 6);
    assert.ok(all.every((r) => r.type === "exstrapplication"));
    assert.ok(all.some((r) => r.name === "Monthly Statement"));
  });

  it("gets one resource and its content (in memory and streamed to disk)", async () => {
    const resource = await client().getResource(EXSTREAM_DEMO.communicationId);
    assert.equal(resource.name, "Monthly Statement");
    const samples = await client().listResources({ types: ["samplefile"] });
    const sample = samples.items[0];
    const { content } = await client().getResourceContent(sample.id);
    assert.ok(content.length > 0);
    const file = await client().downloadResourceContent(sample.id, path.join(dir, "sample.json"));
    assert.deepEqual(await fsp.readFile(file.path), content);
  });

  it("finds a communication by name and resolves its driver data source and queues", async () => {
    const found = await client().findCommunicationByName("Monthly Statement");
    assert.equal(found?.id, EXSTREAM_DEMO.communicationId);
    assert.equal(await client().findCommunicationByName("No Such Letter"), undefined);
    const binding = await client().resolveCommunication("Monthly Statement");
    assert.equal(binding.communicationId, EXSTREAM_DEMO.communicationId);
    assert.equal(binding.driverDataSource, EXSTREAM_DEMO.driverDataSource);
    assert.deepEqual(binding.queues.map((q) => q.name).sort(), ["Email_HTML", "Print_PDF", "SMS_Text"]);
    const manifest = await client().getCommunicationSetManifest(binding.communicationSetId);
    assert.ok(manifest.dsnlist.some((d) => d.prodDsn === EXSTREAM_DEMO.driverDataSource));
  });

  it("creates a resource by upload, updates its content in DRAFT and moves it through the workflow", async () => {
    const source = path.join(dir, "disclaimer.txt");
    await fsp.writeFile(source, "Version one of the disclaimer.");
    const created = await client().createResource({
      name: `Disclaimer ${Date.now()}`,
      type: "image",
      content: { path: source, contentType: "text/plain" },
    });
    assert.ok(created.id);
    assert.equal(created.state, "DRAFT");
    const firstVersion = created.version;

    await client().updateResourceContent(created.id, { data: "Version two.", contentType: "text/plain" });
    assert.equal((await client().getResourceContent(created.id)).content.toString("utf8"), "Version two.");

    const review = await client().changeResourceState(created.id, "REVIEW", "ready for legal review");
    assert.equal(review.state, "REVIEW");
    const approved = await client().changeResourceState(created.id, "APPROVED", "approved by legal (case 42)");
    assert.equal(approved.state, "APPROVED");

    await assert.rejects(
      client().updateResourceContent(created.id, { data: "sneaky change" }),
      (err: unknown) => err instanceof ExstreamError && err.status === 409,
    );

    const draft = await client().changeResourceState(created.id, "DRAFT", "next revision");
    assert.equal(draft.state, "DRAFT");
    assert.ok(draft.version > firstVersion, "APPROVED → DRAFT starts a new version");
  });

  it("reads the manifest and resources in the specification's types (DBCS|SBCS, string queue fields, Domain objects)", async () => {
    const binding = await client().resolveCommunication("Monthly Statement");
    const manifest = await client().getCommunicationSetManifest(binding.communicationSetId);
    assert.ok(["DBCS", "SBCS"].includes(String(manifest.characterEncoding)));
    for (const q of manifest.queueList) assert.ok(q.use === undefined || typeof q.use === "string");
    const resource = await client().getResource(EXSTREAM_DEMO.communicationId);
    assert.deepEqual(
      resource.domains?.map((d) => [d.id, d.workflow]),
      [["Demo", "NORMAL"]],
    );
  });

  it("imports a DAS export package: the dry run changes nothing, the import does, the conflict policy is sent", async () => {
    const exported = await fetch(
      `${sim().url}/design/api/v1/export/Demo/${EXSTREAM_DEMO.communicationId}?versions=LATEST_APPROVED`,
      { headers: { Authorization: `Bearer ${await client().getToken()}` } },
    );
    const zip = path.join(dir, "Monthly Statement.zip");
    await fsp.writeFile(zip, Buffer.from(await exported.arrayBuffer()));

    const dry = await client().importPackage({ content: { path: zip }, commit: false, domain: "Testdomain" });
    assert.ok(dry.importedResources.some((r) => r.id === EXSTREAM_DEMO.communicationId));
    await assert.rejects(client().getResource(EXSTREAM_DEMO.communicationId, { domain: "Testdomain" }), /404/);

    const done = await client().importPackage({ content: { path: zip }, commit: true, domain: "Testdomain" });
    assert.deepEqual(done.importedResources.map((r) => r.id).sort(), dry.importedResources.map((r) => r.id).sort());
    assert.equal(
      (await client().getResource(EXSTREAM_DEMO.communicationId, { domain: "Testdomain" })).state,
      "APPROVED",
    );

    const again = await client().importPackage({ content: { path: zip }, commit: false, domain: "Testdomain" });
    assert.equal(again.importedResources.length, 0);
    assert.equal(again.existingResources.length, done.importedResources.length);
    await assert.rejects(
      client().importPackage({ content: { path: zip }, commit: false, policy: "ERROR", domain: "Testdomain" }),
      (err: unknown) => err instanceof ExstreamError && err.status === 409,
      "the ERROR policy reaches the server in conflictSettings",
    );
  });

  it("maps an invalid state transition to ExstreamError with the server's message", async () => {
    const created = await client().createResource({
      name: `Text block ${Date.now()}`,
      type: "image",
      content: { data: Buffer.from("hello"), fileName: "hello.txt" },
    });
    await assert.rejects(client().changeResourceState(created.id, "APPROVED", "skip review"), (err: unknown) => {
      assert.ok(err instanceof ExstreamError);
      assert.ok(err.status === 409 || err.status === 400, `status ${err.status}`);
      assert.ok(err.serverMessage);
      return true;
    });
  });
});
