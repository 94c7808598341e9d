import assert from "node:assert/strict";
import type { CategoryAttribute, CategoryDefinition } from "../../../nodes/lib/content-server";
import { MappingError, type MappingRule } from "../../../nodes/lib/mapping";
import { categoryAttributes, mapMetadata, withCategory, withValues, type RuleInput } from "../../../nodes/lib/metadata";

const attribute = (attributeId: number, name: string): CategoryAttribute => ({
  key: `3000_${attributeId}`,
  attributeId,
  name,
  type: "string",
  required: false,
  readOnly: false,
  multiValue: false,
});

/** A category store as the client's cache sees it: definitions are read again only after clearCache. */
function fakeCategories(attributes: CategoryAttribute[]) {
  const calls = { reads: 0, clears: 0 };
  let cached: CategoryDefinition | undefined;
  const api = {
    getCategoryDefinition: async () => {
      if (!cached) {
        calls.reads++;
        cached = { id: 3000, name: "Customer Communication", attributes: [...attributes] };
      }
      return cached;
    },
    clearCache: () => {
      calls.clears++;
      cached = undefined;
    },
  };
  return { api, calls };
}

const rule = (attribute: string, extra: Partial<MappingRule> = {}): MappingRule => ({ attribute, ...extra });
const constant = <M>(r: MappingRule, value: unknown, separator?: string): RuleInput<M> => ({
  rule: r,
  read: async () => value,
  separator,
});

describe("metadata mapping: the category's attributes", () => {
  it("reads the cached definition for every message and maps names to its keys", async () => {
    const { api, calls } = fakeCategories([attribute(1, "Customer ID")]);
    const attributes = categoryAttributes(() => api, "Customer Communication");
    for (let i = 0; i < 3; i++) {
      const { lookup, categoryId } = await attributes([rule("customer id")]);
      assert.equal(categoryId, 3000);
      assert.equal(lookup("customer id")?.key, "3000_1");
    }
    assert.deepEqual(calls, { reads: 1, clears: 0 });
  });

  it("reads the definition again once when a rule names an attribute it lacks, and not again after that", async () => {
    const attributes = [attribute(1, "Customer ID")];
    const { api, calls } = fakeCategories(attributes);
    const lookupOf = categoryAttributes(() => api, "Customer Communication");
    await lookupOf([rule("Customer ID")]);
    attributes.push(attribute(90, "Campaign"));
    const refreshed = await lookupOf([rule("Customer ID"), rule("Campaign")]);
    assert.equal(refreshed.lookup("Campaign")?.key, "3000_90");
    const unknown = await lookupOf([rule("No Such Attribute")]);
    assert.equal(unknown.lookup("No Such Attribute"), undefined);
    assert.deepEqual(calls, { reads: 2, clears: 1 });
  });
});

describe("metadata mapping: one message", () => {
  it("splits a text value by its rule's separator into the values of a multi-valued attribute", async () => {
    const { metadata } = await mapMetadata(
      [constant(rule("Tags", { multiValue: true }), "a; b ;c", ";"), constant(rule("Note"), "x;y")],
      {},
    );
    assert.deepEqual(metadata, { Tags: ["a", "b", "c"], Note: "x;y" });
  });

  it("reads every rule's value at once and reports a failed read as that rule's problem, with the others", async () => {
    let reading = 0;
    let concurrent = 0;
    const slow = (r: MappingRule, value: unknown): RuleInput<unknown> => ({
      rule: r,
      read: async () => {
        concurrent = Math.max(concurrent, ++reading);
        await new Promise((resolve) => setImmediate(resolve));
        reading--;
        return value;
      },
    });
    const failing: RuleInput<unknown> = {
      rule: rule("Broken"),
      read: () => Promise.reject(new Error("no such key")),
    };
    await assert.rejects(
      mapMetadata([slow(rule("A"), "1"), slow(rule("B"), "2"), failing, slow(rule("C", { required: true }), "")], {}),
      (err: MappingError) => {
        assert.ok(err instanceof MappingError);
        assert.match(err.message, /Broken.*source could not be read: no such key/);
        assert.match(err.message, /C.*required/);
        return true;
      },
    );
    assert.equal(concurrent, 3);
  });

  it("maps against the category's attributes in category mode: values by name and by resolved key", async () => {
    const { api } = fakeCategories([attribute(1, "Customer ID"), attribute(2, "Channel")]);
    const mapped = await mapMetadata(
      [constant(rule("Customer ID"), "C-1"), constant(rule("channel"), "email")],
      {},
      categoryAttributes(() => api, "Customer Communication"),
    );
    assert.deepEqual(mapped, {
      metadata: { "Customer ID": "C-1", channel: "email" },
      category: { id: 3000, values: { "3000_1": "C-1", "3000_2": "email" } },
    });
  });

  it("adds a category's values beside the categories and values a message already holds", () => {
    const before = { 2000: { "2000_1": "kept" }, 3000: { "3000_1": "old", "3000_5": "kept" } };
    assert.deepEqual(withCategory(before, 3000, { "3000_1": "new" }), {
      2000: { "2000_1": "kept" },
      3000: { "3000_1": "new", "3000_5": "kept" },
    });
    assert.deepEqual(withCategory("not an object", 3000, { "3000_1": "v" }), { 3000: { "3000_1": "v" } });
    assert.deepEqual(withValues({ Earlier: 1, Same: "old" }, { Same: "new" }), { Earlier: 1, Same: "new" });
    assert.deepEqual(withValues(["a list"], { Same: "new" }), { Same: "new" });
  });
});
