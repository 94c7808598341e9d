/*
 * Escaping for text that goes into XML or HTML (element content and double-quoted attributes alike).
 * Characters XML 1.0 forbids (C0 controls except tab/CR/LF, lone surrogates, U+FFFE/U+FFFF) are dropped: driver data
 * is untrusted and one stray control character would make the whole manifest unparseable.
 */

const FORBIDDEN_XML_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MARKUP_CHARS = /[&<>"']/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeXml(value: string): string {
  return value.replace(FORBIDDEN_XML_CHARS, "").replace(MARKUP_CHARS, (c) => ENTITIES[c]);
}
