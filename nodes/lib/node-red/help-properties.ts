import type { PropertySchema, PropertySpec } from "./properties";

/**
 * The help's property list, derived from the node's property schema: which properties, in which order, which are
 * optional, of which type. Each language's message catalogue (`locales/<lang>/<type>.json`) holds the words: the
 * dialog's `label.<property>` names a property, `properties.<property>` describes it (HTML). The locale test keeps
 * the catalogues of both languages on the same keys, so both helps list the same properties.
 */
export interface HelpCatalogue {
  label?: Record<string, string>;
  properties?: Record<string, string>;
}

/** Where the build writes the list: this comment, on a line of its own inside `<dl class="message-properties">`. */
const MARKER = /^([ \t]*)<!-- properties\.ts\b[^\n]*?-->[ \t]*$/m;

/** What every node has and no help describes. */
const UNDESCRIBED = new Set(["name", "schemaVersion"]);

export function hasHelpProperties(help: string): boolean {
  return MARKER.test(help);
}

/** The properties the help describes, in the schema's order. */
function describedProperties(schema: PropertySchema): string[] {
  return Object.keys(schema).filter((name) => !UNDESCRIBED.has(name));
}

/** What the catalogue lacks or has too much against the schema (empty: the list can be built). */
export function helpPropertyProblems(schema: PropertySchema, catalogue: HelpCatalogue): string[] {
  const described = describedProperties(schema);
  return [
    ...described.filter((name) => !catalogue.label?.[name]).map((name) => `${name}: no label.${name}`),
    ...described.filter((name) => !catalogue.properties?.[name]).map((name) => `${name}: no properties.${name}`),
    ...Object.keys(catalogue.properties ?? {})
      .filter((name) => !described.includes(name))
      .map((name) => `properties.${name}: not a property of the schema`),
  ];
}

/** The `<dt>`/`<dd>` pairs of the list, each line starting with `indent`; throws when the catalogue does not fit. */
export function helpPropertiesSource(schema: PropertySchema, catalogue: HelpCatalogue, indent: string): string {
  const problems = helpPropertyProblems(schema, catalogue);
  if (problems.length) throw new Error(`the help's property list: ${problems.join("; ")}`);
  return describedProperties(schema)
    .flatMap((name) => {
      const spec = schema[name];
      const optional = spec.required ? "" : ' class="optional"';
      const type = escapeHtml(typeOf(spec));
      return [
        `${indent}<dt${optional}>${escapeHtml(catalogue.label![name])} <span class="property-type">${type}</span></dt>`,
        `${indent}<dd>${catalogue.properties![name]}</dd>`,
      ];
    })
    .join("\n");
}

/** The help with its property list written where the marker stands; a help without the marker stays as it is. */
export function withHelpProperties(html: string, schema: PropertySchema, catalogue: HelpCatalogue): string {
  return html.replace(MARKER, (_line, indent: string) => helpPropertiesSource(schema, catalogue, indent));
}

/** The help's type of a TypedInput by its default type (a msg path, env variable… reads as a string). */
const TYPED: Record<string, string> = { num: "number", json: "object", bool: "boolean" };

function typeOf(spec: PropertySpec): string {
  if (spec.helpType) return spec.helpType;
  if (spec.type) return spec.type;
  if (spec.typed) return TYPED[spec.typed] ?? "string";
  if (typeof spec.value === "boolean") return "boolean";
  return Array.isArray(spec.value) ? "array" : "string";
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
