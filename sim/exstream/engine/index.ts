/*
 * The Exstream simulator's document engine: renders a communication for one customer on every output queue
 * (print → PDF, email → HTML, sms → text), chooses content variants by rules, parses driver data and writes an engine
 * run's output tree with its `_STDDELIVERYFILE.xml`. The rest of sim/exstream uses only what is exported here.
 */
export type {
  BlockRules,
  ChosenBlock,
  EngineBlock,
  EngineChannel,
  EngineCommunication,
  EngineDocument,
  EngineOutputStyle,
  EngineQueue,
  ContentVersionsSeparator,
  DeliveryStatusStyle,
  EngineRun,
  OutputTree,
  VariantSelection,
} from "./model";
export { renderCustomer, documentFileName } from "./render-customer";
export { writeOutputTree, outputDirOf, MESSAGE_FILE_NAME } from "./output-tree";
export { parseDriverData, DriverDataError } from "./driver-data";
export { MANIFEST_FILE_NAME } from "./delivery-manifest";
export { DELIVERY_LOG_FILE_NAME } from "./delivery-log";
export { KEY as DOCUMENT_KEYS } from "./document-keys";
export { SMS_MAX_CHARS } from "./render-sms";
export { STANDARD_VARIANT } from "./variants";
