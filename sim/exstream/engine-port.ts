/*
 * The one place sim/exstream reaches the document engine (sim/exstream/engine). The engine is loaded lazily so a
 * caller (a test) can hand the simulator another implementation of the same contract.
 */
import type * as EngineModule from "./engine";

export type {
  ContentVersionsSeparator,
  DeliveryStatusStyle,
  EngineBlock,
  EngineCommunication,
  EngineDocument,
  EngineOutputStyle,
  EngineQueue,
  EngineRun,
} from "./engine";

export type EngineApi = Pick<typeof EngineModule, "renderCustomer" | "writeOutputTree" | "parseDriverData">;

export function loadEngine(): EngineApi {
  return require("./engine") as EngineApi;
}
