import assert from "node:assert/strict";
import { DriverDataError, parseDriverData } from "../../../sim/exstream/engine";

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), "utf8");
const xml = (text: string): Buffer => Buffer.from(text, "utf8");

function rejects(fn: () => unknown, statusCode: 400 | 415, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DriverDataError, `expected DriverDataError, got ${String(err)}`);
    assert.equal(err.name, "DriverDataError");
    assert.equal(err.statusCode, statusCode);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe("sim/exstream engine — driver data", () => {
  it("reads a JSON object as one customer, keeping types and nesting", () => {
    const body = { claim: { id: "CL-1", amount: 12.5 }, contactDetails: { email: "a@b.test" }, Language: "de" };
    assert.deepEqual(parseDriverData(json(body), "application/json"), [body]);
  });

  it("reads a JSON array and {customers:[…]} / {records:[…]} as one customer per element", () => {
    const list = [{ AccountNumber: "1" }, { AccountNumber: "2" }];
    assert.deepEqual(parseDriverData(json(list), "application/json; charset=utf-8"), list);
    assert.deepEqual(parseDriverData(json({ customers: list }), "Application/JSON"), list);
    assert.deepEqual(parseDriverData(json({ records: list, batch: "x" }), "application/json"), list);
  });

  it("honours a UTF-8 BOM and a UTF-16 body with BOM", () => {
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json({ Name: "Łódź" })]);
    assert.deepEqual(parseDriverData(utf8, "application/json"), [{ Name: "Łódź" }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("<c><Name>Привет</Name></c>", "utf16le")]);
    assert.deepEqual(parseDriverData(utf16, "text/xml"), [{ Name: "Привет" }]);
  });

  it("reads repeated XML record elements as flat customers with nested objects for nested elements", () => {
    const body = xml(`<?xml version="1.0" encoding="UTF-8"?>
      <ns:Customers xmlns:ns="urn:x">
        <ns:Customer type="retail">
          <AccountNumber>ACC001</AccountNumber>
          <Name>Zażółć &amp; Co</Name>
          <Address><City>Łódź</City><Zip>90-001</Zip></Address>
          <Phone>1</Phone><Phone>2</Phone>
          <Note><![CDATA[<b>raw</b>]]></Note>
          <Empty/>
        </ns:Customer>
        <ns:Customer><AccountNumber>ACC002</AccountNumber></ns:Customer>
      </ns:Customers>`);
    assert.deepEqual(parseDriverData(body, "application/xml; charset=UTF-8"), [
      {
        type: "retail",
        AccountNumber: "ACC001",
        Name: "Zażółć & Co",
        Address: { City: "Łódź", Zip: "90-001" },
        Phone: ["1", "2"],
        Note: "<b>raw</b>",
        Empty: "",
      },
      { AccountNumber: "ACC002" },
    ]);
  });

  it("treats a single record under a plural container as one customer, and a plain root as the customer itself", () => {
    assert.deepEqual(parseDriverData(xml("<customers><customer><Id>1</Id></customer></customers>"), "text/xml"), [
      { Id: "1" },
    ]);
    assert.deepEqual(parseDriverData(xml("<records><row><Id>1</Id></row></records>"), "text/xml"), [{ Id: "1" }]);
    assert.deepEqual(parseDriverData(xml("<claim><Id>7</Id><Policy><No>P1</No></Policy></claim>"), "text/xml"), [
      { Id: "7", Policy: { No: "P1" } },
    ]);
    assert.deepEqual(parseDriverData(xml('<letter lang="de">Hallo</letter>'), "text/xml"), [
      { lang: "de", "#text": "Hallo" },
    ]);
  });

  it("answers 415 for any other content type or charset", () => {
    rejects(() => parseDriverData(json({}), "text/plain"), 415, /text\/plain/);
    rejects(() => parseDriverData(json({}), "application/x-www-form-urlencoded"), 415);
    rejects(() => parseDriverData(json({}), ""), 415);
    rejects(() => parseDriverData(json({}), "application/json; charset=x-klingon"), 415, /charset/);
  });

  it("answers 400 for malformed, empty or non-record bodies", () => {
    rejects(() => parseDriverData(Buffer.from("{not json"), "application/json"), 400, /JSON/);
    rejects(() => parseDriverData(Buffer.from("   "), "application/json"), 400, /empty/);
    rejects(() => parseDriverData(json([1, 2]), "application/json"), 400, /record 1/);
    rejects(() => parseDriverData(json("text"), "application/json"), 400);
    rejects(() => parseDriverData(xml("<a><b></a>"), "application/xml"), 400, /XML/);
    rejects(() => parseDriverData(xml("<a/><b/>"), "application/xml"), 400);
    rejects(() => parseDriverData(xml("just text"), "text/xml"), 400);
    rejects(() => parseDriverData(Buffer.from([0xc3, 0x28]), "application/json"), 400, /utf-8/);
  });
});
