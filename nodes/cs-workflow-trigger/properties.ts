import { defineProperties } from "../lib/node-red/properties";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here.
 */
export const properties = defineProperties({
  name: { value: "" },
  server: { value: "", type: "cs-config", required: true },
  state: { value: "", type: "ccm-state", required: false },
  mode: { value: "poll", required: true, helpType: "poll | callback" },
  maps: { value: "" },
  steps: { value: "" },
  mapFolderId: { value: "", validate: "numberOrEnv", helpType: "number" },
  unidentifiedMaps: { value: "hold", helpType: "hold | emit" },
  pollIntervalMs: { value: "30000", validate: "numberOrEnv", helpType: "ms" },
  reemitAfterMs: { value: "3600000", validate: "numberOrEnv", helpType: "ms" },
  maxInFlight: { value: "10", validate: "numberOrEnv", helpType: "number" },
  maxEmissions: { value: "0", validate: "numberOrEnv", helpType: "number" },
  downloadContent: { value: false },
  downloadDir: { value: "" },
  callbackPath: {
    value: "/cs-workflow",
    validate:
      'function (v) {\n  return $("#node-input-mode").val() !== "callback" || /^\\/?[\\w\\-./:]+$/.test(v || "");\n}',
  },
  callbackAuth: { value: "hmac", helpType: "hmac | secret" },
  callbackHeader: { value: "" },
});
