export type AttributeValueType = "string" | "integer" | "real" | "date" | "boolean";

/** A category attribute as Content Server defines it, found by its display name. */
export interface AttributeDefinition {
  name: string;
  /** The form key, `{catId}_{attrId}` (or `{catId}_{setId}_{row}_{attrId}` inside a set). */
  key: string;
  type: AttributeValueType;
  multiValue: boolean;
  required: boolean;
  maxLength?: number;
  validValues?: string[];
}

/** Day/month order for dates written with slashes or dashes, where 03/04/2026 means different days in different places. */
export type DateOrder = "DMY" | "MDY";

/** One row of the rule table: a target attribute (by name) and how its value is checked and converted. */
export interface MappingRule {
  attribute: string;
  /** Overrides the type from the live definition (needed when no definition is available, e.g. driver data). */
  type?: AttributeValueType;
  multiValue?: boolean;
  required?: boolean;
  defaultValue?: unknown;
  maxLength?: number;
  validValues?: string[];
  dateOrder?: DateOrder;
  /** IANA zone instants (Date, epoch, text with an offset) are written in; blank = the host's zone. */
  timeZone?: string;
  /** Cut over-long strings to the maximum instead of reporting them. */
  truncate?: boolean;
}

export type AttributeValue = string | number | boolean | null | Array<string | number | boolean>;

export interface MappingResult {
  /** Values by attribute name, e.g. {"Account Number": "ACC001"}. */
  metadata: Record<string, AttributeValue>;
  /** Values by resolved CS key, e.g. {"9001_3": "ACC001"}; empty when no definitions were given. */
  categories: Record<string, AttributeValue>;
}
