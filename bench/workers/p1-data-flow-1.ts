/**
 * P1 worker, one of two modes per process:
 *  - "flow": data flow 1 as shipped (examples/01-archive-generated-communications.json) in an embedded Node-RED, its
 *    config nodes pointed at the Content Server simulator through the environment variables the example reads; the
 *    output watch finds the prepared output tree, metadata-map maps the keys, cs-archive uploads and acknowledges.
 *  - "plain": a plain loop uploading the same files (our CS client: one multipart POST per file) into the same
 *    folder at the same concurrency.
 * Both clocks run from the first upload to the last acknowledgement; start-up (runtime, deploy, login, stability
 * window, folder creation of the plain loop) is outside them.
 */
import { promises as fsp, readFileSync } from "node:fs";
import path from "node:path";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { startEmbeddedNodeRed } from "../../test/helpers/embedded-node-red";
import { REPO_ROOT, RssSampler, workerMain } from "../harness/child";
import { runPool } from "../harness/pool";

export type P1Mode = "flow" | "plain";

export interface P1WorkerInput {
  mode: P1Mode;
  csUrl: string;
  username: string;
  password: string;
  outputRoot: string;
  /** A JSON file listing every file of the output tree (the plain loop uploads these); too long for argv. */
  filesList: string;
  /** Plain loop: the folder data flow 1 archives into (below the Enterprise Workspace). */
  rootId: number;
  folderPath: string;
  concurrency: number;
  timeoutMs: number;
}

export interface P1WorkerResult {
  mode: P1Mode;
  documents: number;
  seconds: number;
  /** Flow: acknowledgements by outcome (created / duplicate / version …); plain: { created: n }. */
  outcomes: Record<string, number>;
  errors: string[];
  /** Flow only: from deploy to the first message at cs-archive (runtime start excluded). */
  startupSeconds?: number;
  rss: { startBytes: number; peakBytes: number };
}

const EXAMPLE = path.join(REPO_ROOT, "examples", "01-archive-generated-communications.json");
const ARCHIVE_NODE = "df01-archive";
/** cs-archive's output goes to the acknowledgement (the watch) and to this line node: one arrival per document. */
const DONE_NODE = "df01-line";
const ERROR_NODE = "df01-errors";

type Msg = Record<string, any>;

function nodeTypes(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
  return Object.keys(manifest["node-red"].nodes);
}

async function runFlow(input: P1WorkerInput, files: string[]): Promise<P1WorkerResult> {
  Object.assign(process.env, {
    CS_URL: input.csUrl,
    CS_AUTH_MODE: "cs",
    CS_USERNAME: input.username,
    CS_PASSWORD: input.password,
    // The Exstream connection of the example is not used by data flow 1 (folder mode); it only has to be valid.
    EXSTREAM_URL: "http://127.0.0.1:9",
    EXSTREAM_TENANT: "demo",
    EXSTREAM_DOMAIN: "Demo",
    EXSTREAM_CLIENT_ID: "unused",
    EXSTREAM_CLIENT_SECRET: "unused",
    EXSTREAM_OUTPUT_ROOT: input.outputRoot,
  });
  const flows = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Msg[];
  const concurrency = flows.find((n) => n.type === "cs-config")?.maxConcurrent;
  if (Number(concurrency) !== input.concurrency) {
    throw new Error(
      `the example's cs-config has maxConcurrent ${concurrency}, the benchmark expects ${input.concurrency}`,
    );
  }
  const nr = await startEmbeddedNodeRed({ nodeTypes: nodeTypes() });
  const outcomes: Record<string, number> = {};
  const errors: string[] = [];
  let firstUpload = 0;
  let lastAck = 0;
  let done = 0;
  nr.RED.hooks.add("onReceive.p1bench", (event: { destination?: { id?: string }; msg: Msg }) => {
    const id = event.destination?.id;
    if (id === ARCHIVE_NODE && !firstUpload) firstUpload = performance.now();
    else if (id === DONE_NODE) {
      lastAck = performance.now();
      done++;
      const outcome = String(event.msg.cs?.outcome ?? "unknown");
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    } else if (id === ERROR_NODE && errors.length < 20) errors.push(String(event.msg.payload));
  });
  try {
    const deployed = performance.now();
    await nr.deploy(flows);
    const sampler = new RssSampler(100);
    const deadline = Date.now() + input.timeoutMs;
    while (done < files.length) {
      if (Date.now() > deadline) {
        throw new Error(`${done} of ${files.length} acknowledged in time; errors: ${errors.join(" | ")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return {
      mode: "flow",
      documents: done,
      seconds: (lastAck - firstUpload) / 1000,
      outcomes,
      errors,
      startupSeconds: (firstUpload - deployed) / 1000,
      rss: sampler.stop(),
    };
  } finally {
    nr.RED.hooks.remove("onReceive.p1bench");
    await nr.stop();
  }
}

async function runPlain(input: P1WorkerInput, files: string[]): Promise<P1WorkerResult> {
  const client = new ContentServerClient({
    baseUrl: input.csUrl,
    credentials: { username: input.username, password: input.password },
    maxConcurrent: input.concurrency,
  });
  try {
    // Login and the folder (the flow's folder path) before the clock starts.
    const folder = await client.nodes.ensureFolderPath(input.rootId, input.folderPath);
    for (const file of files.slice(0, 1)) await fsp.access(file);
    const sampler = new RssSampler(100);
    const started = performance.now();
    await runPool(files.length, input.concurrency, (i) =>
      client.documents.uploadDocument({
        parentId: folder.id,
        name: path.basename(files[i]),
        content: { path: files[i] },
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      mode: "plain",
      documents: files.length,
      seconds,
      outcomes: { created: files.length },
      errors: [],
      rss: sampler.stop(),
    };
  } finally {
    await client.close();
  }
}

workerMain<P1WorkerInput, P1WorkerResult>((input) => {
  const files = JSON.parse(readFileSync(input.filesList, "utf8")) as string[];
  return input.mode === "flow" ? runFlow(input, files) : runPlain(input, files);
});
