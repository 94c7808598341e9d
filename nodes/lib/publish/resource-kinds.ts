/**
 * The kinds of content the editor offers, as the Design API names them (DAS resource type + subtype, as in the
 * simulator's seed and OpenText's export packages).
 */
export const RESOURCE_KINDS: Record<string, ResourceKind> = {
  message: { type: "exstrparagraph", subtype: "message", contentType: "text/plain" },
  disclaimer: { type: "exstrparagraph", subtype: "disclaimer", contentType: "text/plain" },
  template: { type: "versionedtemplate", contentType: "text/plain" },
  image: { type: "image", contentType: "image/png" },
};

/** The kind that imports a DAS export package (`import/das/{domain}`) instead of publishing one resource. */
export const PACKAGE_KIND = "package";
export const PACKAGE_MIME_TYPE = "application/zip";

const MIME_BY_EXTENSION: Record<string, string> = {
  ".txt": "text/plain",
  ".html": "text/html",
  ".htm": "text/html",
  ".xml": "application/xml",
  ".json": "application/json",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
};

export function contentTypeOf(fileName: string | undefined, fallback: string): string {
  const match = /\.[A-Za-z0-9]+$/.exec(fileName ?? "");
  return (match && MIME_BY_EXTENSION[match[0].toLowerCase()]) || fallback;
}

export interface ResourceKind {
  type: string;
  subtype?: string;
  /** The content type of content whose file name says none ("" = application/octet-stream). */
  contentType: string;
}

/** The kind the editor names (`custom`: the DAS type and subtype given); an unknown name publishes a message. */
export function kindOf(name: string, customType?: string, customSubtype?: string): ResourceKind {
  if (name !== "custom") return RESOURCE_KINDS[name] ?? RESOURCE_KINDS.message;
  return { type: (customType ?? "").trim(), subtype: (customSubtype ?? "").trim() || undefined, contentType: "" };
}
