import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import AdmZip from "adm-zip";
import { startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { SimClient } from "./sim-client";
import { requirePrerequisite } from "../../helpers/prerequisites";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const files = path.resolve(repoRoot, "..", "shared", "fixtures", "opentext-communications-postman", "files");
const CLAIM_ACK_ZIP = "ExportPackage-Claim Acknowledgement (CA)-9e49a94b-8860-4318-a2a0-15ae506e328b-20220922_1810.zip";
const CLAIM_ACK = "e0421aa8-c1ce-41d9-a10a-cb830ebd4beb";
const CLAIM_ACK_SET = "619bd602-05de-4c30-829b-7ed074263dff";
const DRIVER = JSON.stringify({
  claim: { claimNumber: "000-00-000203", description: "Hit curb!", lossDate: "2021-04-15" },
  contactDetails: { firstName: "Allen", lastName: "Robertson", emailAddress1: "0000@guidewire.com" },
  policyDetails: { policyNumber: "54-253465", insuredName: "Allen Robertson" },
});

// DES (exstream-design-v1.json) ResourceVersion properties
const RESOURCE_VERSION_FIELDS = ["approvalInfo", "categories", "containsActiveRevisions", "content", "contentMimeType"]
  .concat(["contentType", "createdBy", "createdDate", "description", "domains", "effectiveEnd", "effectiveStart"])
  .concat(["hidden", "id", "isTrackingRevisions", "lastModifiedBy", "lastModifiedDate", "latestVersion", "locked"])
  .concat(["lockedBy", "metadata", "name", "permissions", "resourcePackId", "standardVariantId", "state"])
  .concat(["stateComment", "subtype", "systemResource", "type", "variants", "version"]);

describe("Exstream simulator: DAS export packages", function () {
  let sim: TestExstreamSim;
  let client: SimClient;

  before(function () {
    requirePrerequisite(this, existsSync(path.join(files, CLAIM_ACK_ZIP)), `sample export packages in ${files}`);
  });
  beforeEach(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
  });
  afterEach(() => sim.close());

  const importZip = (domain: string, data: Buffer, query = "commit=true", name = "package.zip") =>
    client.upload(
      "POST",
      `/design/api/v1/import/das/${domain}?${query}`,
      "exportPackage",
      name,
      data,
      "application/zip",
    );

  it("imports OpenText's sample package and generates with the imported communication id at once", async () => {
    const res = await importZip("Testdomain", readFileSync(path.join(files, CLAIM_ACK_ZIP)));
    assert.equal(res.status, 200);
    assert.equal(res.json.status, "success");
    const imported = res.json.data.importedResources as { id: string; type: string }[];
    assert.ok(imported.some((r) => r.id === CLAIM_ACK && r.type === "exstrapplication"));
    assert.equal(res.json.data.metadata.applicationVersion, "22.2.0.13282");

    const comm = await client.get(`/design/api/v1/resources/Testdomain/${CLAIM_ACK}`);
    assert.equal(comm.json.data.version, 5);
    const unshown = Object.keys(comm.json.data).filter((key) => !RESOURCE_VERSION_FIELDS.includes(key));
    assert.deepEqual(unshown, [], "an imported resource answers only DES ResourceVersion fields");
    assert.equal(comm.json.data.state, "APPROVED");
    const manifest = await client.get(`/design/api/v1/manifests/Testdomain/communication-set/${CLAIM_ACK_SET}`);
    assert.deepEqual(
      manifest.json.dsnlist.map((d: { prodDsn: string }) => d.prodDsn),
      ["Driver"],
    );
    assert.deepEqual(
      manifest.json.queueList.map((q: { name: string; driver: string }) => [q.name, q.driver]),
      [["PDF Queue", "PDF"]],
    );

    const generated = await client.generate("Testdomain", CLAIM_ACK, "Driver", DRIVER);
    assert.equal(generated.status, 200);
    assert.equal(generated.json.data.length, 1);
    assert.equal(generated.json.data[0].mimeType, "application/pdf");
    assert.equal(generated.json.data[0].engineOutputContext.queueName, "PDF Queue");
    assert.ok(Buffer.from(generated.json.data[0].content, "base64").subarray(0, 5).equals(Buffer.from("%PDF-")));
    const wrongDriver = await client.generate("Testdomain", CLAIM_ACK, "ClaimEstimateDriver", DRIVER);
    assert.equal(wrongDriver.status, 400);
  });

  it("reports existing resources on a second import and changes nothing with commit=false", async () => {
    const zip = readFileSync(path.join(files, CLAIM_ACK_ZIP));
    const dry = await importZip("Testdomain", zip, "commit=false");
    assert.equal(dry.status, 200);
    assert.ok(dry.json.data.importedResources.length > 50);
    assert.equal(
      (await client.get(`/design/api/v1/resources/Testdomain/${CLAIM_ACK}`)).status,
      404,
      "dry run stored nothing",
    );
    const noCommit = await importZip("Testdomain", zip, "");
    assert.equal(noCommit.json.data.importedResources.length, dry.json.data.importedResources.length);
    assert.equal(
      (await client.get(`/design/api/v1/resources/Testdomain/${CLAIM_ACK}`)).status,
      404,
      "without commit the import is a dry run (the specification's default: commit=false)",
    );
    await importZip("Testdomain", zip);
    const again = await importZip("Testdomain", zip);
    assert.equal(again.json.data.importedResources.length, 0);
    assert.equal(again.json.data.existingResources.length, dry.json.data.importedResources.length);
    assert.ok(!("committed" in again.json.data), "ImportResponse has no committed field");
    const logs = await client.get("/design/api/v1/import/logs");
    assert.equal(logs.json.data.length, 2, "only committed imports are logged");
    assert.deepEqual(Object.keys(logs.json.data[0]).sort(), [
      "createdBy",
      "createdDate",
      "domain",
      "exportPackageId",
      "fileName",
      "importId",
      "lastModifiedBy",
      "lastModifiedDate",
      "status",
    ]);
    assert.equal(logs.json.data[0].status, "SUCCESS");
  });

  it("rejects a body that is not a DAS package and a missing exportPackage part", async () => {
    assert.equal((await importZip("Testdomain", Buffer.from("not a zip"))).status, 400);
    const wrongPart = await client.upload(
      "POST",
      "/design/api/v1/import/das/Testdomain?commit=true",
      "file",
      "x.zip",
      Buffer.from("x"),
    );
    assert.equal(wrongPart.status, 400);
    const zip = new AdmZip();
    zip.addFile("readme.txt", Buffer.from("hello"));
    assert.equal((await importZip("Testdomain", zip.toBuffer())).status, 400);
  });

  it("exports a communication with the same layout and re-imports it into another domain where it generates", async () => {
    await importZip("Testdomain", readFileSync(path.join(files, CLAIM_ACK_ZIP)));
    const exported = await client.get(`/design/api/v1/export/Testdomain/${CLAIM_ACK}`);
    assert.equal(exported.status, 200);
    assert.equal(exported.headers.get("content-type"), "application/zip");
    const zip = new AdmZip(exported.body);
    const names = zip.getEntries().map((e) => e.entryName);
    assert.ok(names.includes("metadata.json"));
    assert.ok(names.includes("links/links.json"));
    assert.ok(names.includes("links/links.gv"));
    assert.ok(names.includes(`resources/exstrapplication-${CLAIM_ACK}-5.json`));
    assert.ok(names.includes(`content/exstrapplication-${CLAIM_ACK}-5-CONTENT.bin`));
    assert.ok(names.includes(`content/exstrapplication-${CLAIM_ACK}-5-CONTENT.json`));
    assert.ok(names.includes(`resources/exstrcommunicationset-${CLAIM_ACK_SET}-5.json`));
    const meta = JSON.parse(zip.readAsText("metadata.json")) as { exportOptions: string };
    assert.equal(meta.exportOptions, "Versions:LATEST_APPROVED");
    const original = new AdmZip(readFileSync(path.join(files, CLAIM_ACK_ZIP)));
    assert.deepEqual(
      zip.readFile(`content/exstrapplication-${CLAIM_ACK}-5-CONTENT.bin`),
      original.readFile(`content/exstrapplication-${CLAIM_ACK}-5-CONTENT.bin`),
      "content round-trips byte for byte",
    );

    const reimported = await importZip("Demo", exported.body);
    assert.equal(reimported.status, 200);
    const generated = await client.generate("Demo", CLAIM_ACK, "Driver", DRIVER, { Accept: "application/pdf" });
    assert.equal(generated.status, 200);
    assert.equal(generated.headers.get("content-type"), "application/pdf");
  });

  it("exports a seeded communication and its blocks; unknown roots are 404", async () => {
    const exported = await client.get(
      `/design/api/v1/export/Demo/c0000000-0000-4000-8000-000000000003?versions=LATEST`,
    );
    const names = new AdmZip(exported.body).getEntries().map((e) => e.entryName);
    assert.ok(names.some((n) => n.startsWith("resources/exstrparagraph-b1000000-0000-4000-8000-000000000041")));
    assert.ok(names.some((n) => n.startsWith("resources/image-")));
    assert.equal((await client.get(`/design/api/v1/export/Demo/00000000-0000-4000-8000-00000000dead`)).status, 404);
  });
});
