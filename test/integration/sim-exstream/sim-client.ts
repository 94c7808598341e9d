/** A small fetch wrapper for the simulator tests: bearer token, cookies the simulator sets, JSON helpers, uploads. */
import type { TestExstreamSim } from "../../helpers/exstream-sim";

export interface SimResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json: any;
}

export class SimClient {
  private tokenValue?: string;
  /** Cookies from `Set-Cookie` (the CSRF cookie of the input channels), sent back unless a request says not to. */
  readonly cookies = new Map<string, string>();

  constructor(readonly sim: TestExstreamSim) {}

  async token(): Promise<string> {
    this.tokenValue ??= await this.sim.token();
    return this.tokenValue;
  }

  async request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: BodyInit; auth?: boolean; cookies?: boolean } = {},
  ): Promise<SimResponse> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.auth !== false) headers.Authorization = `Bearer ${await this.token()}`;
    if (options.cookies !== false && this.cookies.size > 0) {
      headers.Cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    const res = await fetch(`${this.sim.url}${path}`, { method, headers, body: options.body });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const body = Buffer.from(await res.arrayBuffer());
    let json: any;
    if ((res.headers.get("content-type") ?? "").includes("json")) json = JSON.parse(body.toString("utf8"));
    return { status: res.status, headers: res.headers, body, json };
  }

  /** Makes sure the CSRF cookie is held (any orchestration call sets it). */
  async withCsrfCookie(): Promise<this> {
    if (this.cookies.size === 0) await this.get("/orchestration/api/v1/version");
    return this;
  }

  get(path: string, headers?: Record<string, string>): Promise<SimResponse> {
    return this.request("GET", path, { headers });
  }

  postJson(path: string, value: unknown, headers: Record<string, string> = {}): Promise<SimResponse> {
    return this.request("POST", path, {
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(value),
    });
  }

  putJson(path: string, value: unknown): Promise<SimResponse> {
    return this.request("PUT", path, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(value) });
  }

  upload(
    method: "POST" | "PUT",
    path: string,
    field: string,
    fileName: string,
    data: Buffer | string,
    type = "application/octet-stream",
  ): Promise<SimResponse> {
    const form = new FormData();
    form.append(field, new Blob([typeof data === "string" ? data : new Uint8Array(data)], { type }), fileName);
    return this.request(method, path, { body: form });
  }

  generate(
    domain: string,
    communicationId: string,
    driverDataSource: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<SimResponse> {
    return this.request("POST", `/orchestration/api/v1/inputs/ondemand/${domain}/generate`, {
      headers: { "Content-Type": "application/json", communicationId, driverDataSource, ...headers },
      body,
    });
  }
}
