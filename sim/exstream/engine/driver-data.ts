/*
 * Driver data → customer records.
 * JSON: an object is one customer; an array is one customer per element; {"customers":[…]} or {"records":[…]} is one
 * customer per element. Values keep their JSON types and nesting.
 * XML: the root's repeated child elements are the records (<customers><customer/>…</customers>); a single child is a
 * record when the root is its plural or a known container (customers, records, driver, data, batch); otherwise the
 * root itself is one customer (the on-demand case). Within a record, NESTED ELEMENTS BECOME NESTED OBJECTS
 * (use dotted paths such as {{Address.City}} in templates), repeated siblings become arrays, text-only elements become
 * strings (trimmed), attributes become properties of their element (an element with attributes and text keeps the
 * text under "#text"; a child element wins over an attribute of the same name). Namespace prefixes are dropped; xmlns attributes are ignored.
 */
import { TextDecoder } from "node:util";
import sax from "sax";

const JSON_TYPES = new Set(["application/json"]);
const XML_TYPES = new Set(["application/xml", "text/xml"]);
const RECORD_LIST_PROPERTIES = ["customers", "records"];
const XML_CONTAINER_NAMES = new Set(["customers", "records", "driver", "data", "batch"]);
const TEXT_PROPERTY = "#text";

/** Why the body could not be turned into records: 415 for a content type we don't read, 400 for a broken body. */
export class DriverDataError extends Error {
  override readonly name = "DriverDataError";
  constructor(
    readonly statusCode: 400 | 415,
    message: string,
  ) {
    super(message);
  }
}

export function parseDriverData(body: Buffer, contentType: string): Record<string, unknown>[] {
  const { mediaType, charset } = parseContentType(contentType);
  const isJson = JSON_TYPES.has(mediaType);
  if (!isJson && !XML_TYPES.has(mediaType)) {
    throw new DriverDataError(
      415,
      `unsupported driver data content type "${mediaType || "(none)"}"; send application/json, application/xml or text/xml`,
    );
  }
  const text = decode(body, charset, isJson);
  if (text.trim() === "") throw new DriverDataError(400, "driver data is empty");
  return isJson ? jsonRecords(text) : xmlRecords(text);
}

function parseContentType(contentType: string): { mediaType: string; charset: string | undefined } {
  const [type, ...params] = (contentType ?? "").split(";");
  let charset: string | undefined;
  for (const param of params) {
    const [name, value] = param.split("=", 2).map((s) => s.trim());
    if (name?.toLowerCase() === "charset" && value) charset = value.replace(/^"|"$/g, "").toLowerCase();
  }
  return { mediaType: type.trim().toLowerCase(), charset };
}

function decode(body: Buffer, charset: string | undefined, isJson: boolean): string {
  // A BOM outranks the declared charset; XML without either may name its encoding in the prolog.
  let encoding = charset;
  let start = 0;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) [encoding, start] = ["utf-8", 3];
  else if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) [encoding, start] = ["utf-16le", 2];
  else if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) [encoding, start] = ["utf-16be", 2];
  else if (!encoding && !isJson)
    encoding = /^<\?xml[^>]*encoding=["']([^"']+)["']/i
      .exec(body.subarray(0, 200).toString("latin1"))?.[1]
      .toLowerCase();
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding ?? "utf-8", { fatal: true });
  } catch {
    throw new DriverDataError(415, `unsupported driver data charset "${encoding}"`);
  }
  try {
    return decoder.decode(body.subarray(start));
  } catch {
    throw new DriverDataError(400, `driver data is not valid ${encoding ?? "utf-8"}`);
  }
}

function jsonRecords(text: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DriverDataError(400, `driver data is not valid JSON: ${(err as Error).message}`);
  }
  if (isRecord(value)) {
    const obj = value;
    const listProperty = RECORD_LIST_PROPERTIES.find((p) => Array.isArray(obj[p]));
    if (listProperty) value = obj[listProperty];
  }
  const records = Array.isArray(value) ? value : [value];
  records.forEach((r, i) => {
    if (!isRecord(r)) throw new DriverDataError(400, `driver record ${i + 1} is not a JSON object`);
  });
  return records as Record<string, unknown>[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function xmlRecords(text: string): Record<string, unknown>[] {
  const root = parseXml(text);
  const elements = root.children;
  const names = new Set(elements.map((e) => e.name));
  const sameName = elements.length > 0 && names.size === 1;
  const rootName = root.name.toLowerCase();
  const childName = elements[0]?.name.toLowerCase();
  const isContainer =
    sameName && (elements.length > 1 || rootName === `${childName}s` || XML_CONTAINER_NAMES.has(rootName));
  const records = isContainer ? elements : [root];
  return records.map((e) => {
    const value = elementValue(e);
    return isRecord(value) ? value : { [e.name]: value };
  });
}

function parseXml(text: string): XmlElement {
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: string | undefined;
  parser.onerror = (err) => {
    failure ??= err.message.split("\n")[0];
    parser.error = null as unknown as Error;
  };
  parser.onopentag = (tag) => {
    const el: XmlElement = { name: localName(tag.name), attributes: {}, children: [], text: "" };
    for (const [name, value] of Object.entries(tag.attributes as Record<string, string>)) {
      if (name === "xmlns" || name.startsWith("xmlns:")) continue;
      el.attributes[localName(name)] = value;
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root) failure ??= "more than one root element";
    else root = el;
    stack.push(el);
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  const appendText = (t: string): void => {
    if (stack.length > 0) stack[stack.length - 1].text += t;
    else if (t.trim() !== "") failure ??= "text outside the root element";
  };
  parser.ontext = appendText;
  parser.oncdata = appendText;
  parser.write(text).close();
  if (failure) throw new DriverDataError(400, `driver data is not well-formed XML: ${failure}`);
  if (!root) throw new DriverDataError(400, "driver data XML has no root element");
  return root;
}

function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(colon + 1);
}

function elementValue(el: XmlElement): unknown {
  const text = el.text.trim();
  const hasAttributes = Object.keys(el.attributes).length > 0;
  if (el.children.length === 0 && !hasAttributes) return text;
  const byName = new Map<string, unknown[]>();
  for (const child of el.children) {
    const values = byName.get(child.name);
    if (values) values.push(elementValue(child));
    else byName.set(child.name, [elementValue(child)]);
  }
  // A child element wins over an attribute of the same name.
  const obj: Record<string, unknown> = { ...el.attributes };
  for (const [name, values] of byName) obj[name] = values.length === 1 ? values[0] : values;
  if (text !== "") obj[TEXT_PROPERTY] = text;
  return obj;
}
