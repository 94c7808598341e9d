import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";

/** Dates for Content Server, computed in a child process whose host zone is `zone` (TZ). */
function datesOnHostIn(zone: string): Record<string, string> {
  const script = path.join(__dirname, "fixtures", "dates-in-host-zone.ts");
  const out = execFileSync(process.execPath, ["--require", "tsx/cjs", script], {
    env: { ...process.env, TZ: zone },
    encoding: "utf8",
  });
  return JSON.parse(out) as Record<string, string>;
}

describe("dates for Content Server on hosts east and west of UTC", function () {
  this.timeout(60_000);

  const sameEverywhere = {
    dateOnlyText: "2026-11-26T00:00:00",
    germanDate: "2026-11-26T00:00:00",
    localDateTimeText: "2026-11-26T14:05:09",
    localMidnightDate: "2026-11-26T00:00:00",
    dateParsedFromText: "2026-11-26T00:00:00",
    localMorningInstant: "2026-11-26T08:30:00",
    utcInstantInUtc: "2026-11-26T23:30:00",
    utcInstantInBerlin: "2026-11-27T00:30:00",
    epochInBerlin: "2026-11-27T00:30:00",
    mappedDate: "2026-11-26T00:00:00",
    categoryValue: "2026-11-26T00:00:00",
  };

  for (const [zone, utcInstant] of [
    ["Asia/Tokyo", "2026-11-27T08:30:00"],
    ["America/Los_Angeles", "2026-11-26T15:30:00"],
  ]) {
    it(`keeps every calendar day and writes instants in the host's zone with TZ=${zone}`, () => {
      assert.deepEqual(datesOnHostIn(zone), { ...sameEverywhere, utcInstant });
    });
  }
});
