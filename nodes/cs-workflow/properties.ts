import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here. Every TypedInput falls back to msg.workflow.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  /** "start" a workflow from a map, or "complete" a step. */
  operation: { value: "start", required: true },
  /** start: map id or NAME. */
  map: { value: "", required: false, typed: "str", msg: "workflow.mapId / workflow.mapName" },
  /** Folder holding the maps: names are looked up there instead of through search. */
  mapFolderId: {
    value: "",
    validate: "function (v) {\n  return !v || /^\\s*(\\$\\{\\w+\\}|\\d+)\\s*$/.test(v);\n}",
  },
  title: { value: "", required: false, typed: "str", msg: "workflow.title" },
  comment: { value: "", required: false, typed: "str", msg: "workflow.comment" },
  /** start: attributes by name; complete: values by name to update before sending on. */
  attributes: {
    value: "",
    required: false,
    typed: "json",
    msg: "workflow.attributes or payload (start), workflow.values (complete)",
  },
  /** start: node ids of documents to attach (number, list, comma-separated). */
  docIds: { value: "", required: false, typed: "str", msg: "workflow.docIds / cs.nodeId" },
  processId: { value: "", required: false, typed: "num", msg: "workflow.processId" },
  subprocessId: { value: "", required: false, typed: "num", msg: "workflow.subprocessId" },
  taskId: { value: "", required: false, typed: "num", msg: "workflow.taskId" },
  /** complete: standard action (SendOn, …); exclusive with customAction. */
  action: {
    value: "",
    validate:
      'function () {\n  return $("#node-input-operation").val() !== "complete" || !bothActionsConfigured.call(this);\n}',
    typed: "str",
    msg: "workflow.action",
  },
  /** complete: disposition (Approve, Reject, …); exclusive with action. */
  customAction: { value: "", required: false, typed: "str", msg: "workflow.customAction" },
});
