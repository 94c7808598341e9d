import assert from "node:assert/strict";
import { ENTERPRISE_WORKSPACE, startSim, uniqueName, type TestSim } from "./support";

const FILE_PLAN = 2061; // the demo seed's classification tree in the Classifications volume

describe("content-server client: records management", function () {
  let sim: TestSim;

  before(async () => {
    sim = await startSim();
  });
  after(async () => sim.close());

  async function newDocument(client: ReturnType<TestSim["client"]>) {
    const folder = await client.nodes.createFolder(ENTERPRISE_WORKSPACE, uniqueName("RM"));
    return client.documents.uploadDocument({
      parentId: folder.id,
      name: "record.pdf",
      content: { buffer: Buffer.from("record"), fileName: "record.pdf" },
    });
  }

  it("applies, reads and changes an RM classification and updates record details", async () => {
    const client = sim.client();
    const doc = await newDocument(client);
    const correspondence = await client.nodes.findChildByName(FILE_PLAN, "Customer Correspondence");
    const claims = await client.nodes.findChildByName(FILE_PLAN, "Claims Correspondence");
    assert.ok(correspondence && claims);
    await client.records.applyRmClassification(doc.id, correspondence.id);
    let info = await client.records.getRmClassifications(doc.id);
    assert.equal(info.classifications.length, 1);
    assert.equal(info.classifications[0].rmclassification_id, correspondence.id);
    assert.ok(info.rmMetadataToken, "a token for the next change");
    // changing it needs the current token: the client fetches it
    await client.records.applyRmClassification(doc.id, claims.id);
    info = await client.records.getRmClassifications(doc.id);
    assert.ok(info.classifications.some((c) => c.rmclassification_id === claims.id));
    await client.records.updateRecordDetails(doc.id, { official: true, essential: "ESSENTIAL", fileStatus: "ACTIVE" });
    info = await client.records.getRmClassifications(doc.id);
    const current = info.classifications.find((c) => c.rmclassification_id === claims.id) ?? info.classifications[0];
    assert.equal(current.official, true);
  });

  it("lists, creates, finds and applies holds", async () => {
    const client = sim.client();
    const doc = await newDocument(client);
    const seeded = await client.records.findHoldByName("Litigation 2024-017");
    assert.ok(seeded && seeded.id > 0);
    const name = uniqueName("Audit hold");
    const id = await client.records.createHold({
      name,
      type: "Audit",
      comment: "test",
      dateApplied: "2026-01-01T00:00:00",
    });
    assert.ok(id > 0);
    const holds = await client.records.listHolds();
    assert.ok(holds.some((h) => h.id === id && h.name === name));
    const ensured = await client.records.ensureHold({ name });
    assert.equal(ensured.id, id);
    await client.records.applyHold(doc.id, id);
  });

  it("creates a hold with date_applied = now in CS's form (YYYY-MM-DDTHH:mm:ss, UTC, as pyxecm) when none is given", async () => {
    const client = sim.client();
    const before = new Date().toISOString().slice(0, 19);
    const id = await client.records.createHold({ name: uniqueName("Hold without date"), type: "Legal" });
    const after = new Date().toISOString().slice(0, 19);
    const stored = sim.sim.store.data.holds[String(id)].dateApplied;
    assert.match(stored, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    assert.ok(stored >= before && stored <= after, `${stored} is not between ${before} and ${after}`);
  });
});
