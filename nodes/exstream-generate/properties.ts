import { defineProperties } from "../lib/node-red/properties";
import { GENERATE_DEFAULTS } from "./options";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "exstream-config", required: true },
  mode: { value: GENERATE_DEFAULTS.mode, required: true },
  communication: { value: "", typed: "str" },
  driverDataSource: { value: "", typed: "str" },
  channel: { value: "", typed: "str" },
  contentType: { value: "" },
  primaryQueue: { value: "" },
  storage: { value: GENERATE_DEFAULTS.storage },
  payloadLimitMb: { value: String(GENERATE_DEFAULTS.payloadLimitMb), validate: "numberOrEnv" },
  outputDir: { value: "" },
  readKeys: { value: GENERATE_DEFAULTS.readKeys },
  timeoutS: { value: String(GENERATE_DEFAULTS.timeoutS), validate: "numberOrEnv" },
  jobTimeoutS: { value: String(GENERATE_DEFAULTS.jobTimeoutS), validate: "numberOrEnv" },
  pollIntervalMs: { value: String(GENERATE_DEFAULTS.pollIntervalMs), validate: "numberOrEnv" },
  maxQueued: { value: String(GENERATE_DEFAULTS.maxQueued), validate: "numberOrEnv" },
});
