import { defineProperties } from "../lib/node-red/properties";
import { CS_CONFIG_DEFAULTS } from "./client-options";

/**
 * The node's properties, declared once: the editor's `defaults` (the build writes them into the .html), the
 * runtime's property types and the check of saved flows come from here. The defaults are the runtime's own.
 */
export const properties = defineProperties({
  name: { value: "" },
  baseUrl: { value: "", required: true },
  authMode: { value: CS_CONFIG_DEFAULTS.authMode, required: true },
  otdsUrl: { value: "" },
  domain: { value: "" },
  tls: { type: "tls-config", required: false },
  proxy: { type: "http proxy", required: false },
  timeoutMs: { value: String(CS_CONFIG_DEFAULTS.timeoutMs), validate: "numberOrEnv" },
  deadlineMs: { value: String(CS_CONFIG_DEFAULTS.deadlineMs), validate: "numberOrEnv" },
  minBytesPerSecond: { value: String(CS_CONFIG_DEFAULTS.minBytesPerSecond), validate: "numberOrEnv" },
  maxResponseMiB: { value: String(CS_CONFIG_DEFAULTS.maxResponseMiB), validate: "numberOrEnv" },
  maxConcurrent: { value: String(CS_CONFIG_DEFAULTS.maxConcurrent), validate: "numberOrEnv" },
  retryAttempts: { value: String(CS_CONFIG_DEFAULTS.retryAttempts), validate: "numberOrEnv" },
  retryBaseDelayMs: { value: String(CS_CONFIG_DEFAULTS.retryBaseDelayMs), validate: "numberOrEnv" },
  retryMaxDelayMs: { value: String(CS_CONFIG_DEFAULTS.retryMaxDelayMs), validate: "numberOrEnv" },
  draftFormPath: { value: "" },
});
