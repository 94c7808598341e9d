import { defineProperties } from "../lib/node-red/properties";
import { GENERATE_DEFAULTS } from "./options";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "exstream-config", required: true },
  mode: { value: GENERATE_DEFAULTS.mode, required: true, helpType: "ondemand | batch" },
  communication: { value: "", typed: "str", msg: "communication" },
  driverDataSource: { value: "", typed: "str", msg: "driverDataSource" },
  channel: { value: "", typed: "str", msg: "channel" },
  contentType: { value: "" },
  primaryQueue: { value: "" },
  storage: { value: GENERATE_DEFAULTS.storage, helpType: "auto | files" },
  payloadLimitMb: { value: String(GENERATE_DEFAULTS.payloadLimitMb), validate: "numberOrEnv", helpType: "MB" },
  outputDir: { value: "" },
  readKeys: { value: GENERATE_DEFAULTS.readKeys },
  timeoutS: { value: String(GENERATE_DEFAULTS.timeoutS), validate: "numberOrEnv", helpType: "s" },
  jobTimeoutS: { value: String(GENERATE_DEFAULTS.jobTimeoutS), validate: "numberOrEnv", helpType: "s" },
  pollIntervalMs: { value: String(GENERATE_DEFAULTS.pollIntervalMs), validate: "numberOrEnv", helpType: "ms" },
  maxQueued: { value: String(GENERATE_DEFAULTS.maxQueued), validate: "numberOrEnv", helpType: "number" },
});
