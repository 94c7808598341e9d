/**
 * P4 ledger worker: the output watch's ledger (OutputWatchLedger, as the node uses it) with a backlog of N pending
 * communications — documents shaped like the watch's (keys, job, renditions, ~1.5 KB of JSON each, ids as long as the
 * real ones) — handed out `inFlight` at a time and acknowledged until none is left, RSS and heap sampled throughout. Without
 * Node-RED and the output tree, so 200,000 items fit in a bench run; group commit on (one fsync per window), since
 * 600,000 fsyncs one by one would measure the disk, not the memory.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OutputWatchLedger } from "../../nodes/lib/watch/output-watch-ledger";
import { FileStateStore } from "../../nodes/lib/state";
import type { CommunicationDocument } from "../../nodes/lib/watch/types";
import { workerMain } from "../harness/child";

export interface P4LedgerInput {
  items: number;
  /** Handed out and acknowledged per group-commit round. */
  inFlight: number;
  groupCommitMs: number;
  rssSampleMs: number;
  /** Items recorded and drained in a ledger of their own before the measured one: V8 sizes its heap for the work. */
  warmupItems: number;
}

export interface P4LedgerSample {
  /** Seconds since the drain began. */
  t: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

export interface P4LedgerResult {
  items: number;
  /** RSS / heap (after a GC) before the backlog was recorded, and once it was. */
  before: Measured;
  filled: Measured;
  /** The same once the backlog is handed out and acknowledged: what the drain left live. */
  drained: Measured;
  fillSeconds: number;
  drainSeconds: number;
  /** Sampled while the backlog was handed out and acknowledged. */
  samples: P4LedgerSample[];
  journalBytes: number;
}

function document(n: number): CommunicationDocument {
  const job = `bench-ledger-${Math.floor(n / 2000)}`;
  const customer = String(1_000_000 + n);
  const sha = n.toString(16).padStart(64, "0");
  const file = `${customer}_Statement_2026-11.pdf`;
  const dir = `/mnt/exstream/output/t1/Demo/jobs/${job}/fi-1/docgen/run-1/output`;
  const rendition = (queue: string, channel: string, ext: string) => ({
    fileName: `${customer}_Statement_2026-11.${ext}`,
    path: `${dir}/Queue_${queue}/${customer}_Statement_2026-11.${ext}`,
    mimeType: ext === "pdf" ? "application/pdf" : "text/html",
    queue,
    channel,
    size: 48_213,
    sha256: sha,
  });
  return {
    id: `${job}/fi-1/run-1/${customer}/${file}#${sha}`,
    fileName: file,
    path: `${dir}/Queue_1_Print_PDF/${file}`,
    mimeType: "application/pdf",
    size: 48_213,
    sha256: sha,
    queue: "Queue_1_Print_PDF",
    channel: "print",
    customerNumber: customer,
    keys: { AccountNumber: `ACC-${customer}`, CustomerName: `Customer ${customer}`, Branch: "Zurich", Product: "Giro" },
    variant: { Language: "de", Product: "Giro" },
    job: { jobId: job, flowInstanceId: "fi-1", runId: "run-1", domain: "Demo", tenant: "t1", runDate: "2026-11-30" },
    related: [rendition("2_Email_HTML", "email", "html"), rendition("3_Archive_PDF", "archive", "pdf")],
    channels: ["print", "email", "archive"],
    manifest: `${dir}/_STDDELIVERYFILE.xml`,
    pageCount: 3,
  };
}

/** Memory after a GC; `arrayBuffersBytes` holds the index's typed arrays, which the heap figure does not count. */
interface Measured {
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
}

async function measure(): Promise<Measured> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // Backing stores of collected typed arrays are released by a task after the GC: let it run, then look.
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc?.();
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rssBytes: rss, heapUsedBytes: heapUsed, arrayBuffersBytes: arrayBuffers };
}

type Ledger = Awaited<ReturnType<typeof OutputWatchLedger.open>>;

async function openLedger(dir: string, input: P4LedgerInput): Promise<{ ledger: Ledger; store: FileStateStore }> {
  const store = new FileStateStore();
  const ledger = await OutputWatchLedger.open(store, {
    dir,
    name: "p4",
    maxAttempts: 5,
    retainFinishedMs: 30 * 24 * 3_600_000,
    groupCommitMs: input.groupCommitMs,
  });
  return { ledger, store };
}

/** Hands out `inFlight` at a time and acknowledges them until none is left. */
async function drain(ledger: Ledger, inFlight: number): Promise<void> {
  for (;;) {
    const taken = await ledger.takeDue(inFlight, 0, 60_000);
    if (taken.length === 0) return;
    // Downstream reads the document (a structured clone, as the node's message), then acknowledges it; the
    // acknowledgements of a batch share one fsync with group commit.
    await Promise.all(
      taken.map((entry) => ledger.acknowledge(structuredClone(entry.item.document).id, { outcome: "created" })),
    );
  }
}

async function warmUp(input: P4LedgerInput): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-ledger-warmup-"));
  const { ledger, store } = await openLedger(dir, input);
  try {
    for (let n = 0; n < input.warmupItems; n++) await ledger.add(document(input.items + n));
    await drain(ledger, input.inFlight);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

workerMain<P4LedgerInput, P4LedgerResult>(async (input) => {
  await warmUp(input);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-ledger-"));
  const { ledger, store } = await openLedger(dir, input);
  try {
    const before = await measure();
    let started = performance.now();
    // An add does not wait for its fsync (a later hand-out does): the fill time is the appends' time.
    for (let n = 0; n < input.items; n++) await ledger.add(document(n));
    const fillSeconds = (performance.now() - started) / 1000;
    const filled = await measure();
    const samples: P4LedgerSample[] = [];
    started = performance.now();
    const sample = () => {
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
      samples.push({
        t: (performance.now() - started) / 1000,
        rssBytes: rss,
        heapUsedBytes: heapUsed,
        heapTotalBytes: heapTotal,
        externalBytes: external,
      });
    };
    sample();
    const timer = setInterval(sample, input.rssSampleMs);
    try {
      await drain(ledger, input.inFlight);
    } finally {
      clearInterval(timer);
    }
    sample();
    const drainSeconds = (performance.now() - started) / 1000;
    const drained = await measure();
    const counts = await ledger.counts();
    if (counts.done !== input.items) throw new Error(`drained ${counts.done} of ${input.items}`);
    const journalBytes = statSync(path.join(dir, "communications.journal")).size;
    return { items: input.items, before, filled, drained, fillSeconds, drainSeconds, samples, journalBytes };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
