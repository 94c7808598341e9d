import assert from "node:assert/strict";
import { renderCustomer, SMS_MAX_CHARS, type EngineCommunication } from "../../../sim/exstream/engine";
import { BLOCKS, CUSTOMERS, STATEMENT, pdfPages, pdfText, tinyPng } from "./fixtures";

describe("sim/exstream engine — rendering one customer", () => {
  it("renders one document per output queue: PDF for print, HTML for email, text for SMS", async () => {
    const docs = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 1);
    assert.deepEqual(
      docs.map((d) => [d.queueName, d.channel, d.mimeType, d.fileName]),
      [
        ["Print_PDF", "print", "application/pdf", "ACC001_STMT_1.pdf"],
        ["Email_HTML", "email", "text/html", "ACC001_STMT_1.html"],
        ["SMS_Text", "sms", "text/plain", "ACC001_STMT_1.txt"],
      ],
    );
    assert.equal(docs[0].content.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.ok(docs.every((d) => d.customerNumber === 1));
  });

  it("prints Latin accents, Polish, Greek and Cyrillic in the PDF (embedded font, extractable text)", async () => {
    const comm: EngineCommunication = {
      ...STATEMENT,
      template: "# Łódź Ελληνικά Привет äöü ß €\n\n{{FirstName}} {{LastName}}, {{Address.City}}\n\noffice file",
    };
    // Several customers in a row: each PDF must stay searchable whatever was rendered before it.
    for (const customer of [CUSTOMERS[0], ...CUSTOMERS]) {
      const [pdf] = await renderCustomer(comm, [], customer, 1);
      const text = pdfText(pdf.content);
      assert.match(text, /Łódź Ελληνικά Привет äöü ß €/);
      const address = customer.Address as { City: string };
      assert.ok(text.includes(`${customer.FirstName} ${customer.LastName}, ${address.City}`), text);
      assert.match(text, /office file/, "ligatures keep their letters in the text layer");
    }
  });

  it("composes template, driver fields and the chosen blocks into the PDF, with the page count poppler sees", async () => {
    const [pdf] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[1], 2);
    const text = pdfText(pdf.content);
    assert.match(text, /Statement for Łukasz Żółć/);
    assert.match(text, /Szanowni Państwo z Łodzi \(Łódź\)/);
    assert.match(text, /Account ACC002, balance 10 PLN\./);
    assert.match(text, /Ask us about our savings plans\./);
    assert.match(text, /Standard legal notice\./);
    assert.match(text, /Monthly Statement v3 · pl · Page 1 of 1/);
    assert.equal(pdf.pageCount, pdfPages(pdf.content));
    assert.equal(pdf.keys.TotalPagesInDocument, String(pdfPages(pdf.content)));
  });

  it("counts every page of a long letter and numbers them", async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Paragraph ${i + 1}: Zażółć gęślą jaźń.`).join("\n\n");
    const [pdf] = await renderCustomer({ ...STATEMENT, template: long }, [], CUSTOMERS[0], 1);
    const pages = pdfPages(pdf.content);
    assert.ok(pages >= 3, `expected several pages, got ${pages}`);
    assert.equal(pdf.pageCount, pages);
    assert.match(pdfText(pdf.content), new RegExp(`Page ${pages} of ${pages}`));
  });

  it("places the brand image in the PDF and inline (data: URI) in the HTML e-mail", async () => {
    const [pdf, html] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 1);
    assert.match(pdf.content.toString("latin1"), /\/Subtype \/Image/);
    const markup = html.content.toString("utf8");
    assert.ok(markup.includes(`src="data:image/png;base64,${tinyPng().toString("base64")}"`));
    assert.doesNotMatch(markup, /src="(?!data:)/, "no external references");
    const [pdfWithout] = await renderCustomer(
      STATEMENT,
      BLOCKS.filter((b) => b.type !== "image"),
      CUSTOMERS[0],
      1,
    );
    assert.doesNotMatch(pdfWithout.content.toString("latin1"), /\/Subtype \/Image/);
  });

  it("escapes driver data and content in the HTML e-mail", async () => {
    const customer = { ...CUSTOMERS[0], FirstName: `<script>alert("x")</script>`, LastName: "O'Brien & Sons" };
    const [, html] = await renderCustomer(STATEMENT, BLOCKS, customer, 1);
    const markup = html.content.toString("utf8");
    assert.doesNotMatch(markup, /<script>/);
    assert.ok(markup.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons"));
    assert.match(markup, /^<!DOCTYPE html>\n<html lang="de">/);
    assert.match(markup, /<meta charset="utf-8">/);
    assert.match(markup, /Sehr geehrte Kundin, sehr geehrter Kunde — äöü ß €/);
  });

  it("keeps SMS text within 480 characters, dropping disclaimers before cutting the message", async () => {
    const [, , sms] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[3], 4);
    assert.equal(
      sms.content.toString("utf8"),
      "Statement for Иван Петров\nПривет, Иван!\nAccount ACC004, balance 1 EUR. City: Rīga\nAsk us about our savings plans.\nStandard legal notice.",
    );
    const long: EngineCommunication = { ...STATEMENT, template: `${"Ünïcödé wörds ".repeat(60)}\n\n{{block:Legal}}` };
    const [, , cut] = await renderCustomer(long, BLOCKS, CUSTOMERS[0], 1);
    const text = cut.content.toString("utf8");
    assert.ok([...text].length <= SMS_MAX_CHARS, `length ${[...text].length}`);
    assert.ok(text.endsWith("…"));
    assert.doesNotMatch(text, /Hinweis/);
  });

  it("uses a channel template when the communication has one", async () => {
    const comm: EngineCommunication = { ...STATEMENT, channelTemplates: { sms: "Hi {{FirstName}}: {{block:Offer}}" } };
    const [, , sms] = await renderCustomer(comm, BLOCKS, CUSTOMERS[0], 1);
    assert.equal(sms.content.toString("utf8"), "Hi Anna: Retail offer for Austria.");
    assert.equal(sms.keys.ContentVersions, "offer-retail-at@1");
  });

  it("labels every document with the manifest keys, content versions included", async () => {
    const docs = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 7);
    assert.deepEqual(docs[0].keys, {
      AccountNumber: "ACC001",
      CustomerId: "C-1",
      DocumentType: "STMT",
      Channel: "print",
      Language: "de",
      Jurisdiction: "AT",
      Segment: "retail",
      Product: "giro",
      Variant: "de-AT-retail",
      CommunicationId: "comm-statement",
      CommunicationVersion: "3",
      ContentVersions: "greet-de@2;offer-retail-at@1;legal-de-at@1;logo@1",
      EmailAddress: "anna@example.test",
      PhoneNumber: "+43123456",
      QueuesToCustomer: "3",
      StartPageCustomer: "1",
      TotalPagesInDocument: "1",
    });
    assert.deepEqual(Object.keys(docs[0].keys), Object.keys(docs[1].keys), "same keys, same order on every channel");
    assert.equal(docs[1].keys.Channel, "email");
    assert.equal(docs[2].keys.ContentVersions, "greet-de@2;offer-retail-at@1;legal-de-at@1", "no image in an SMS");
    const [noContact] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[2], 3);
    assert.equal(noContact.keys.EmailAddress, undefined);
    assert.equal(noContact.keys.PhoneNumber, undefined);
    assert.equal(noContact.keys.Product, undefined);
  });

  it("sanitizes file names and keeps them unique per customer", async () => {
    const customer = { ...CUSTOMERS[0], AccountNumber: "ÄCC/../01 x" };
    const [pdf] = await renderCustomer({ ...STATEMENT, documentType: "Stmt Ü" }, [], customer, 12);
    assert.equal(pdf.fileName, "ACC_.._01_x_Stmt_U_12.pdf");
    const [other] = await renderCustomer(STATEMENT, [], { CustomerId: "C-9" }, 13);
    assert.equal(other.fileName, "C-9_STMT_13.pdf");
  });
});
