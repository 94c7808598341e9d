import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  operation: { value: "archive", helpType: "archive | updateMetadata" },
  targetType: { value: "folder", required: true, helpType: "folder | path | workspaceBo | workspaceName" },
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
  existsPolicy: { value: "version", helpType: "version | new | skip | fail" },
  category: { value: "" },
  checksumAttribute: {
    value: "",
    validate:
      'function (v) {\n  var category = $("#node-input-category").length ? $("#node-input-category").val() : this.category;\n  return !v || !!category;\n}',
  },
  verifyChecksum: { value: false },
  rmClassification: { value: "" },
  hold: { value: "" },
  related: { value: "none", helpType: "none | beside | recordFolder" },
  includeDeliveryLog: { value: true },
  recordFolderTemplate: { value: "" },
  forbiddenCharacters: { value: ':/\\*?"<>|' },
  replacement: { value: "_" },
  maxNameLength: { value: "248", validate: "RED.validators.regex(NUMBER_OR_EMPTY)", helpType: "number" },
  ambiguousSettleMs: { value: "1000", validate: "RED.validators.regex(NUMBER_OR_EMPTY)", helpType: "ms" },
  nodeId: { value: "cs.nodeId", required: false, typed: "msg" },
});
