import assert from "node:assert/strict";
import { SecretRedactor } from "../../../nodes/lib/content-server/errors";

describe("SecretRedactor", () => {
  it("redacts credentials and session secrets, raw and URL-encoded, longest first", () => {
    const redactor = new SecretRedactor();
    redactor.add("pass word");
    redactor.addLoginSecret("ticket/abc");
    redactor.addRotatedTicket("ticket/abcdef");
    assert.equal(redactor.redact("pass word pass%20word ticket/abcdef ticket%2Fabc"), "*** *** *** ***");
  });

  it("keeps credentials for good but only the recent session secrets, so rotating tickets do not grow it", () => {
    const redactor = new SecretRedactor();
    redactor.add("the-password");
    for (let i = 0; i < 10_000; i++) redactor.addRotatedTicket(`rotated-ticket-${i}`);
    assert.equal(redactor.redact("rotated-ticket-9999 the-password"), "*** ***");
    // Forgotten: older tickets have expired long ago (a ticket-shaped text is still caught by its shape).
    assert.equal(redactor.redact("rotated-ticket-0"), "rotated-ticket-0");
    assert.equal(redactor.redact("OTCSTicket: rotated-ticket-0"), "OTCSTicket: ***");
  });

  it("a ticket seen again counts as new", () => {
    const redactor = new SecretRedactor();
    redactor.addRotatedTicket("first-ticket");
    for (let i = 0; i < 1_000; i++) {
      redactor.addRotatedTicket(`other-${i}`);
      if (i % 50 === 0) redactor.addRotatedTicket("first-ticket");
    }
    assert.equal(redactor.redact("first-ticket"), "***");
  });

  it("the OTDS ticket of a login stays redacted however many tickets rotate after it", () => {
    const redactor = new SecretRedactor();
    redactor.addLoginSecret("otds-ticket-of-the-login");
    for (let i = 0; i < 10_000; i++) redactor.addRotatedTicket(`rotated-ticket-${i}`);
    assert.equal(redactor.redact("otds-ticket-of-the-login"), "***");
    for (let i = 0; i < 1_000; i++) redactor.addLoginSecret(`later-login-${i}`);
    assert.equal(redactor.redact("otds-ticket-of-the-login"), "otds-ticket-of-the-login", "logins are bounded too");
  });
});
