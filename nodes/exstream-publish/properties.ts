import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "exstream-config", required: true },
  /** Resource id; wins over name + type. Blank: find by name + type. */
  resourceId: { value: "", typed: "str" },
  /** Resource name; blank: the Content Server name without its extension. */
  resourceName: { value: "", typed: "str" },
  /** message | disclaimer | template | image | custom | package (import a DAS export package). */
  resourceType: { value: "disclaimer", required: true },
  /** DAS type (and subtype below) when resourceType is "custom". */
  customType: {
    value: "",
    validate:
      'function (v) {\n  var kind = $("#node-input-resourceType").length ? $("#node-input-resourceType").val() : this.resourceType;\n  return kind !== "custom" || (v || "").trim() !== "";\n}',
  },
  customSubtype: { value: "" },
  /** auto (from the domain) | standard | simple. */
  workflow: { value: "auto", required: true },
  /** MIME type of the uploaded content; blank: from the file extension / resource type. */
  contentType: { value: "" },
});
