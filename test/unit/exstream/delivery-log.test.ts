import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  deliveryOutcomeOf,
  extractPathOf,
  readDeliveryLog,
  splitDeliveryLog,
} from "../../../nodes/lib/watch/delivery-log";

const customerXml = (n: number) =>
  `<customer number="${n}" accountNumber="ACC-${n}"><queue name="Print_PDF" channel="print" status="delivered"/>` +
  `<queue name="Email_HTML" channel="email" status="sent"/></customer>`;

describe("delivery log: one extract per customer", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "delivery-log-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (xml: string) => {
    const file = path.join(tmp, "delivery_log.xml");
    fs.writeFileSync(file, xml);
    return file;
  };

  it("writes each customer's own extract: the log's root element with that customer's element only", async () => {
    const log = write(
      `<?xml version="1.0"?>\n<deliveryLog jobId="job-1" runId="r&amp;1">\n${customerXml(1)}\n${customerXml(2)}\n</deliveryLog>\n`,
    );
    const split = await splitDeliveryLog(log, path.join(tmp, "extracts"));
    assert.equal(split.customers, 2);
    const one = fs.readFileSync(extractPathOf(split.dir, "1"), "utf8");
    assert.equal(
      one,
      '<?xml version="1.0" encoding="UTF-8"?>\n<deliveryLog jobId="job-1" runId="r&amp;1">\n  ' +
        customerXml(1).replace(/\/>/g, "></queue>") +
        "\n</deliveryLog>\n",
    );
    assert.ok(!one.includes("ACC-2"));
    assert.deepEqual([...(await readDeliveryLog(extractPathOf(split.dir, "2"))).keys()], ["2"]);
  });

  it("gathers a customer listed twice into one extract", async () => {
    const log = write(
      `<log>${customerXml(7)}${customerXml(8)}<customer number="7"><queue name="SMS" status="failed"/></customer></log>`,
    );
    const split = await splitDeliveryLog(log, path.join(tmp, "x"));
    const entries = (await readDeliveryLog(extractPathOf(split.dir, "7"))).get("7")!;
    assert.deepEqual(
      entries.map((e) => e.status),
      ["delivered", "sent", "failed"],
    );
  });

  it("splits a 5,000-customer log streaming, one file per customer", async () => {
    const file = path.join(tmp, "big.xml");
    const out = fs.createWriteStream(file);
    out.write("<deliveryLog>\n");
    for (let n = 1; n <= 5000; n++) out.write(customerXml(n) + "\n");
    out.end("</deliveryLog>\n");
    await new Promise<void>((resolve) => out.on("finish", () => resolve()));
    const split = await splitDeliveryLog(file, path.join(tmp, "big"));
    assert.equal(split.customers, 5000);
    assert.equal(fs.readdirSync(split.dir).length, 5000);
    assert.match(fs.readFileSync(extractPathOf(split.dir, "4321"), "utf8"), /ACC-4321/);
  });

  it("names extracts of unusual customer numbers by a hash, never by a path", () => {
    assert.equal(path.basename(extractPathOf("/x", "C-17_a")), "customer-C-17_a.xml");
    const odd = extractPathOf("/x", "../../etc/passwd");
    assert.equal(path.dirname(odd), "/x");
    assert.match(path.basename(odd), /^customer-[0-9a-f]{32}\.xml$/);
  });

  it("refuses malformed XML and a DTD (the caller hands on no log then)", async () => {
    await assert.rejects(splitDeliveryLog(write("<deliveryLog><customer number='1'>"), path.join(tmp, "a")));
    await assert.rejects(
      splitDeliveryLog(write('<!DOCTYPE x [<!ENTITY e "boom">]><deliveryLog/>'), path.join(tmp, "b")),
      /DTD/,
    );
  });
});

describe("delivery log: what a status word says", () => {
  const cases: Array<[string | undefined, string]> = [
    ["delivered", "delivered"],
    ["Success", "delivered"],
    ["printed", "delivered"],
    ["sent", "sent"],
    ["SUBMITTED", "sent"],
    ["accepted", "sent"],
    ["queued", "pending"],
    ["pending", "pending"],
    ["retrying", "pending"],
    ["failed", "failed"],
    ["undeliverable", "failed"],
    ["bounced", "failed"],
    ["Exstream-Email-Failed", "failed"],
    ["Exstream-Email-Submit", "sent"],
    ["Exstream-Email-POST", "delivered"],
    ["Exstream-Email-OPEN", "delivered"],
    ["Exstream-Email-NDLV", "failed"],
    ["Exstream-Generated", "pending"],
    ["success", "delivered"],
    ["NDLV", "failed"],
    ["rejected", "failed"],
    ["", "unknown"],
    [undefined, "unknown"],
    ["purple", "unknown"],
  ];
  for (const [status, outcome] of cases) {
    it(`${JSON.stringify(status)} → ${outcome}`, () => assert.equal(deliveryOutcomeOf(status), outcome));
  }
});
