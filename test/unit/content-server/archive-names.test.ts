import assert from "node:assert/strict";
import {
  ArchiveError,
  cleanNodeName,
  isAmbiguousCreateFailure,
  numberedName,
  relatedName,
  renderNameTemplate,
} from "../../../nodes/lib/archive";
import { ContentServerError } from "../../../nodes/lib/content-server";
import { MappingError } from "../../../nodes/lib/mapping";
import { failureOf } from "../../../nodes/lib/failure";

describe("archive names", function () {
  const msg = { document: { keys: { AccountNumber: "ACC-1", "Document Type": "Invoice" } }, run: 7 };
  const now = new Date(2026, 10, 26, 9, 5, 3);

  it("fills msg paths, msg.document shortcuts and date tokens into a template", function () {
    assert.equal(
      renderNameTemplate("{{document.keys.AccountNumber}}_{{ keys.Document Type }}_{{run}}_{{date}}.pdf", msg, now),
      "ACC-1_Invoice_7_2026-11-26.pdf",
    );
    assert.equal(renderNameTemplate("{{time}}/{{datetime}}", {}, now), "090503/20261126-090503");
    assert.equal(renderNameTemplate("no placeholders.pdf", {}, now), "no placeholders.pdf");
  });

  it("reads {{msg.path}} (the dialogs' one syntax) and still the saved forms without msg. and below msg.document", function () {
    const saved = "{{document.keys.AccountNumber}} {{keys.AccountNumber}} {{run}}";
    const shown = "{{msg.document.keys.AccountNumber}} {{msg.document.keys.AccountNumber}} {{ msg.run }}";
    assert.equal(renderNameTemplate(shown, msg, now), "ACC-1 ACC-1 7");
    assert.equal(renderNameTemplate(saved, msg, now), renderNameTemplate(shown, msg, now));
    assert.throws(() => renderNameTemplate("{{msg.nope}}", msg, now), /no value for \{\{msg\.nope\}\}/);
  });

  it("names every missing template value instead of leaving holes", function () {
    assert.throws(
      () => renderNameTemplate("{{document.keys.Nope}}_{{other}}.pdf", msg, now),
      (err: Error) =>
        err.name === "NameTemplateError" && /\{\{document\.keys\.Nope\}\}, \{\{other\}\}/.test(err.message),
    );
    assert.throws(() => renderNameTemplate("{{document.keys}}", msg, now), /no value/, "objects are not names");
  });

  it("replaces forbidden and control characters, collapses spaces, trims, drops trailing dots", function () {
    assert.equal(
      cleanNodeName('  Invoice: Q1/2026 *draft*?  "x" <y> | z\t\n. . '),
      "Invoice_ Q1_2026 _draft__ _x_ _y_ _ z",
    );
    assert.equal(cleanNodeName("report..."), "report");
    assert.equal(cleanNodeName(":::", { forbiddenCharacters: ":", replacement: "", maxLength: 248 }), "");
  });

  it("removes bidi overrides and zero-width characters that disguise a name (invoice\u202Efdp.exe_.pdf is no PDF)", function () {
    assert.equal(cleanNodeName("invoice\u202Efdp.exe_.pdf"), "invoicefdp.exe_.pdf");
    assert.equal(cleanNodeName("\uFEFFstate\u200Bment\u200D\u2066.pdf\u2069\u202C"), "statement.pdf");
    assert.equal(cleanNodeName("\u202E\u200B"), "", "nothing visible is left");
    assert.equal(cleanNodeName("Zoë Ünal – Bescheid.pdf"), "Zoë Ünal – Bescheid.pdf", "visible letters stay");
  });

  it("shortens to the maximum length, keeping the extension", function () {
    const long = `${"a".repeat(300)}.pdf`;
    const cleaned = cleanNodeName(long);
    assert.equal(cleaned.length, 248);
    assert.ok(cleaned.endsWith("a.pdf"));
    assert.equal(cleanNodeName("abcdefghij", { forbiddenCharacters: "", replacement: "_", maxLength: 4 }), "abcd");
    assert.equal([...cleanNodeName("ü".repeat(300))].length, 248, "counts characters, not bytes");
  });

  it("numbers a name as 'name (n).ext' within the length limit", function () {
    assert.equal(numberedName("letter.pdf", 2), "letter (2).pdf");
    assert.equal(numberedName("README", 3), "README (3)");
    const numbered = numberedName(`${"b".repeat(248 - 4)}.pdf`, 12);
    assert.equal(numbered.length, 248);
    assert.ok(numbered.endsWith(" (12).pdf"));
  });

  it("derives a related rendition's name from the primary's base name, its label and its own extension", function () {
    assert.equal(relatedName("ACC-1_Invoice.pdf", "email", "proof.html"), "ACC-1_Invoice_email.html");
    assert.equal(relatedName("ACC-1", "sms", "text.txt"), "ACC-1_sms.txt");
  });
});

describe("archive failure classification", function () {
  const csError = (init: Partial<ConstructorParameters<typeof ContentServerError>[0]>) =>
    new ContentServerError({ operation: "uploadDocument", code: "HTTP", ...init });

  it("treats validation answers, mapping problems and missing files as permanent", function () {
    assert.equal(failureOf(csError({ status: 400, csMessage: "Invalid date" })).permanent, true);
    assert.equal(
      failureOf(csError({ status: 500, csMessage: "An item with the name 'x' already exists." })).permanent,
      true,
    );
    assert.equal(failureOf(new MappingError([{ attribute: "a", problem: "b" }])).permanent, true);
    assert.equal(failureOf(new ArchiveError("cannot read", true, "FILE_UNREADABLE")).permanent, true);
  });

  it("treats timeouts, resets, 429 and temporary 5xx as transient", function () {
    assert.equal(failureOf(csError({ code: "TIMEOUT" })).permanent, false);
    assert.equal(failureOf(csError({ code: "NETWORK", networkCode: "ECONNRESET" })).permanent, false);
    assert.equal(failureOf(csError({ status: 429 })).permanent, false);
    assert.equal(failureOf(csError({ status: 503 })).permanent, false);
    assert.equal(failureOf(new Error("socket hang up")).permanent, false);
  });

  it("considers a create ambiguous when it may have been carried out", function () {
    assert.equal(isAmbiguousCreateFailure(csError({ code: "NETWORK", mayHaveBeenProcessed: true })), true);
    assert.equal(isAmbiguousCreateFailure(csError({ status: 502 })), true);
    assert.equal(isAmbiguousCreateFailure(csError({ status: 400, csMessage: "Invalid" })), false);
    assert.equal(isAmbiguousCreateFailure(csError({ status: 500, csMessage: "already exists" })), false);
  });
});
