/*
 * Plain server-rendered HTML for the simulators' read-only inspection pages (CS browse page, Exstream jobs page):
 * every value goes through `escapeHtml`, no scripts, a few lines of CSS.
 */
import type { ServerResponse } from "node:http";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A trusted HTML fragment (built from escaped parts). */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

/** Tagged template: interpolated values are escaped unless they are `Html` (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    out += fragment(value) + strings[i + 1];
  });
  return { html: out };
}

function fragment(value: unknown): string {
  if (Array.isArray(value)) return value.map(fragment).join("");
  if (value && typeof value === "object" && "html" in value) return (value as Html).html;
  return escapeHtml(value);
}

export function link(href: string, text: unknown): Html {
  return html`<a href="${href}">${text}</a>`;
}

/** A table with a header row; rows of cells (text or Html). */
export function table(headers: string[], rows: unknown[][], empty = "none"): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table>
    <thead>
      <tr>
        ${headers.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr>
            ${row.map((cell) => html`<td>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A definition list of label → value pairs; undefined/empty values are left out. */
export function properties(pairs: Array<[string, unknown]>): Html {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== "");
  return html`<dl>
    ${shown.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

export function formatDate(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? String(value)
    : date
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d{3}Z$/, "Z");
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.5em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; } dd { margin: 0; } .crumbs { margin-bottom: 1em; } .empty { color: #777; font-style: italic; }
ul.tree { list-style: none; padding-left: 1.2em; } .status-complete, .status-completed { color: #070; }
.status-error, .status-stopped { color: #b00; } code { background: #f5f5f5; padding: 0 3px; }
`;

export function sendPage(res: ServerResponse, title: string, body: Html, status = 200): void {
  const text = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body.html}</body></html>`;
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(text);
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
