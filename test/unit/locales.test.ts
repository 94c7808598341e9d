import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { helpOf } from "../helpers/node-help";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPES = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: object } })[
    "node-red"
  ].nodes,
);
const LANGUAGES = ["en-US", "de"];
/** Section headings of the help, per language (German as in Node-RED's own de help pages). */
const SECTIONS: Record<string, { inputs: string; outputs: string; details: string; references: string }> = {
  "en-US": { inputs: "Inputs", outputs: "Outputs", details: "Details", references: "References" },
  de: { inputs: "Eingangsdaten", outputs: "Ausgangsdaten", details: "Details", references: "Referenzen" },
};

type Catalog = Record<string, unknown>;

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function catalog(type: string, lang: string): Catalog {
  const text = read(path.join(ROOT, "nodes", type, "locales", lang, `${type}.json`));
  assert.ok(text, `${type}: locales/${lang}/${type}.json is missing`);
  return JSON.parse(text) as Catalog;
}

function flatKeys(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => flatKeys(v, prefix ? `${prefix}.${k}` : k));
}

function has(cat: Catalog, key: string): boolean {
  let node: unknown = cat;
  for (const part of key.split(".")) {
    if (!node || typeof node !== "object" || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

/**
 * Literal i18n keys in a source: RED._("k"), this._("k"), node._("k"), data-i18n="[attr]k;k2", and t("k") where the
 * node defines `t` as RED._ with its type as prefix.
 */
function usedKeys(source: string, type: string): string[] {
  const keys: string[] = [];
  if (source.includes(`RED._(\`${type}.\${key}\``)) {
    for (const m of source.matchAll(/\bt\(\s*["']([^"']+)["']/g)) keys.push(`${type}.${m[1]}`);
  }
  for (const m of source.matchAll(/\b(?:RED|this|node)\._\(\s*["']([^"']+)["']/g)) keys.push(m[1]);
  for (const m of source.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of m[1].split(";")) keys.push(part.replace(/^\[[^\]]*\]/, ""));
  }
  // Dynamic keys ("x.rule." + name) and other catalogues (node-red:common…) are not this node's literal keys.
  return keys.filter((k) => !k.endsWith(".") && !k.includes(":"));
}

function sources(type: string): Array<{ file: string; text: string }> {
  const dir = path.join(ROOT, "nodes", type);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") || f.endsWith(".html"))
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), "utf8") }));
}

/** Ports from the editor definition (`inputs: 1`, `outputs: 2`); undefined when the node has no editor file yet. */
function ports(type: string): { inputs: number; outputs: number } | undefined {
  const editor = read(path.join(ROOT, "nodes", type, `${type}.html`));
  if (!editor) return undefined;
  const config = /category:\s*"config"/.test(editor);
  const inputs = Number(/\binputs:\s*(\d+)/.exec(editor)?.[1] ?? 0);
  const outputs = Number(/\boutputs:\s*(\d+)/.exec(editor)?.[1] ?? (config ? 0 : 1));
  return { inputs: config ? 0 : inputs, outputs: config ? 0 : outputs };
}

describe("locales and help of every node", () => {
  it("covers the ten node types of package.json", () => {
    assert.equal(TYPES.length, 10);
  });

  for (const type of TYPES) {
    describe(type, () => {
      it("has the same keys in the en-US and de catalogues", () => {
        const en = flatKeys(catalog(type, "en-US")).sort();
        const de = flatKeys(catalog(type, "de")).sort();
        assert.deepEqual(
          en.filter((k) => !de.includes(k)),
          [],
          "keys missing in de",
        );
        assert.deepEqual(
          de.filter((k) => !en.includes(k)),
          [],
          "keys only in de",
        );
        assert.ok(
          en.every((k) => k.startsWith(`${type}.`)),
          "every key lives under the node type",
        );
      });

      it("defines every i18n key its editor and runtime use", () => {
        const en = catalog(type, "en-US");
        const missing: string[] = [];
        for (const { file, text } of sources(type)) {
          for (const key of usedKeys(text, type)) if (!has(en, key)) missing.push(`${file}: ${key}`);
          if (
            new RegExp(`(new EditorLookups|registerEditorLookups)\\(RED, "${type}"`).test(text) &&
            !has(en, `${type}.errors.deployServer`)
          ) {
            missing.push(`${file}: ${type}.errors.deployServer (editor lookups)`);
          }
        }
        assert.deepEqual(missing, []);
      });

      for (const lang of LANGUAGES) {
        it(`has help in ${lang} in the style guide's shape`, () => {
          const text = helpOf(type, lang);
          assert.ok(text, `no ${lang} help`);
          assert.match(text.trim(), /^<p>/, "the first paragraph is the tooltip");
          const sections = SECTIONS[lang];
          const p = ports(type);
          if (p?.inputs) assert.ok(text.includes(`<h3>${sections.inputs}</h3>`), sections.inputs);
          if (p?.outputs) assert.ok(text.includes(`<h3>${sections.outputs}</h3>`), sections.outputs);
          if (p && p.outputs > 1) assert.ok(text.includes('class="node-ports"'), "node-ports for several outputs");
          if (p?.inputs || p?.outputs) assert.ok(text.includes('class="message-properties"'), "message-properties");
          assert.ok(text.includes(`<h3>${sections.details}</h3>`), sections.details);
          assert.ok(text.includes(`<h3>${sections.references}</h3>`), sections.references);
        });
      }

      it("keeps one English help copy", () => {
        const inline = /data-help-name=/.test(read(path.join(ROOT, "nodes", type, `${type}.html`)) ?? "");
        const localeFile = fs.existsSync(path.join(ROOT, "nodes", type, "locales", "en-US", `${type}.html`));
        assert.ok(!(inline && localeFile), "help both inline and in locales/en-US");
      });
    });
  }
});
