import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  state: { value: "", type: "ccm-state", required: false },
  mode: { value: "poll", required: true },
  maps: { value: "" },
  steps: { value: "" },
  mapFolderId: { value: "", validate: "numberOrEnv" },
  unidentifiedMaps: { value: "hold" },
  pollIntervalMs: { value: "30000", validate: "numberOrEnv" },
  reemitAfterMs: { value: "3600000", validate: "numberOrEnv" },
  maxInFlight: { value: "10", validate: "numberOrEnv" },
  maxEmissions: { value: "0", validate: "numberOrEnv" },
  downloadContent: { value: false },
  downloadDir: { value: "" },
  callbackPath: {
    value: "/cs-workflow",
    validate:
      'function (v) {\n  return $("#node-input-mode").val() !== "callback" || /^\\/?[\\w\\-./:]+$/.test(v || "");\n}',
  },
  callbackAuth: { value: "hmac" },
  callbackHeader: { value: "" },
});
