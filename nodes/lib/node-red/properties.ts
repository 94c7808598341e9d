/**
 * One declaration per node property: the editor's `defaults` (written into the node's .html by the build, see
 * scripts/editor-defaults.js), the help's property list (help-properties.ts), the runtime's property types
 * (PropertiesOf) and the list of what a saved node may store are all derived from it.
 */
export interface PropertySpec {
  /** The value a new node gets in the editor. */
  value?: string | number | boolean | unknown[];
  /** The config node type the property refers to (e.g. "cs-config"). */
  type?: string;
  required?: boolean;
  /** The editor's check: JavaScript source run in the dialog (it may use the helper functions of the .html). */
  validate?: string;
  /** A TypedInput: its default type, stored beside the value as `<name>Type`. */
  typed?: string;
  /** The msg property a blank value falls back to (for the help and the inputs table). */
  msg?: string;
  /** The type the help's property list names (e.g. "ms", "cs | otds"); default: config node type, boolean, string. */
  helpType?: string;
}

export type PropertySchema = Record<string, PropertySpec>;

export function defineProperties<const S extends PropertySchema>(schema: S): S {
  return schema;
}

type ValueOf<P> = P extends { value: boolean } ? boolean : P extends { value: unknown[] } ? unknown[] : string;

/** The properties a saved node holds, as the runtime reads them (all optional: flows may predate a property). */
export type PropertiesOf<S extends PropertySchema> = { [K in keyof S]?: ValueOf<S[K]> } & {
  [K in keyof S as S[K] extends { typed: string } ? `${K & string}Type` : never]?: string;
};

/** PropertiesOf with some properties typed more precisely (a union of modes, a required connection). */
export type PropertiesWith<S extends PropertySchema, Precise extends object> = Omit<PropertiesOf<S>, keyof Precise> &
  Precise;

/** Every property name a saved node may store, TypedInput types included. */
export function storedPropertyNames(schema: PropertySchema): string[] {
  return Object.entries(schema).flatMap(([name, spec]) => (spec.typed ? [name, `${name}Type`] : [name]));
}

const PRINT_WIDTH = 120;

/**
 * The editor's `defaults` object as JavaScript source, laid out as prettier would (the .html files are not formatted
 * by prettier): `indent` is the indentation of the `defaults:` line; a property fits on one line or gets one line per
 * field. Validator source continues at the indentation of its field.
 */
export function editorDefaultsSource(schema: PropertySchema, indent: string): string {
  const entry = `${indent}  `;
  const field = `${entry}  `;
  const lines = Object.entries(schema).flatMap(([name, spec]) => {
    const fields = [
      ...(spec.value !== undefined ? [`value: ${literal(spec.value)}`] : []),
      ...(spec.type ? [`type: ${literal(spec.type)}`] : []),
      ...(spec.required !== undefined ? [`required: ${spec.required}`] : []),
      ...(spec.validate ? [`validate: ${spec.validate.split("\n").join(`\n${field}`)}`] : []),
    ];
    const oneLine = `${entry}${name}: { ${fields.join(", ")} },`;
    const own =
      oneLine.includes("\n") || oneLine.length > PRINT_WIDTH
        ? [`${entry}${name}: {`, ...fields.map((f) => `${field}${f},`), `${entry}},`].join("\n")
        : oneLine;
    return spec.typed ? [own, `${entry}${name}Type: { value: ${literal(spec.typed)} },`] : [own];
  });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** A value as JavaScript source; a string holding double quotes (and no single ones) in single quotes, as prettier. */
function literal(value: unknown): string {
  if (typeof value !== "string" || !value.includes('"') || value.includes("'")) return JSON.stringify(value);
  return `'${value.replace(/\\/g, "\\\\")}'`;
}

const DEFAULTS_KEY = "defaults: ";

/** The node's .html with its `defaults` object (the first one, in registerType) replaced by the schema's. */
export function withEditorDefaults(html: string, schema: PropertySchema): string {
  const { start, end } = defaultsBlock(html);
  const lineStart = html.lastIndexOf("\n", start) + 1;
  const indent = /^\s*/.exec(html.slice(lineStart, start))![0];
  return html.slice(0, start) + editorDefaultsSource(schema, indent) + html.slice(end);
}

/** Where the `defaults` object literal is: from its `{` to after its `}`. */
export function defaultsBlock(html: string): { start: number; end: number } {
  const at = html.indexOf(`${DEFAULTS_KEY}{`);
  if (at < 0) throw new Error("no `defaults: {` in the node's html");
  const start = at + DEFAULTS_KEY.length;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < html.length; i++) {
    const c = html[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if ((c === "}" || c === ")" || c === "]") && --depth === 0) return { start, end: i + 1 };
  }
  throw new Error("the `defaults` object of the node's html is not closed");
}
