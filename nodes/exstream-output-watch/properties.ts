import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  source: { value: "folder", required: true },
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
  watchMethod: { value: "events" },
  scanIntervalMs: { value: "5000", validate: "numberOrBlank" },
  fullRescanIntervalMs: { value: "900000", validate: "numberOrBlank" },
  stabilityWindowMs: { value: "2000", validate: "numberOrBlank" },
  missingFileGraceMs: { value: "120000", validate: "numberOrBlank" },
  manifestName: { value: "_STDDELIVERYFILE.xml" },
  manifestAttempts: { value: "3", validate: "numberOrBlank" },
  maxConcurrentManifests: { value: "2", validate: "numberOrBlank" },
  emitPer: { value: "communication" },
  primaryQueue: { value: "" },
  channelMap: { value: "" },
  deliveryLogReport: { value: "" },
  maxInFlight: { value: "8", validate: "numberOrBlank" },
  ackTimeoutMs: { value: "600000", validate: "numberOrBlank" },
  maxAttempts: { value: "5", validate: "numberOrBlank" },
  retryDelayMs: { value: "30000", validate: "numberOrBlank" },
  ledgerName: { value: "" },
  ledgerDir: { value: "" },
  retainDays: { value: "30", validate: "numberOrBlank" },
  pollIntervalMs: { value: "30000", validate: "numberOrBlank" },
  startFrom: { value: "all" },
});
