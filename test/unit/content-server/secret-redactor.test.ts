import assert from "node:assert/strict";
import { SecretRedactor } from "../../../nodes/lib/content-server/errors";

describe("SecretRedactor", () => {
  it("redacts credentials and session secrets, raw and URL-encoded, longest first", () => {
    const redactor = new SecretRedactor();
    redactor.add("pass word");
    redactor.addSessionSecret("ticket/abc");
    redactor.addSessionSecret("ticket/abcdef");
    assert.equal(redactor.redact("pass word pass%20word ticket/abcdef ticket%2Fabc"), "*** *** *** ***");
  });

  it("keeps credentials for good but only the recent session secrets, so rotating tickets do not grow it", () => {
    const redactor = new SecretRedactor();
    redactor.add("the-password");
    for (let i = 0; i < 10_000; i++) redactor.addSessionSecret(`rotated-ticket-${i}`);
    assert.equal(redactor.redact("rotated-ticket-9999 the-password"), "*** ***");
    // Forgotten: older tickets have expired long ago (a ticket-shaped text is still caught by its shape).
    assert.equal(redactor.redact("rotated-ticket-0"), "rotated-ticket-0");
    assert.equal(redactor.redact("OTCSTicket: rotated-ticket-0"), "OTCSTicket: ***");
  });

  it("a session secret seen again counts as new", () => {
    const redactor = new SecretRedactor();
    redactor.addSessionSecret("first-ticket");
    for (let i = 0; i < 1_000; i++) {
      redactor.addSessionSecret(`other-${i}`);
      if (i % 50 === 0) redactor.addSessionSecret("first-ticket");
    }
    assert.equal(redactor.redact("first-ticket"), "***");
  });
});
