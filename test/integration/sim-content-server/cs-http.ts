/** Minimal form-encoding HTTP calls for the simulator tests (deliberately not the package's client). */
export interface CsResponse {
  status: number;
  headers: Headers;
  json: any;
}

export type Fields = Record<string, string | number | boolean | string[]>;

export function form(fields: Fields): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  return params;
}

export function bodyForm(body: unknown): URLSearchParams {
  return form({ body: JSON.stringify(body) });
}

export function multipart(
  body: unknown,
  file?: { name: string; type: string; content: string | Uint8Array },
): FormData {
  const data = new FormData();
  if (body !== undefined) data.append("body", JSON.stringify(body));
  if (file) data.append("file", new Blob([file.content as BlobPart], { type: file.type }), file.name);
  return data;
}

export class CsCaller {
  ticket = "";
  constructor(readonly url: string) {}

  async login(username = "Admin", password = "livelink"): Promise<this> {
    const res = await this.call("POST", "api/v1/auth", form({ username, password }), false);
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    this.ticket = res.json.ticket;
    return this;
  }

  async call(
    method: string,
    path: string,
    body?: BodyInit,
    auth = true,
    headers: Record<string, string> = {},
  ): Promise<CsResponse> {
    const res = await fetch(`${this.url}/${path}`, {
      method,
      body,
      headers: { ...(auth && this.ticket ? { OTCSTicket: this.ticket } : {}), ...headers },
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    const fresh = res.headers.get("otcsticket");
    if (fresh) this.ticket = fresh;
    return { status: res.status, headers: res.headers, json };
  }

  get(path: string) {
    return this.call("GET", path);
  }
  post(path: string, body?: BodyInit) {
    return this.call("POST", path, body);
  }
  put(path: string, body?: BodyInit) {
    return this.call("PUT", path, body);
  }
  delete(path: string) {
    return this.call("DELETE", path);
  }
}
