import type { IncomingMessage, ServerResponse } from "node:http";

/** The `links.data.self` block CS puts at the top of v2 answers. */
export function selfLinks(req: IncomingMessage): Record<string, unknown> {
  return {
    data: {
      self: { body: "", content_type: "", href: req.url ?? "", method: req.method ?? "GET", name: "" },
    },
  };
}

export function sendJson(res: ServerResponse, status: number, payload: unknown, suppressCodes = false): void {
  let body = payload;
  let code = status;
  if (suppressCodes && payload && typeof payload === "object" && !Array.isArray(payload)) {
    body = { ...(payload as Record<string, unknown>), statusCode: status };
    code = 200;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
