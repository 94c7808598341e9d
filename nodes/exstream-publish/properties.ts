import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "exstream-config", required: true },
  resourceId: { value: "", typed: "str" },
  resourceName: { value: "", typed: "str" },
  resourceType: {
    value: "disclaimer",
    required: true,
    helpType: "message | disclaimer | template | image | custom | package",
  },
  customType: {
    value: "",
    validate:
      'function (v) {\n  var kind = $("#node-input-resourceType").length ? $("#node-input-resourceType").val() : this.resourceType;\n  return kind !== "custom" || (v || "").trim() !== "";\n}',
  },
  customSubtype: { value: "" },
  workflow: { value: "auto", required: true, helpType: "auto | standard | simple" },
  contentType: { value: "" },
});
