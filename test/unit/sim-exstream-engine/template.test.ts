import assert from "node:assert/strict";
import { fillFields, lookupField, parseTemplate, referencedBlockNames } from "../../../sim/exstream/engine/template";

describe("sim/exstream engine — templates", () => {
  it("splits paragraphs at blank lines, keeps headings and standalone block references apart", () => {
    const paragraphs = parseTemplate(
      "# Title {{Name}}\r\nline one\nline two\n\n  {{ block:Legal Text }}  \n\nSee {{block:Offer}} now",
    );
    assert.deepEqual(paragraphs, [
      { kind: "heading", text: "Title {{Name}}" },
      { kind: "text", text: "line one\nline two" },
      { kind: "block", blockName: "Legal Text" },
      { kind: "text", text: "See {{block:Offer}} now" },
    ]);
    assert.deepEqual(referencedBlockNames(paragraphs), ["Legal Text", "Offer"]);
  });

  it("fills fields by exact name, case-insensitively, through dotted paths; unknown fields become empty", () => {
    const customer = { Name: "Ana", balance: 12.5, Address: { City: "Łódź" }, Tags: ["a", "b"], Empty: null };
    assert.equal(
      fillFields("{{Name}} {{BALANCE}} {{Address.City}} {{address.city}} {{Tags}} [{{Empty}}] [{{Nope}}]", customer),
      "Ana 12.5 Łódź Łódź a, b [] []",
    );
    assert.equal(lookupField({ "a.b": 1, a: { b: 2 } }, "a.b"), 1, "a flat dotted key wins over the path");
  });
});
