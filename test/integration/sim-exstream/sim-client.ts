/** A small fetch wrapper for the simulator tests: bearer token, JSON helpers, multipart uploads. */
import type { TestExstreamSim } from "../../helpers/exstream-sim";

export interface SimResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json: any;
}

export class SimClient {
  private tokenValue?: string;

  constructor(readonly sim: TestExstreamSim) {}

  async token(): Promise<string> {
    this.tokenValue ??= await this.sim.token();
    return this.tokenValue;
  }

  async request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: BodyInit; auth?: boolean } = {},
  ): Promise<SimResponse> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.auth !== false) headers.Authorization = `Bearer ${await this.token()}`;
    const res = await fetch(`${this.sim.url}${path}`, { method, headers, body: options.body });
    const body = Buffer.from(await res.arrayBuffer());
    let json: any;
    if ((res.headers.get("content-type") ?? "").includes("json")) json = JSON.parse(body.toString("utf8"));
    return { status: res.status, headers: res.headers, body, json };
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
