import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html) and the check
 * of saved flows come from here. NUMBER_OR_ENV and SCHEMA_OR_ENV are the .html's own patterns.
 */
export const properties = defineProperties({
  name: { value: "" },
  kind: { value: "file", required: true },
  url: { value: "${PG_URL}" },
  tls: { value: "verify" },
  caFile: { value: "" },
  poolSize: {
    value: "10",
    validate: 'function (v) {\n  return v === undefined || v === "" || NUMBER_OR_ENV.test(String(v));\n}',
  },
  schema: {
    value: "ccm_bridge",
    validate: "function (v) {\n  return v === undefined || SCHEMA_OR_ENV.test(String(v));\n}",
  },
});
