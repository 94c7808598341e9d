import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  hasHelpProperties,
  helpPropertyProblems,
  withHelpProperties,
  type HelpCatalogue,
} from "../../nodes/lib/node-red/help-properties";
import { applyMigrations, type Migration } from "../../nodes/lib/node-red/migrations";
import { storedPropertyNames, withEditorDefaults, type PropertySchema } from "../../nodes/lib/node-red/properties";
import { helpOf } from "../helpers/node-help";

const root = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  "node-red": { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg["node-red"].nodes);
/** What Node-RED itself stores on every node (position, wiring, group, credentials), not a node property. */
const NODE_RED_KEYS = new Set(["id", "type", "z", "g", "x", "y", "w", "h", "wires", "credentials", "l", "d", "info"]);

function schemaOf(type: string): PropertySchema {
  return (require(path.join(root, "nodes", type, "properties.ts")) as { properties: PropertySchema }).properties;
}

function migrationsOf(type: string): Migration[] {
  const file = path.join(root, "nodes", type, "migrations.ts");
  return fs.existsSync(file) ? (require(file) as { migrations: Migration[] }).migrations : [];
}

/** The help's languages, and the heading of its property list (German as in Node-RED's own de help pages). */
const PROPERTIES_HEADING: Record<string, string> = { "en-US": "Properties", de: "Eigenschaften" };

function catalogueOf(type: string, lang: string): HelpCatalogue {
  const file = path.join(root, "nodes", type, "locales", lang, `${type}.json`);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, HelpCatalogue>)[type];
}

const exampleNodes = fs
  .readdirSync(path.join(root, "examples"))
  .filter((f) => f.endsWith(".json"))
  .flatMap((file) =>
    (JSON.parse(fs.readFileSync(path.join(root, "examples", file), "utf8")) as Array<Record<string, unknown>>).map(
      (node) => ({ file, node }),
    ),
  )
  .filter(({ node }) => TYPES.includes(String(node.type)));

describe("property schemas", () => {
  for (const type of TYPES) {
    it(`${type}: the editor defaults in its .html are the ones its properties.ts declares`, () => {
      const html = fs.readFileSync(path.join(root, "nodes", type, `${type}.html`), "utf8");
      assert.equal(
        withEditorDefaults(html, schemaOf(type)),
        html,
        "run `npm run build && node scripts/editor-defaults.js --write`",
      );
    });
  }

  for (const type of TYPES) {
    for (const [lang, heading] of Object.entries(PROPERTIES_HEADING)) {
      it(`${type}: its ${lang} help lists every property of its schema, described in locales/${lang}/${type}.json`, () => {
        const help = helpOf(type, lang) ?? "";
        assert.ok(
          hasHelpProperties(help),
          "the help has the <!-- properties.ts … --> line where the build writes the list",
        );
        const schema = schemaOf(type);
        const catalogue = catalogueOf(type, lang);
        assert.deepEqual(helpPropertyProblems(schema, catalogue), []);
        const built = withHelpProperties(help, schema, catalogue);
        assert.match(built, new RegExp(`<h3>${heading}</h3>\\s*<dl class="message-properties">\\s*<dt`));
        for (const text of Object.values(catalogue.properties ?? {})) assert.ok(built.includes(`<dd>${text}</dd>`));
      });
    }
  }

  it("the examples hold every node type (the fixtures below cover them all)", () => {
    assert.deepEqual([...new Set(exampleNodes.map(({ node }) => String(node.type)))].sort(), [...TYPES].sort());
  });

  it("every property a node in today's examples stores is declared in its schema", () => {
    const undeclared = exampleNodes.flatMap(({ file, node }) => {
      const declared = new Set(storedPropertyNames(schemaOf(String(node.type))));
      return Object.keys(node)
        .filter((key) => !NODE_RED_KEYS.has(key) && !declared.has(key))
        .map((key) => `${file}: ${String(node.type)}.${key}`);
    });
    assert.deepEqual(undeclared, []);
  });

  it("flows saved today load unchanged: the migrations leave every example node as it is", () => {
    for (const { file, node } of exampleNodes) {
      assert.deepEqual(applyMigrations(node, migrationsOf(String(node.type))), node, `${file}: ${String(node.id)}`);
    }
  });
});
