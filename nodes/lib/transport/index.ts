export { createHttpClient, type HttpClient, type HttpClientOptions } from "./http-client";
export {
  DEFAULT_TRANSFER_LIMITS,
  MIB,
  TransferLimitError,
  transferLimits,
  type TransferLimitKind,
  type TransferLimits,
} from "./limits";
export { proxyUrlFor, type ProxySettings } from "./proxy";
