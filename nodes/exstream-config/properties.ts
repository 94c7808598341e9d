import { connectionLimitProperties } from "../lib/node-red/connection-config";
import { defineProperties } from "../lib/node-red/properties";
import { EXSTREAM_CONFIG_DEFAULTS } from "./client-options";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the help's
 * property list (described in the catalogues' `properties`), the runtime's property types and the check of saved
 * flows come from here. The defaults are the runtime's own.
 */
export const properties = defineProperties({
  name: { value: "" },
  baseUrl: { value: "", required: true },
  domain: { value: "", required: true },
  tokenUrl: { value: "" },
  tenant: { value: "" },
  otdsUrl: { value: "" },
  tokenPath: { value: EXSTREAM_CONFIG_DEFAULTS.tokenPath },
  grantType: { value: EXSTREAM_CONFIG_DEFAULTS.grantType, required: true, helpType: "client_credentials | password" },
  clientAuth: { value: EXSTREAM_CONFIG_DEFAULTS.clientAuth, helpType: "body | basic" },
  scope: { value: EXSTREAM_CONFIG_DEFAULTS.scope },
  tls: { type: "tls-config", required: false },
  proxy: { type: "http proxy", required: false },
  ...connectionLimitProperties(EXSTREAM_CONFIG_DEFAULTS),
  batchInputPath: { value: EXSTREAM_CONFIG_DEFAULTS.batchInputPath },
  runtimeFilterStyle: { value: EXSTREAM_CONFIG_DEFAULTS.runtimeFilterStyle, helpType: "auto | semicolon | object" },
  csrfCookieName: { value: EXSTREAM_CONFIG_DEFAULTS.csrfCookieName },
  csrfHeaderName: { value: "" },
});
