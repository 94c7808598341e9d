import { connectionLimitProperties } from "../lib/node-red/connection-config";
import { defineProperties } from "../lib/node-red/properties";
import { CS_CONFIG_DEFAULTS } from "./client-options";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here. The defaults are the runtime's own.
 */
export const properties = defineProperties({
  name: { value: "" },
  baseUrl: { value: "", required: true },
  authMode: { value: CS_CONFIG_DEFAULTS.authMode, required: true, helpType: "cs | otds | oauth" },
  otdsUrl: { value: "" },
  otdsTicketUse: { value: CS_CONFIG_DEFAULTS.otdsTicketUse, helpType: "exchange | direct" },
  domain: { value: "" },
  tls: { type: "tls-config", required: false },
  proxy: { type: "http proxy", required: false },
  ...connectionLimitProperties(CS_CONFIG_DEFAULTS),
  draftFormPath: { value: "" },
});
