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
  /** Communication name or id; blank → msg.communication. */
  communication: { value: "", typed: "str", msg: "communication" },
  /** prodDsn of the driver; blank → msg.driverDataSource, else resolved from the communication set. */
  driverDataSource: { value: "", typed: "str", msg: "driverDataSource" },
  /** Batch input channel; blank → msg.channel. */
  channel: { value: "", typed: "str", msg: "channel" },
  /** Content type of string/Buffer driver data; blank = detect (JSON or XML). */
  contentType: { value: "" },
  /** Queue whose rendition is the primary one; blank = the first PDF. */
  primaryQueue: { value: "" },
  /** auto: a rendition up to the payload limit stays in memory, a larger one is written to a file; files: always. */
  storage: { value: GENERATE_DEFAULTS.storage },
  payloadLimitMb: { value: String(GENERATE_DEFAULTS.payloadLimitMb), validate: "numberOrEnv" },
  /** Folder for written renditions and batch outputs; blank = <os tmp>/exstream-generate. */
  outputDir: { value: "" },
  /** On-demand: find the job the call produced and read its manifest keys. */
  readKeys: { value: GENERATE_DEFAULTS.readKeys },
  /** On-demand request timeout (s). */
  timeoutS: { value: String(GENERATE_DEFAULTS.timeoutS), validate: "numberOrEnv" },
  /** Batch: deadline for the job (s). */
  jobTimeoutS: { value: String(GENERATE_DEFAULTS.jobTimeoutS), validate: "numberOrEnv" },
  /** Batch: first wait between job polls (ms). */
  pollIntervalMs: { value: String(GENERATE_DEFAULTS.pollIntervalMs), validate: "numberOrEnv" },
  /** Messages allowed to wait for a slot of the config node's limiter. */
  maxQueued: { value: String(GENERATE_DEFAULTS.maxQueued), validate: "numberOrEnv" },
});
