/**
 * The axios instance both protocol clients send through. Every request on it — logins and token calls included —
 * gets the route (direct or through the proxy), the overall deadline and the size cap; every streamed answer the
 * idle timeout, the minimum rate and the Content-Length check.
 */
import nodeHttp from "node:http";
import nodeHttps from "node:https";
import type { Readable } from "node:stream";
import axios, { type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from "axios";
import {
  Deadline,
  deadlineFor,
  guardedStream,
  SMALL_BODY_BYTES,
  TransferLimitError,
  type TransferLimits,
} from "./limits";
import { AgentPool, type AgentOptions } from "./proxy";

export interface HttpClientOptions extends AgentOptions {
  limits: TransferLimits;
}

export interface HttpClient {
  http: AxiosInstance;
  agents: AgentPool;
  close(): void;
}

declare module "axios" {
  interface AxiosRequestConfig {
    /** Size of a large request body: the deadline leaves time to send it at the minimum rate. */
    uploadBytes?: number;
  }
}

const deadlines = new WeakMap<object, Deadline>();

/**
 * Node's own http(s).request, handed to axios as a custom transport for large uploads. With its built-in transport
 * axios also starts a wall-clock timer of `timeout` that runs until the answer's headers: an upload that keeps sending
 * for longer than `timeoutMs` (a large file on a slow line) would be cut off although the connection never went
 * silent. Through this one only silence ends it (axios still sets `timeoutMs` as the socket's idle timeout), and the
 * deadline, extended by the upload's size at the minimum rate, bounds the whole exchange. Other calls keep axios's
 * timer: sent at once, their wait for the answer is silence.
 */
const nodeTransport = {
  request: (options: nodeHttp.RequestOptions, callback: (res: nodeHttp.IncomingMessage) => void) =>
    (options.protocol === "https:" ? nodeHttps : nodeHttp).request(options, callback),
};

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { limits } = options;
  const agents = new AgentPool(options);
  const http = axios.create({
    timeout: limits.timeoutMs,
    // Redirect-following buffers request bodies in memory (fatal for large uploads); neither API redirects.
    maxRedirects: 0,
    maxBodyLength: Infinity,
    // Routing is ours (AgentPool): axios's own proxy support sends https through a proxy without a tunnel.
    proxy: false,
    validateStatus: () => true,
  });
  http.interceptors.request.use(
    (config) => {
      Object.assign(config, agents.agentsFor(absoluteUrl(config)));
      if ((config.uploadBytes ?? 0) > SMALL_BODY_BYTES) config.transport = nodeTransport;
      const streamed = config.responseType === "stream";
      config.maxContentLength = streamed ? -1 : limits.maxResponseBytes;
      const deadline = new Deadline(deadlineFor(limits, config.uploadBytes ?? 0, config.timeout ?? limits.timeoutMs));
      deadlines.set(config, deadline);
      config.signal = deadline.signal;
      return config;
    },
    undefined,
    // Runs at once, not in a promise chain of its own.
    { synchronous: true },
  );
  http.interceptors.response.use(
    (response) => {
      deadlines.get(response.config)?.clear();
      if (response.config.responseType === "stream") {
        // From here the stream's own guard takes over: a large download may take long, but never stall or trickle.
        response.data = guardedStream(response.data as Readable, limits, expectedLength(response));
      }
      return response;
    },
    (err: unknown) => {
      const config = (err as { config?: InternalAxiosRequestConfig }).config;
      const deadline = config ? deadlines.get(config) : undefined;
      deadline?.clear();
      if (deadline?.expired) return Promise.reject(TransferLimitError.deadline(deadline.ms));
      if (/maxContentLength size of \d+ exceeded/.test(String((err as Error).message))) {
        return Promise.reject(TransferLimitError.size(limits.maxResponseBytes));
      }
      return Promise.reject(err);
    },
  );
  return { http, agents, close: () => agents.destroy() };
}

function absoluteUrl(config: InternalAxiosRequestConfig): string {
  try {
    return new URL(config.url ?? "", config.baseURL).href;
  } catch {
    return config.url ?? "";
  }
}

/** Content-Length, when the bytes we count are the bytes it counts (not after transparent decompression). */
function expectedLength(response: AxiosResponse): number | undefined {
  const raw = (response.request as { res?: { rawHeaders?: string[] } } | undefined)?.res?.rawHeaders ?? [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "content-encoding" && raw[i + 1].toLowerCase() !== "identity") return undefined;
  }
  const length = Number(response.headers["content-length"]);
  return Number.isInteger(length) && length >= 0 ? length : undefined;
}
