import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: false },
  mode: { value: "category", required: true, helpType: "category | driver" },
  category: { value: "" },
  rules: {
    value: [],
    validate:
      "function (rules) {\n  return Array.isArray(rules) && rules.length > 0 && rules.every(function (r) { return r && r.target; });\n}",
  },
  dateOrder: { value: "", helpType: "DMY | MDY" },
  timeZone: { value: "" },
  truncate: { value: false },
  output: { value: "" },
});
