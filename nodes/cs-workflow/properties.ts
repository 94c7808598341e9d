import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here. Every TypedInput falls back to msg.workflow.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  operation: { value: "start", required: true, helpType: "start | complete" },
  map: { value: "", required: false, typed: "str", msg: "workflow.mapId / workflow.mapName" },
  mapFolderId: {
    value: "",
    validate: "function (v) {\n  return !v || /^\\s*(\\$\\{\\w+\\}|\\d+)\\s*$/.test(v);\n}",
    helpType: "number",
  },
  title: { value: "", required: false, typed: "str", msg: "workflow.title" },
  comment: { value: "", required: false, typed: "str", msg: "workflow.comment" },
  attributes: {
    value: "",
    required: false,
    typed: "json",
    msg: "workflow.attributes or payload (start), workflow.values (complete)",
  },
  docIds: { value: "", required: false, typed: "str", msg: "workflow.docIds / cs.nodeId" },
  processId: { value: "", required: false, typed: "num", msg: "workflow.processId" },
  subprocessId: { value: "", required: false, typed: "num", msg: "workflow.subprocessId" },
  taskId: { value: "", required: false, typed: "num", msg: "workflow.taskId" },
  action: {
    value: "",
    validate:
      'function () {\n  return $("#node-input-operation").val() !== "complete" || !bothActionsConfigured.call(this);\n}',
    typed: "str",
    msg: "workflow.action",
  },
  customAction: { value: "", required: false, typed: "str", msg: "workflow.customAction" },
});
