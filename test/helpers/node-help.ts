import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** The help of a node in a language: locales/<lang>/<type>.html, or (en-US) the data-help-name block of <type>.html. */
export function helpOf(type: string, lang: string): string | undefined {
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
  const localeFile = read(path.join(ROOT, "nodes", type, "locales", lang, `${type}.html`));
  const text = localeFile ?? (lang === "en-US" ? read(path.join(ROOT, "nodes", type, `${type}.html`)) : undefined);
  const match = text && new RegExp(`data-help-name="${type}"[^>]*>([\\s\\S]*?)</script>`).exec(text);
  return match ? match[1] : undefined;
}
