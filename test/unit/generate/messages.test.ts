import assert from "node:assert/strict";
import type { CommunicationDocument } from "../../../nodes/lib/exstream";
import type { OnDemandRun, OutputEntry } from "../../../nodes/lib/generate";
import { batchDocumentFields, onDemandFields, withFields } from "../../../nodes/lib/generate/messages";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const target = { communicationId: ID, communicationName: "Letter", driverDataSource: "Customers" };

function documentWith(keys: Record<string, string>, path?: string): CommunicationDocument {
  return { fileName: "letter.pdf", keys, ...(path ? { path } : {}) } as unknown as CommunicationDocument;
}

function runWith(primary: Partial<OutputEntry>, job?: { jobId: string; flowInstanceId: string }): OnDemandRun {
  const entry = { fileName: "letter.pdf", mimeType: "application/pdf", size: 3, sha256: "abc", ...primary };
  return { outputs: [entry], primary: entry, document: documentWith({}), ...job };
}

describe("generate: message fields", () => {
  it("answers an on-demand call with the primary rendition's file, or else its bytes", () => {
    const inFile = onDemandFields(runWith({ filename: "/out/letter.pdf" }), target);
    assert.equal(inFile.filename, "/out/letter.pdf");
    assert.equal("payload" in inFile, false);
    const inMemory = onDemandFields(runWith({ content: Buffer.from("PDF") }), target);
    assert.deepEqual(inMemory.payload, Buffer.from("PDF"));
    assert.equal("filename" in inMemory, false);
  });

  it("names the job of an on-demand call in msg.exstream only when it was found", () => {
    const found = onDemandFields(runWith({}, { jobId: "job-1", flowInstanceId: "flow-1" }), target).exstream;
    assert.deepEqual(
      { ...found, outputs: undefined },
      {
        communicationId: ID,
        communicationName: "Letter",
        jobId: "job-1",
        flowInstanceId: "flow-1",
        outputs: undefined,
      },
    );
    const notFound = onDemandFields(runWith({}), target).exstream;
    assert.equal("jobId" in notFound, false);
    assert.equal("flowInstanceId" in notFound, false);
    assert.equal(notFound.outputs?.length, 1);
  });

  it("takes a batch message's communication id from the manifest keys, else from a configured id, never a name", () => {
    const job = { jobId: "job-1", flowInstanceId: "flow-1" };
    const fromKeys = batchDocumentFields(
      documentWith({ CommunicationId: "from-keys" }, "/out/a.pdf"),
      job,
      "Batch",
      ID,
    );
    assert.deepEqual(fromKeys.exstream, {
      communicationId: "from-keys",
      communicationName: ID,
      jobId: "job-1",
      flowInstanceId: "flow-1",
      channel: "Batch",
    });
    assert.equal(fromKeys.filename, "/out/a.pdf");
    assert.equal(batchDocumentFields(documentWith({}), job, "Batch", ID).exstream.communicationId, ID);
    const named = batchDocumentFields(documentWith({}), job, "Batch", "Letter").exstream;
    assert.deepEqual([named.communicationId, named.communicationName], ["", "Letter"]);
    const unnamed = batchDocumentFields(documentWith({}), job, "Batch").exstream;
    assert.deepEqual([unnamed.communicationId, unnamed.communicationName], ["", ""]);
  });

  it("replaces the driver data with the file, or the file with the bytes, keeping the message's other fields", () => {
    const inFile = withFields(
      { topic: "t", payload: { customer: 1 } as unknown, filename: "old" },
      onDemandFields(runWith({ filename: "/out/letter.pdf" }), target),
    );
    assert.deepEqual([inFile.topic, inFile.filename, "payload" in inFile], ["t", "/out/letter.pdf", false]);
    const inMemory = withFields(
      { topic: "t", payload: { customer: 1 } as unknown, filename: "old" },
      onDemandFields(runWith({ content: Buffer.from("PDF") }), target),
    );
    assert.deepEqual([inMemory.topic, inMemory.payload, "filename" in inMemory], ["t", Buffer.from("PDF"), false]);
    const batch = withFields(
      { payload: "driver" as unknown },
      batchDocumentFields(documentWith({}), { jobId: "j", flowInstanceId: "f" }, "Batch"),
    );
    assert.equal("payload" in batch, false, "a batch message never carries the driver data, even without a path");
  });
});
