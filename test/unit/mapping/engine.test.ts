import assert from "node:assert/strict";
import { MappingError, mapAttributes, toContentServerDate, type AttributeDefinition } from "../../../nodes/lib/mapping";

describe("dates for Content Server", () => {
  const cases: Array<[unknown, string, "DMY" | "MDY" | undefined]> = [
    ["2026-11-26", "2026-11-26T00:00:00", undefined],
    ["2026-11-26T14:05:09", "2026-11-26T14:05:09", undefined],
    ["2026-11-26T14:05:09.123Z", "2026-11-26T14:05:09", undefined],
    ["2026-11-26T14:05:09+0100", "2026-11-26T13:05:09", undefined],
    ["2026-11-26 14:05", "2026-11-26T14:05:00", undefined],
    ["20261126", "2026-11-26T00:00:00", undefined],
    ["20261126140509", "2026-11-26T14:05:09", undefined],
    ["26.11.2026", "2026-11-26T00:00:00", undefined],
    ["3.4.2026", "2026-04-03T00:00:00", undefined],
    ["26/11/2026", "2026-11-26T00:00:00", undefined],
    ["11/26/2026", "2026-11-26T00:00:00", undefined],
    ["03/04/2026", "2026-04-03T00:00:00", "DMY"],
    ["03/04/2026", "2026-03-04T00:00:00", "MDY"],
    ["26 Nov 2026", "2026-11-26T00:00:00", undefined],
    ["26. November 2026", "2026-11-26T00:00:00", undefined],
    ["November 26, 2026", "2026-11-26T00:00:00", undefined],
    ["3. März 2026", "2026-03-03T00:00:00", undefined],
    [1795910400000, "2026-11-29T00:00:00", undefined],
    ["1795910400", "2026-11-29T00:00:00", undefined],
    [new Date(Date.UTC(2026, 10, 26, 8, 0, 0)), "2026-11-26T08:00:00", undefined],
  ];
  for (const [input, expected, order] of cases) {
    it(`reads ${JSON.stringify(input)}${order ? ` (${order})` : ""} as ${expected}`, () => {
      assert.deepEqual(toContentServerDate(input, { order, timeZone: "UTC" }), { value: expected });
    });
  }

  it("writes an instant met again in another zone in that zone (recent instants are remembered per zone)", () => {
    const instant = "2026-11-26T23:30:00Z";
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(toContentServerDate(instant, { timeZone: "UTC" }), { value: "2026-11-26T23:30:00" });
      assert.deepEqual(toContentServerDate(instant, { timeZone: "Europe/Berlin" }), { value: "2026-11-27T00:30:00" });
      assert.deepEqual(toContentServerDate(instant, { timeZone: "America/New_York" }), {
        value: "2026-11-26T18:30:00",
      });
    }
  });

  it("explains ambiguous and impossible dates instead of guessing", () => {
    assert.match((toContentServerDate("03/04/2026") as { problem: string }).problem, /ambiguous/);
    assert.match((toContentServerDate("2026-02-30") as { problem: string }).problem, /not a valid calendar date/);
    assert.match((toContentServerDate("31.04.2026") as { problem: string }).problem, /not a valid calendar date/);
    assert.match((toContentServerDate("next tuesday") as { problem: string }).problem, /not a recognised date/);
    assert.match((toContentServerDate({}) as { problem: string }).problem, /expected a date/);
  });
});

describe("mapping engine", () => {
  const definitions: Record<string, AttributeDefinition> = {
    "Account Number": {
      name: "Account Number",
      key: "9001_3",
      type: "string",
      multiValue: false,
      required: true,
      maxLength: 12,
    },
    "Delivery Date": { name: "Delivery Date", key: "9001_5", type: "date", multiValue: false, required: false },
    Channel: {
      name: "Channel",
      key: "9001_6",
      type: "string",
      multiValue: false,
      required: false,
      validValues: ["print", "email", "sms"],
    },
    "Content Versions": { name: "Content Versions", key: "9001_11", type: "string", multiValue: true, required: false },
    Pages: { name: "Pages", key: "9001_14", type: "integer", multiValue: false, required: false },
    Archived: { name: "Archived", key: "9001_15", type: "boolean", multiValue: false, required: false },
  };
  const definitionOf = (name: string) => definitions[name];

  it("maps values by attribute name to resolved keys with conversions", () => {
    const source: Record<string, unknown> = {
      "Account Number": "ACC001",
      "Delivery Date": "26.11.2026",
      Channel: "email",
      "Content Versions": ["disc-1@3", "", "brand@2"],
      Pages: "7",
      Archived: "yes",
    };
    const result = mapAttributes(
      Object.keys(source).map((attribute) => ({ attribute })),
      (rule) => source[rule.attribute],
      definitionOf,
    );
    assert.deepEqual(result.categories, {
      "9001_3": "ACC001",
      "9001_5": "2026-11-26T00:00:00",
      "9001_6": "email",
      "9001_11": ["disc-1@3", "brand@2"],
      "9001_14": 7,
      "9001_15": true,
    });
    assert.equal(result.metadata["Delivery Date"], "2026-11-26T00:00:00");
  });

  it("uses defaults for empty sources and leaves optional empty attributes out", () => {
    const result = mapAttributes(
      [{ attribute: "Account Number", defaultValue: "UNKNOWN" }, { attribute: "Channel" }],
      () => "",
      definitionOf,
    );
    assert.deepEqual(result.categories, { "9001_3": "UNKNOWN" });
  });

  it("reports every problem of a message together", () => {
    const source: Record<string, unknown> = {
      "Account Number": undefined,
      "Delivery Date": "03/04/2026",
      Channel: "fax",
      Pages: "seven",
      Archived: "maybe",
      Nickname: "x",
    };
    try {
      mapAttributes(
        Object.keys(source).map((attribute) => ({ attribute })),
        (rule) => source[rule.attribute],
        definitionOf,
      );
      assert.fail("expected a MappingError");
    } catch (err) {
      assert.ok(err instanceof MappingError);
      assert.equal(err.name, "MappingError");
      assert.deepEqual(
        err.problems.map((p) => p.attribute),
        ["Account Number", "Delivery Date", "Channel", "Pages", "Archived", "Nickname"],
      );
      assert.match(err.message, /^6 mapping problems: Account Number: required/);
      assert.match(err.message, /Nickname: no such attribute/);
    }
  });

  it("checks the maximum length, or truncates when asked to", () => {
    assert.throws(
      () => mapAttributes([{ attribute: "Account Number" }], () => "ACC-0000000001", definitionOf),
      /longer than 12 characters/,
    );
    const cut = mapAttributes([{ attribute: "Account Number", truncate: true }], () => "ACC-0000000001", definitionOf);
    assert.equal(cut.categories["9001_3"], "ACC-00000000");
  });

  it("refuses several values for a single-value attribute and reports a failing source", () => {
    assert.throws(() => mapAttributes([{ attribute: "Channel" }], () => ["print", "email"], definitionOf), /2 values/);
    assert.throws(
      () =>
        mapAttributes(
          [{ attribute: "Channel" }],
          () => {
            throw new Error("Expected ')'");
          },
          definitionOf,
        ),
      /Channel: source could not be read: Expected '\)'/,
    );
  });

  it("maps without definitions using the rule's own types (workflow attributes to driver data)", () => {
    const result = mapAttributes(
      [
        { attribute: "ClaimNumber", required: true },
        { attribute: "DecisionDate", type: "date" },
        { attribute: "Amount", type: "real" },
      ],
      (rule) => ({ ClaimNumber: "CL-7", DecisionDate: "2026-11-01", Amount: "1250,50" })[rule.attribute],
    );
    assert.deepEqual(result.metadata, { ClaimNumber: "CL-7", DecisionDate: "2026-11-01T00:00:00", Amount: 1250.5 });
    assert.deepEqual(result.categories, {});
  });
});
