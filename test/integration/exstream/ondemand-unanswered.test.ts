import assert from "node:assert/strict";
import sinon from "sinon";
import { ExstreamError, generateOnce } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, withSimulator } from "./setup";

const CUSTOMER = { CustomerId: "C-1001", AccountNumber: "ACC-1001", FirstName: "Alice", Language: "en" };

describe("Exstream client: a generate call that ends without an answer", () => {
  const { sim, client } = withSimulator();
  const request = (account: string, timeoutMs?: number) => ({
    communicationId: EXSTREAM_DEMO.communicationId,
    driverDataSource: EXSTREAM_DEMO.driverDataSource,
    driver: Buffer.from(JSON.stringify({ ...CUSTOMER, AccountNumber: account })),
    timeoutMs,
  });
  afterEach(async () => {
    sinon.restore();
    sim().faults.clear();
    await sim().idle();
  });

  it("is looked up after a timeout and its outputs are read from its job, never sent twice", async () => {
    sim().faults.add({ type: "slow-engine", delayMs: 1500 });
    const before = sim().counters().generateCalls;
    const sent = await generateOnce(client(), request("ACC-T1", 300));
    assert.equal(sent.recovered, true);
    assert.equal(sim().counters().generateCalls - before, 1, "the call reached the server once");
    const pdf = sent.result.outputs.find((o) => o.mimeType === "application/pdf");
    assert.ok(pdf);
    assert.equal(pdf.content.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.equal(sent.manifest?.customers[0].files[0].keys.AccountNumber, "ACC-T1");
  });

  it("is sent once more when the lookup compared every recent job and none was it", async () => {
    sim().faults.add({ type: "http", status: 504, path: "/generate", times: 1 });
    const before = sim().counters();
    const sent = await generateOnce(client(), request("ACC-T2"));
    assert.equal(sent.recovered, false);
    assert.ok(sent.result.outputs.length > 0);
    assert.equal(sim().counters().generateCalls - before.generateCalls, 1, "one generation");
  });

  it("fails with EMAYBEPROCESSED, not resent, when a recent job cannot be compared with it", async () => {
    const generated = sim().counters().generateCalls;
    await client().generate(request("ACC-T3")); // a recent job of someone else
    sim().faults.add({ type: "http", status: 502, path: "/generate", times: 1 });
    sinon.stub(client(), "getFlowInstanceInput").rejects(new ExstreamError({ operation: "input", status: 404 }));
    const before = sim().counters().requests;
    const err = await generateOnce(client(), request("ACC-T4")).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e as ExstreamError,
    );
    assert.equal(err.code, "EMAYBEPROCESSED");
    assert.match(err.message, /may have been processed/);
    assert.equal(err.permanent, true, "not retried automatically");
    assert.ok(sim().counters().requests - before >= 3, "the call, then the lookup (jobs, flow instances)");
    assert.equal(sim().counters().generateCalls - generated, 1, "only the other caller's job was generated");
  });

  it("is not looked up when the server answered: a 400 fails at once", async () => {
    const err = await generateOnce(client(), { ...request("ACC-T5"), driverDataSource: "NoSuchDriver" }).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e as ExstreamError,
    );
    assert.equal(err.status, 400);
  });
});
