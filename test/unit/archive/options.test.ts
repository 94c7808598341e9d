import assert from "node:assert/strict";
import { archiverOptions, DEFAULT_NAME_RULES } from "../../../nodes/lib/archive";

describe("archive settings → archiver options", () => {
  it("gives the defaults for blank settings: a new version of an existing document, the Content Server's name rules, a 1 s settle time", () => {
    assert.deepEqual(archiverOptions({ maxNameLength: " ", ambiguousSettleMs: "" }), {
      options: {
        existsPolicy: "version",
        checksumAttribute: undefined,
        verifyChecksum: false,
        rmClassification: undefined,
        hold: undefined,
        ambiguousSettleMs: 1000,
        nameRules: DEFAULT_NAME_RULES,
      },
      problems: [],
    });
  });

  it("reads numbers saved as text and trims the checksum attribute, category, classification and hold", () => {
    const { options, problems } = archiverOptions({
      existsPolicy: "skip",
      maxNameLength: "64",
      ambiguousSettleMs: "250",
      category: " Customer Communication ",
      checksumAttribute: " SHA-256 ",
      verifyChecksum: true,
      rmClassification: " Letters ",
      hold: " ",
    });
    assert.deepEqual(problems, []);
    assert.equal(options.existsPolicy, "skip");
    assert.equal(options.nameRules.maxLength, 64);
    assert.equal(options.ambiguousSettleMs, 250);
    assert.deepEqual(options.checksumAttribute, { category: "Customer Communication", attribute: "SHA-256" });
    assert.equal(options.verifyChecksum, true);
    assert.equal(options.rmClassification, "Letters");
    assert.equal(options.hold, undefined);
  });

  it("names every problem of the settings at once", () => {
    const wrong = { existsPolicy: "overwrite", maxNameLength: "7", checksumAttribute: "SHA-256" };
    const { problems, options } = archiverOptions({ ...wrong, forbiddenCharacters: "/_", replacement: "_" });
    assert.deepEqual(problems, [
      'unknown policy "overwrite"',
      `name length must be 8–${DEFAULT_NAME_RULES.maxLength}`,
      "the checksum attribute needs a category",
      "the replacement is a forbidden character",
    ]);
    assert.equal(options.checksumAttribute, undefined);
  });

  for (const length of ["abc", "8.5", String(DEFAULT_NAME_RULES.maxLength + 1)]) {
    it(`refuses the name length ${length}`, () => {
      assert.equal(archiverOptions({ maxNameLength: length }).problems.length, 1);
    });
  }
});
