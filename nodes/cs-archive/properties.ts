import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  operation: { value: "archive" },
  targetType: { value: "folder", required: true },
  folderId: { value: "", required: false, typed: "num" },
  rootId: { value: "", required: false, typed: "num" },
  folderPath: { value: "", required: false, typed: "str" },
  extSystemId: { value: "" },
  boType: { value: "" },
  boId: { value: "document.keys.CustomerId", required: false, typed: "msg" },
  workspaceType: { value: "" },
  workspaceName: { value: "", required: false, typed: "msg" },
  subFolder: { value: "" },
  nameTemplate: { value: "" },
  existsPolicy: { value: "version" },
  category: { value: "" },
  checksumAttribute: {
    value: "",
    validate:
      'function (v) {\n  var category = $("#node-input-category").length ? $("#node-input-category").val() : this.category;\n  return !v || !!category;\n}',
  },
  verifyChecksum: { value: false },
  /** RM classification name or id (applied to every stored document). */
  rmClassification: { value: "" },
  /** Legal hold name or id. */
  hold: { value: "" },
  related: { value: "none" },
  /** With related renditions: also store `msg.document.deliveryLog`. */
  includeDeliveryLog: { value: true },
  recordFolderTemplate: { value: "" },
  forbiddenCharacters: { value: ':/\\*?"<>|' },
  replacement: { value: "_" },
  maxNameLength: { value: "248", validate: "RED.validators.regex(NUMBER_OR_EMPTY)" },
  ambiguousSettleMs: { value: "1000", validate: "RED.validators.regex(NUMBER_OR_EMPTY)" },
  nodeId: { value: "cs.nodeId", required: false, typed: "msg" },
});
