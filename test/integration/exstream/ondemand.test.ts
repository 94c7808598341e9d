import assert from "node:assert/strict";
import { ExstreamError } from "../../../nodes/lib/exstream";
import { driverSample, EXSTREAM_DEMO, withSimulator } from "./setup";

describe("Exstream client: on-demand generate", () => {
  const { client } = withSimulator();
  let driver: Buffer;
  before(async () => {
    driver = await driverSample(client(), "Monthly Statement");
  });

  it("decodes the envelope into one output per queue and customer", async () => {
    const result = await client().generate({
      communicationId: EXSTREAM_DEMO.communicationId,
      driverDataSource: EXSTREAM_DEMO.driverDataSource,
      driver: JSON.parse(driver.toString("utf8")).slice(0, 2),
    });
    assert.equal(result.outputs.length, 6);
    const queues = new Set(result.outputs.map((o) => o.queueName));
    assert.deepEqual([...queues].sort(), ["Email_HTML", "Print_PDF", "SMS_Text"]);
    const pdf = result.outputs.find((o) => o.queueName === "Print_PDF" && o.customerNumber === "1");
    assert.ok(pdf, "customer 1 has a print PDF");
    assert.equal(pdf.mimeType, "application/pdf");
    assert.equal(pdf.content.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.ok(pdf.fileName);
    const html = result.outputs.find((o) => o.queueName === "Email_HTML" && o.customerNumber === "2");
    assert.match(html?.content.toString("utf8") ?? "", /<html/i);
  });

  it("sends a Buffer driver as given, typed from its first character", async () => {
    const result = await client().generate({
      communicationId: EXSTREAM_DEMO.communicationId,
      driverDataSource: EXSTREAM_DEMO.driverDataSource,
      driver,
    });
    assert.ok(result.outputs.length >= 3);
  });

  it("returns the raw PDF with Accept: application/pdf", async () => {
    const result = await client().generate({
      communicationId: EXSTREAM_DEMO.communicationId,
      driverDataSource: EXSTREAM_DEMO.driverDataSource,
      driver,
      response: "pdf",
    });
    assert.equal(result.outputs.length, 1);
    assert.equal(result.outputs[0].mimeType, "application/pdf");
    assert.equal(result.outputs[0].content.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.equal(result.outputs[0].content.subarray(-8).includes("%%EOF"), true);
  });

  it("maps a wrong driver data source to an ExstreamError carrying the server's message", async () => {
    await assert.rejects(
      client().generate({ communicationId: EXSTREAM_DEMO.communicationId, driverDataSource: "NoSuchDriver", driver }),
      (err: unknown) => {
        assert.ok(err instanceof ExstreamError);
        assert.equal(err.status, 400);
        assert.equal(err.operation, "generate");
        assert.ok(err.serverMessage && err.serverMessage.length > 0, "server message kept");
        assert.ok(err.message.includes(err.serverMessage));
        return true;
      },
    );
  });

  it("refuses driver data that is neither JSON nor XML before sending it", async () => {
    await assert.rejects(
      client().generate({
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
        driver: "plain text",
      }),
      TypeError,
    );
  });

  it("passes an explicit content type through (the server answers 415 for one it cannot take)", async () => {
    await assert.rejects(
      client().generate({
        communicationId: EXSTREAM_DEMO.communicationId,
        driverDataSource: EXSTREAM_DEMO.driverDataSource,
        driver: "a,b,c",
        contentType: "text/csv",
      }),
      (err: unknown) => err instanceof ExstreamError && err.status === 415,
    );
  });
});
