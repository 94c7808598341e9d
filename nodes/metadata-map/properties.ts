import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: false },
  mode: { value: "category", required: true },
  /** Category name or id (category mode). */
  category: { value: "" },
  rules: {
    value: [],
    validate:
      "function (rules) {\n  return Array.isArray(rules) && rules.length > 0 && rules.every(function (r) { return r && r.target; });\n}",
  },
  dateOrder: { value: "" },
  /** IANA zone instants are written in for Content Server (its dates carry no zone); blank = the host's zone. */
  timeZone: { value: "" },
  truncate: { value: false },
  /** msg property receiving the values by name (category mode) or the driver-data object (driver mode). */
  output: { value: "" },
});
