import assert from "node:assert/strict";
import { renderCustomer, type EngineBlock, type EngineCommunication } from "../../../sim/exstream/engine";
import { chooseBlock, customerProfile, normalizeLanguageTag } from "../../../sim/exstream/engine/variants";
import { BLOCKS, CUSTOMERS, STATEMENT } from "./fixtures";

function candidate(id: string, rules?: EngineBlock["rules"], version = 1): EngineBlock {
  return { id, name: "Clause", version, type: "message", content: Buffer.from(id), ...(rules ? { rules } : {}) };
}

function pick(candidates: EngineBlock[], customer: Record<string, unknown>): string | undefined {
  return chooseBlock(candidates, customerProfile(customer))?.block.id;
}

describe("sim/exstream engine — variant selection", () => {
  it("prefers an exact rule match over a wildcard, and a wildcard over the rule-less fallback", () => {
    const fallback = candidate("fallback");
    const wildcard = candidate("any-language", { language: "*" });
    const exact = candidate("german", { language: "de" });
    const customer = { Language: "de" };
    assert.equal(pick([fallback, wildcard, exact], customer), "german");
    assert.equal(pick([exact, wildcard, fallback], customer), "german", "independent of input order");
    assert.equal(pick([fallback, wildcard], customer), "any-language");
    assert.equal(pick([fallback], customer), "fallback");
  });

  it("never chooses a block whose rules name another value", () => {
    const french = candidate("french", { language: "fr" });
    assert.equal(pick([french], { Language: "de" }), undefined);
    assert.equal(pick([french, candidate("fallback")], { Language: "de" }), "fallback");
    assert.equal(pick([french], {}), undefined, "a targeted block needs the customer value");
  });

  it("matches more dimensions over fewer, and language before jurisdiction on a tie", () => {
    const customer = { Language: "de", Jurisdiction: "AT", Segment: "retail" };
    const austria = candidate("at", { jurisdiction: "AT" });
    const german = candidate("de", { language: "de" });
    const germanInAustria = candidate("de-at", { language: "de", jurisdiction: "AT" });
    assert.equal(pick([austria, german], customer), "de");
    assert.equal(pick([austria, german, germanInAustria], customer), "de-at");
  });

  it("matches a language rule on the primary subtag, the full tag winning", () => {
    const customer = { Language: "de-AT" };
    assert.equal(pick([candidate("de", { language: "de" }), candidate("fallback")], customer), "de");
    assert.equal(
      pick([candidate("de", { language: "de" }), candidate("de_AT", { language: "de_at" })], customer),
      "de_AT",
    );
    assert.equal(pick([candidate("de-CH", { language: "de-CH" })], customer), undefined);
  });

  it("breaks remaining ties by the higher version, then the smaller id", () => {
    assert.equal(pick([candidate("a", undefined, 1), candidate("b", undefined, 2)], {}), "b");
    assert.equal(pick([candidate("b"), candidate("a")], {}), "a");
  });

  it("reads the customer's fields case-insensitively and from nested data", () => {
    assert.deepEqual(customerProfile({ language: "pl", JURISDICTION: "PL", Segment: " retail ", Product: 42 }), {
      language: "pl",
      jurisdiction: "PL",
      segment: "retail",
      product: "42",
    });
    assert.equal(customerProfile({ SYS_LanguageCustomer: "el" }).language, "el");
  });

  it("names the variant after the dimensions the chosen content matched: de-AT-retail, pl, standard", async () => {
    const [anna] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[0], 1);
    assert.equal(anna.keys.Variant, "de-AT-retail");
    assert.deepEqual(
      anna.variant?.blocks.map((b) => [b.name, b.id, b.version, b.matched.join("+")]),
      [
        ["Greeting", "greet-de", 2, "language"],
        ["Offer", "offer-retail-at", 1, "jurisdiction+segment"],
        ["Legal", "legal-de-at", 1, "language+jurisdiction"],
        ["Brand Logo", "logo", 1, ""],
      ],
    );
    const [lukasz] = await renderCustomer(STATEMENT, BLOCKS, CUSTOMERS[1], 2);
    assert.equal(lukasz.keys.Variant, "pl");
    assert.equal(lukasz.keys.ContentVersions, "greet-pl@1;offer-any@1;legal-default@1;logo@1");
    const [stranger] = await renderCustomer(STATEMENT, BLOCKS, { AccountNumber: "X", Language: "fr" }, 3);
    assert.equal(stranger.keys.Variant, "standard");
    assert.equal(stranger.keys.ContentVersions, "greet-default@1;offer-any@1;legal-default@1;logo@1");
  });

  it("renders the new content after a block gets a new version", async () => {
    const updated = BLOCKS.map((b) =>
      b.id === "legal-de-at" ? { ...b, version: 2, content: Buffer.from("Neuer Hinweis.") } : b,
    );
    const [, html] = await renderCustomer(STATEMENT, updated, CUSTOMERS[0], 1);
    assert.match(html.content.toString("utf8"), /Neuer Hinweis\./);
    assert.match(html.keys.ContentVersions, /legal-de-at@2/);
  });

  it("renders nothing for a reference without any block and records it as missing", async () => {
    const comm: EngineCommunication = {
      ...STATEMENT,
      template: "Hello\n\n{{block:Nowhere}}",
      queues: [{ name: "Mail", channel: "email" }],
    };
    const [doc] = await renderCustomer(comm, [], {}, 1);
    assert.deepEqual(doc.variant?.missing, ["Nowhere"]);
    assert.equal(doc.keys.ContentVersions, "");
    assert.doesNotMatch(doc.content.toString("utf8"), /Nowhere/);
  });

  it("normalises language tags for the variant id", () => {
    assert.equal(normalizeLanguageTag("DE_at"), "de-AT");
    assert.equal(normalizeLanguageTag("sr-latn-rs"), "sr-Latn-RS");
  });
});
