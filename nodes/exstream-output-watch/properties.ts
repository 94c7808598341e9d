import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  source: { value: "folder", required: true, helpType: "folder | api" },
  server: {
    value: "",
    type: "exstream-config",
    required: false,
    validate:
      'function (v) {\n  var source = $("#node-input-source").val() || this.source;\n  return source !== "api" || (!!v && v !== "_ADD_");\n}',
  },
  state: { value: "", type: "ccm-state", required: false },
  root: {
    value: "",
    validate:
      'function (v) {\n  var source = $("#node-input-source").val() || this.source;\n  return source === "api" || (typeof v === "string" && v.trim() !== "");\n}',
    typed: "str",
  },
  watchMethod: { value: "events", helpType: "events | poll" },
  scanIntervalMs: { value: "5000", validate: "numberOrBlank", helpType: "ms" },
  fullRescanIntervalMs: { value: "900000", validate: "numberOrBlank", helpType: "ms" },
  stabilityWindowMs: { value: "2000", validate: "numberOrBlank", helpType: "ms" },
  missingFileGraceMs: { value: "120000", validate: "numberOrBlank", helpType: "ms" },
  manifestName: { value: "_STDDELIVERYFILE.xml" },
  manifestAttempts: { value: "3", validate: "numberOrBlank", helpType: "number" },
  maxConcurrentManifests: { value: "2", validate: "numberOrBlank", helpType: "number" },
  emitPer: { value: "communication", helpType: "communication | file" },
  primaryQueue: { value: "" },
  channelMap: { value: "" },
  deliveryLogReport: { value: "" },
  maxInFlight: { value: "8", validate: "numberOrBlank", helpType: "number" },
  ackTimeoutMs: { value: "600000", validate: "numberOrBlank", helpType: "ms" },
  maxAttempts: { value: "5", validate: "numberOrBlank", helpType: "number" },
  retryDelayMs: { value: "30000", validate: "numberOrBlank", helpType: "ms" },
  ledgerName: { value: "" },
  ledgerDir: { value: "" },
  retainDays: { value: "30", validate: "numberOrBlank", helpType: "number" },
  pollIntervalMs: { value: "30000", validate: "numberOrBlank", helpType: "ms" },
  startFrom: { value: "all", helpType: "all | now" },
});
