/** Synchronous generation: `POST …/inputs/ondemand/{domain}/generate` and Empower fulfilment. */
import { ExstreamError } from "./errors";
import { seg, type ExstreamContext } from "./context";
import type { DriverData, FulfillRequest, GenerateRequest, GenerateResult, GeneratedOutput } from "./types";

interface EnvelopeItem {
  content?: unknown;
  mimeType?: unknown;
  engineOutputContext?: { queueName?: unknown; fileName?: unknown; customerNumber?: unknown } | null;
  errorMessage?: unknown;
  statusCode?: unknown;
}

export async function generate(ctx: ExstreamContext, req: GenerateRequest): Promise<GenerateResult> {
  if (!req.communicationId) throw new TypeError("generate: communicationId is required");
  if (!req.driverDataSource) throw new TypeError("generate: driverDataSource is required");
  const { body, contentType } = encodeDriver(req.driver, req.contentType);
  const headers: Record<string, string> = {
    ...req.headers,
    communicationId: req.communicationId,
    driverDataSource: req.driverDataSource,
    "Content-Type": contentType,
  };
  if (req.empowerUser) headers.empowerUser = req.empowerUser;
  const url = `${ctx.orchestrationUrl}/inputs/ondemand/${seg(req.domain ?? ctx.domain)}/generate`;
  return send(ctx, "generate", url, headers, body, req.response ?? "envelope", req.timeoutMs);
}

export async function fulfill(ctx: ExstreamContext, req: FulfillRequest): Promise<GenerateResult> {
  const headers: Record<string, string> = {
    communicationId: req.communicationId,
    driverDataSource: req.driverDataSource,
    preserveDocuments: String(req.preserveDocuments ?? false),
    "Content-Type": "application/json",
  };
  const url = `${ctx.orchestrationUrl}/inputs/fulfillment/ondemand/${seg(req.domain ?? ctx.domain)}/fulfill`;
  return send(ctx, "fulfill", url, headers, JSON.stringify({ documents: req.documents }), req.response ?? "envelope");
}

async function send(
  ctx: ExstreamContext,
  operation: string,
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  mode: NonNullable<GenerateRequest["response"]>,
  timeoutMs?: number,
): Promise<GenerateResult> {
  if (mode === "pdf") {
    const res = await ctx.transport.request<Buffer>({
      operation,
      method: "POST",
      url,
      headers: { ...headers, Accept: "application/pdf" },
      body,
      responseType: "arraybuffer",
      // Not resent after an ambiguous failure: the call may have been processed (a job, maybe a letter sent).
      idempotent: false,
      timeoutMs,
    });
    const mimeType = (res.headers["content-type"] ?? "application/pdf").split(";")[0].trim();
    if (mimeType === "application/json") return decodeEnvelope(operation, JSON.parse(res.data.toString("utf8")));
    return { outputs: [{ mimeType, content: Buffer.from(res.data) }] };
  }
  const res = await ctx.transport.request<unknown>({
    operation,
    method: "POST",
    url,
    headers: { ...headers, Accept: mode === "empower-document" ? "application/json" : "*/*" },
    body,
    responseType: "json",
    idempotent: false,
    timeoutMs,
  });
  if (mode === "empower-document") {
    const documentId = findDocumentId(res.data);
    if (!documentId) {
      throw new ExstreamError({ operation, status: res.status, serverMessage: "response has no documentId" });
    }
    return { outputs: [], documentId };
  }
  return decodeEnvelope(operation, res.data);
}

/** Turns the `{status, data:[{content(base64), mimeType, engineOutputContext}]}` envelope into decoded outputs. */
export function decodeEnvelope(operation: string, body: unknown): GenerateResult {
  if (!body || typeof body !== "object") {
    throw new ExstreamError({ operation, serverMessage: "response is not a generate envelope" });
  }
  const envelope = body as { status?: unknown; data?: unknown; message?: unknown };
  const items: EnvelopeItem[] = Array.isArray(envelope.data) ? (envelope.data as EnvelopeItem[]) : [];
  const failed = items.find((item) => item && item.errorMessage !== undefined && item.errorMessage !== null);
  if (envelope.status === "error" || envelope.status === "failure" || failed) {
    const statusCode = Number(failed?.statusCode);
    throw new ExstreamError({
      operation,
      status: Number.isFinite(statusCode) && statusCode > 0 ? statusCode : undefined,
      serverMessage: String(failed?.errorMessage ?? envelope.message ?? "generation failed"),
    });
  }
  const outputs: GeneratedOutput[] = items.map((item) => {
    const context = item.engineOutputContext ?? {};
    const output: GeneratedOutput = {
      mimeType: typeof item.mimeType === "string" ? item.mimeType : "application/octet-stream",
      content: Buffer.from(typeof item.content === "string" ? item.content : "", "base64"),
    };
    if (context.queueName != null) output.queueName = String(context.queueName);
    if (context.fileName != null) output.fileName = String(context.fileName);
    if (context.customerNumber != null) output.customerNumber = String(context.customerNumber);
    return output;
  });
  return { outputs };
}

/** JSON for objects; strings and Buffers as given, typed by `contentType` or by their first character. */
export function encodeDriver(driver: DriverData, contentType?: string): { body: string | Buffer; contentType: string } {
  if (driver === undefined || driver === null) throw new TypeError("generate: driver data is required");
  if (typeof driver !== "string" && !Buffer.isBuffer(driver)) {
    return { body: JSON.stringify(driver), contentType: contentType ?? "application/json" };
  }
  if (contentType) return { body: driver, contentType };
  const detected = detectDriverType(driver);
  if (!detected) throw new TypeError("generate: driver data is neither JSON nor XML; set a content type");
  return { body: driver, contentType: detected };
}

/** `application/xml` or `application/json` from the first non-blank character; undefined otherwise. */
export function detectDriverType(driver: string | Buffer): string | undefined {
  const head = (typeof driver === "string" ? driver.slice(0, 256) : driver.subarray(0, 256).toString("utf8"))
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("<")) return "application/xml";
  if (head.startsWith("{") || head.startsWith("[")) return "application/json";
  return undefined;
}

function findDocumentId(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as { documentId?: unknown; data?: unknown };
  if (typeof b.documentId === "string") return b.documentId;
  if (b.data && typeof b.data === "object" && !Array.isArray(b.data)) return findDocumentId(b.data);
  if (Array.isArray(b.data) && b.data.length > 0) {
    const content = (b.data[0] as EnvelopeItem).content;
    if (typeof content === "string") {
      try {
        return findDocumentId(JSON.parse(Buffer.from(content, "base64").toString("utf8")));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
