/**
 * Which proxy a request goes through, decided as Node-RED's core HTTP request node decides it (its proxyHelper,
 * "strict" mode): `<scheme>_proxy` / `all_proxy` environment variables (lower case first, then upper case, npm's
 * `npm_config_*` variants included) unless `no_proxy` matches the host; or, when the connection names its own proxy,
 * that proxy and its no-proxy list instead of the environment. Connections through a proxy use CONNECT tunnels (as
 * core does, with hpagent), so TLS is end to end and the server certificate is verified as without a proxy.
 */
import http from "node:http";
import https from "node:https";
import { HttpProxyAgent, HttpsProxyAgent } from "hpagent";

/** A connection's own proxy (core `http proxy` config node: URL, no-proxy hosts, credentials). */
export interface ProxySettings {
  url: string;
  /** Hosts reached directly: `host`, `host:port`, `.domain`, `*.domain`, or `*` for all. */
  noProxy?: string[];
  username?: string;
  password?: string;
}

type Env = Record<string, string | undefined>;

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/** The proxy URL for `target` ("" = direct), from the connection's own proxy or else from `env`. */
export function proxyUrlFor(target: string, own?: ProxySettings, env: Env = process.env): string {
  const source: Env = own
    ? { http_proxy: own.url, https_proxy: own.url, no_proxy: (own.noProxy ?? []).join(",") }
    : env;
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return "";
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  const port = Number(parsed.port) || DEFAULT_PORTS[scheme] || 0;
  // `host` keeps the brackets of an IPv6 address, as no_proxy entries write them.
  const hostname = parsed.host.replace(/:\d*$/, "").toLowerCase();
  if (!scheme || !hostname || !shouldProxy(hostname, port, variable(source, "no_proxy"))) return "";
  const proxy =
    variable(source, `npm_config_${scheme}_proxy`) ||
    variable(source, `${scheme}_proxy`) ||
    variable(source, "npm_config_proxy") ||
    variable(source, "all_proxy");
  // A proxy given without a scheme speaks the scheme of the request (core does the same).
  return proxy && !proxy.includes("://") ? `${scheme}://${proxy}` : proxy;
}

function variable(env: Env, name: string): string {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || "";
}

function shouldProxy(hostname: string, port: number, noProxyVariable: string): boolean {
  const noProxy = noProxyVariable.toLowerCase();
  if (!noProxy) return true;
  if (noProxy === "*") return false;
  return noProxy.split(/[,\s]/).every((entry) => {
    if (!entry) return true;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    let host = withPort ? withPort[1] : entry;
    if (withPort && Number(withPort[2]) !== port) return true;
    if (!/^[.*]/.test(host)) return hostname !== host;
    if (host.startsWith("*")) host = host.slice(1);
    return !hostname.endsWith(host);
  });
}

export interface AgentOptions {
  /** TLS options of the target connection (CA, client certificate, verification). */
  tls?: https.AgentOptions;
  /** A ready agent for direct https connections; wins over `tls` and the proxy. */
  httpsAgent?: https.Agent;
  proxy?: ProxySettings;
  env?: Env;
}

/** Keep-alive agents per route: direct, or through one proxy (one pair per proxy URL). */
export class AgentPool {
  private readonly direct: { httpAgent: http.Agent; httpsAgent: https.Agent };
  private readonly proxied = new Map<string, { httpAgent: http.Agent; httpsAgent: https.Agent }>();
  private readonly tls: https.AgentOptions;

  constructor(private readonly options: AgentOptions = {}) {
    this.tls = { ...options.tls, rejectUnauthorized: options.tls?.rejectUnauthorized !== false };
    this.direct = {
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: options.httpsAgent ?? new https.Agent({ keepAlive: true, ...this.tls }),
    };
  }

  /** The agents for a request to `url`. */
  agentsFor(url: string): { httpAgent: http.Agent; httpsAgent: https.Agent } {
    const proxyUrl = this.options.httpsAgent ? "" : proxyUrlFor(url, this.options.proxy, this.options.env);
    if (!proxyUrl) return this.direct;
    let agents = this.proxied.get(proxyUrl);
    if (!agents) {
      const proxy = proxyEndpoint(proxyUrl, this.options.proxy);
      agents = {
        httpAgent: new HttpProxyAgent({ keepAlive: true, proxy }),
        httpsAgent: new HttpsProxyAgent({ keepAlive: true, proxy, ...this.tls }),
      };
      this.proxied.set(proxyUrl, agents);
    }
    return agents;
  }

  /** The proxy password, for the lists of values errors must never show. */
  secrets(): string[] {
    return this.options.proxy?.password ? [this.options.proxy.password] : [];
  }

  destroy(): void {
    this.direct.httpAgent.destroy();
    if (!this.options.httpsAgent) this.direct.httpsAgent.destroy();
    for (const agents of this.proxied.values()) {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    }
    this.proxied.clear();
  }
}

/** The proxy as a URL, with the connection's credentials when it has them (else those written in the URL). */
function proxyEndpoint(proxyUrl: string, own: ProxySettings | undefined): URL {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new TypeError("the proxy URL is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`the proxy URL must be http(s), got ${url.protocol}`);
  }
  if (own?.username || own?.password) {
    url.username = encodeURIComponent(own.username ?? "");
    url.password = encodeURIComponent(own.password ?? "");
  }
  return url;
}
