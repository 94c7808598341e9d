import assert from "node:assert/strict";
import { withHelpProperties, type HelpCatalogue } from "../../../nodes/lib/node-red/help-properties";
import { defineProperties } from "../../../nodes/lib/node-red/properties";

const schema = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  mode: { value: "poll", required: true, helpType: "poll | callback" },
  verify: { value: false },
  folder: { value: "" },
});

const catalogue: HelpCatalogue = {
  label: { name: "Name", server: "Connection", mode: "Mode", verify: "Verify", folder: "Folder <id>" },
  properties: {
    server: "The <i>cs-config</i> to use.",
    mode: "How tasks arrive.",
    verify: "Download and compare.",
    folder: "Where to store.",
  },
};

const help = [
  "<p>A node.</p>",
  "<h3>Properties</h3>",
  '<dl class="message-properties">',
  "  <!-- properties.ts: filled in by the build -->",
  '  <dt class="optional">Password <span class="property-type">credentials</span></dt>',
  "  <dd>Kept as credentials.</dd>",
  "</dl>",
].join("\n");

describe("the help's property list, derived from the property schema and the message catalogue", () => {
  it("lists every property but the name in the schema's order where the marker stands, keeping what is around it", () => {
    assert.equal(
      withHelpProperties(help, schema, catalogue),
      [
        "<p>A node.</p>",
        "<h3>Properties</h3>",
        '<dl class="message-properties">',
        '  <dt>Connection <span class="property-type">cs-config</span></dt>',
        "  <dd>The <i>cs-config</i> to use.</dd>",
        '  <dt>Mode <span class="property-type">poll | callback</span></dt>',
        "  <dd>How tasks arrive.</dd>",
        '  <dt class="optional">Verify <span class="property-type">boolean</span></dt>',
        "  <dd>Download and compare.</dd>",
        '  <dt class="optional">Folder &lt;id&gt; <span class="property-type">string</span></dt>',
        "  <dd>Where to store.</dd>",
        '  <dt class="optional">Password <span class="property-type">credentials</span></dt>',
        "  <dd>Kept as credentials.</dd>",
        "</dl>",
      ].join("\n"),
    );
  });

  it("fails, naming it, when a property of the schema has no description or no label", () => {
    const added = defineProperties({ ...schema, retries: { value: "3", helpType: "number" } });
    assert.throws(
      () => withHelpProperties(help, added, catalogue),
      /retries: no label\.retries; retries: no properties\.retries/,
    );
  });

  it("fails on a description of a property the schema does not declare", () => {
    const stale = { ...catalogue, properties: { ...catalogue.properties, removed: "Gone." } };
    assert.throws(() => withHelpProperties(help, schema, stale), /properties\.removed: not a property of the schema/);
  });

  it("leaves a help without the marker as it is", () => {
    const handWritten = help.replace(/^.*properties\.ts.*$/m, "");
    assert.equal(withHelpProperties(handWritten, schema, {}), handWritten);
  });
});
