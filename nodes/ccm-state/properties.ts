import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`) and the check of saved flows come from here.
 * NUMBER_OR_ENV and SCHEMA_OR_ENV are the .html's own patterns.
 */
export const properties = defineProperties({
  name: { value: "" },
  kind: { value: "file", required: true, helpType: "file | postgresql" },
  url: { value: "${PG_URL}" },
  tls: { value: "verify", helpType: "verify | no-verify | off" },
  caFile: { value: "", helpType: "path" },
  poolSize: {
    value: "10",
    validate: 'function (v) {\n  return v === undefined || v === "" || NUMBER_OR_ENV.test(String(v));\n}',
    helpType: "number",
  },
  schema: {
    value: "ccm_bridge",
    validate: "function (v) {\n  return v === undefined || SCHEMA_OR_ENV.test(String(v));\n}",
    helpType: "name",
  },
});
