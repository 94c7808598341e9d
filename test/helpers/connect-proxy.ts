/*
 * A small forward proxy for the tests: answers CONNECT by opening a TCP tunnel to the requested host:port (as corporate
 * proxies do for https), optionally demanding Basic credentials (407 otherwise). It records every CONNECT target and
 * Proxy-Authorization header it sees.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";

export interface ConnectProxy {
  /** e.g. http://127.0.0.1:<port> */
  url: string;
  /** host:port of each CONNECT request, in order. */
  readonly tunnels: string[];
  /** Proxy-Authorization headers received. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(options: { username?: string; password?: string } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const expected =
    options.username !== undefined
      ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`
      : undefined;
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { "Content-Type": "text/plain" });
    res.end("only CONNECT");
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    tunnels.push(req.url ?? "");
    const auth = req.headers["proxy-authorization"];
    if (auth) authorizations.push(auth);
    if (expected && auth !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PROXY_VARIABLES = [
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
  "npm_config_proxy",
  "npm_config_http_proxy",
  "npm_config_https_proxy",
  "npm_config_no_proxy",
].flatMap((name) => [name, name.toUpperCase()]);

/**
 * Sets the proxy environment for a test: only the variables given count (the machine's own proxy settings must not
 * leak in). Returns the undo.
 */
export function withProxyEnv(values: Record<string, string>): () => void {
  const names = [...new Set([...PROXY_VARIABLES, ...Object.keys(values)])];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) {
    if (values[name] === undefined) delete process.env[name];
    else process.env[name] = values[name];
  }
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
