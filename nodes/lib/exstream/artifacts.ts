/**
 * Outputs of a communication step — delivery file, output files, artifacts, customer zips, message file — streamed to
 * disk (`<dest>.part`, then renamed), never held whole in memory; only a delivery file asked for up to a given size
 * (an on-demand step's) is read into memory.
 */
import { createWriteStream, promises as fsp } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { makePrivateDir, PRIVATE_FILE_MODE } from "../reliability/private-files";
import { readAtMost } from "../transport/limits";
import { seg, type ExstreamContext } from "./context";
import { iteratePages, toPage } from "./runtime";
import type { Page, PageRequest } from "./types";

export interface DownloadedFile {
  path: string;
  bytes: number;
  contentType?: string;
}

const stepUrl = (ctx: ExstreamContext, stepId: string, domain?: string): string =>
  `${ctx.orchestrationUrl}/runtime/${seg(domain ?? ctx.domain)}/flow-steps/${seg(stepId)}`;

/** The step's `_STDDELIVERYFILE.xml`, bytes as served (typically UTF-16): parse it with `openDeliveryManifest`. */
export function downloadDeliveryFile(
  ctx: ExstreamContext,
  stepId: string,
  destPath: string,
  domain?: string,
): Promise<DownloadedFile> {
  return download(ctx, "download delivery file", `${stepUrl(ctx, stepId, domain)}/delivery-file`, destPath, {
    download: true,
  });
}

/**
 * The step's delivery file in memory when it is at most `maxBytes` (an on-demand job's is a few KiB); undefined,
 * without reading the rest, when it is larger.
 */
export function readDeliveryFile(
  ctx: ExstreamContext,
  stepId: string,
  maxBytes: number,
  domain?: string,
): Promise<Buffer | undefined> {
  const url = `${stepUrl(ctx, stepId, domain)}/delivery-file`;
  return ctx.transport.stream(
    { operation: "download delivery file", method: "GET", url, params: { download: true }, headers: { Accept: "*/*" } },
    (body: Readable) => readAtMost(body, maxBytes),
  );
}

/** One page of output file paths (relative to the step's `output/` folder). */
export async function listOutputFiles(
  ctx: ExstreamContext,
  stepId: string,
  page: PageRequest = {},
  domain?: string,
): Promise<Page<string>> {
  const res = await ctx.transport.request<unknown>({
    operation: "list output files",
    method: "GET",
    url: `${stepUrl(ctx, stepId, domain)}/delivery-file/output-files`,
    params: { offset: page.offset ?? 0, count: page.count ?? 100 },
  });
  return toPage<string>(res.data);
}

export const iterateOutputFiles = (ctx: ExstreamContext, stepId: string, pageSize?: number, domain?: string) =>
  iteratePages<string>((p) => listOutputFiles(ctx, stepId, p, domain), pageSize);

/**
 * One output file by the name `listOutputFiles` gave. The name is a path below the step's output folder
 * (`Queue_1/x.pdf`): its folders stay path segments, each encoded — never one segment with `%2F`, which servers
 * refuse as an encoded slash.
 */
export function downloadArtifact(
  ctx: ExstreamContext,
  stepId: string,
  artifactName: string,
  destPath: string,
  domain?: string,
): Promise<DownloadedFile> {
  const url = `${stepUrl(ctx, stepId, domain)}/artifact/${artifactPath(artifactName)}`;
  return download(ctx, "download artifact", url, destPath);
}

/** `a/b c.pdf` → `a/b%20c.pdf`: every segment encoded, the separators kept (a backslash counts as one). */
export function artifactPath(artifactName: string): string {
  return artifactName.replace(/\\/g, "/").split("/").filter(Boolean).map(seg).join("/");
}

/** A zip of every output of one customer. */
export function downloadCustomerArtifacts(
  ctx: ExstreamContext,
  stepId: string,
  customerNumber: string,
  destPath: string,
  domain?: string,
): Promise<DownloadedFile> {
  const url = `${stepUrl(ctx, stepId, domain)}/customer-artifacts/${seg(customerNumber)}`;
  return download(ctx, "download customer artifacts", url, destPath);
}

/** The engine message log of the step. */
export function downloadMessageFile(
  ctx: ExstreamContext,
  stepId: string,
  destPath: string,
  domain?: string,
): Promise<DownloadedFile> {
  return download(ctx, "download message file", `${stepUrl(ctx, stepId, domain)}/message-file`, destPath, {
    download: true,
  });
}

/** Streams a GET response into `destPath` via a `.part` file; a failed attempt leaves nothing behind. */
export async function download(
  ctx: ExstreamContext,
  operation: string,
  url: string,
  destPath: string,
  params?: Record<string, string | number | boolean>,
): Promise<DownloadedFile> {
  await makePrivateDir(path.dirname(destPath));
  const partPath = `${destPath}.part`;
  try {
    return await ctx.transport.stream(
      { operation, method: "GET", url, params, headers: { Accept: "*/*" } },
      async (body: Readable, res) => {
        await pipeline(body, createWriteStream(partPath, { mode: PRIVATE_FILE_MODE }));
        const { size } = await fsp.stat(partPath);
        await fsp.rename(partPath, destPath);
        return { path: destPath, bytes: size, contentType: res.headers["content-type"] };
      },
    );
  } catch (err) {
    await fsp.rm(partPath, { force: true });
    throw err;
  }
}
