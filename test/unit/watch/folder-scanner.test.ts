import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { OutputFolderScanner } from "../../../nodes/lib/watch/folder-scanner";

const MANIFEST = "_STDDELIVERYFILE.xml";

describe("output folder scanner: the watched root's own name", () => {
  let base: string;
  beforeEach(() => (base = fs.mkdtempSync(path.join(os.tmpdir(), "scan-root-"))));
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** Scans `root` once and returns the manifests it reported. */
  async function scan(root: string): Promise<string[]> {
    const reported: string[] = [];
    const scanner = new OutputFolderScanner({
      root,
      manifestName: MANIFEST,
      method: "poll",
      scanIntervalMs: 3_600_000,
      fullRescanIntervalMs: 3_600_000,
      onManifest: (file) => reported.push(file),
      isSettled: () => false,
    });
    try {
      await scanner.rescan();
    } finally {
      await scanner.close();
    }
    return reported.sort();
  }

  function writeManifest(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, MANIFEST), "<outputList/>");
    return path.join(dir, MANIFEST);
  }

  it("walks a root that is itself named output (e.g. /var/exstream/output) down to every run's output/ folder", async () => {
    const root = path.join(base, "output");
    const runs = ["job-1", "job-2"].map((job) => writeManifest(path.join(root, job, "fi-1", "docgen", "output")));
    assert.deepEqual(await scan(root), runs);
  });

  it("finds the manifest of a root that is one run's output/ folder", async () => {
    const root = path.join(base, "job-1", "output");
    const manifest = writeManifest(root);
    assert.deepEqual(await scan(root), [manifest]);
  });
});

describe("output folder scanner: change events", () => {
  let root: string;
  let scanner: OutputFolderScanner | undefined;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "scan-events-"))));
  afterEach(async () => {
    await scanner?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Starts a scanner whose only periodic rescan is an hour away: what it reports sooner came from events. */
  async function watching(): Promise<{ reported: string[]; next: () => Promise<string> }> {
    const reported: string[] = [];
    const waiting: Array<(file: string) => void> = [];
    scanner = new OutputFolderScanner({
      root,
      manifestName: MANIFEST,
      method: "events",
      scanIntervalMs: 3_600_000,
      fullRescanIntervalMs: 3_600_000,
      onManifest: (file) => {
        reported.push(file);
        waiting.shift()?.(file);
      },
      isSettled: () => false,
    });
    scanner.start();
    await scanner.rescan();
    return { reported, next: () => new Promise((resolve) => waiting.push(resolve)) };
  }

  it("reports a manifest written into a new job's folders without waiting for the periodic rescan", async () => {
    const { next } = await watching();
    const output = path.join(root, "jobs", "job-1", "fi-1", "docgen", "run-1", "output");
    const reported = next();
    fs.mkdirSync(output, { recursive: true });
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(output, `${i}.pdf`), "%PDF");
    fs.writeFileSync(path.join(output, MANIFEST), "<outputList/>");
    assert.equal(await reported, path.join(output, MANIFEST));
  });

  it("watches folders, never files, and drops the watch of a folder that vanished", async () => {
    const watch = sinon.spy(fs, "watch");
    try {
      const output = path.join(root, "job-1", "output");
      fs.mkdirSync(output, { recursive: true });
      for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(output, `${i}.pdf`), "%PDF");
      await watching();
      const watched = () => watch.getCalls().map((c) => String(c.args[0]));
      assert.deepEqual(watched().sort(), [root, path.join(root, "job-1"), output].sort());
      assert.equal(
        watch.getCalls().every((c) => !(c.args[1] as fs.WatchOptions).recursive),
        true,
        "no recursive watch",
      );
      const closed = watch.getCalls().map((c) => sinon.spy(c.returnValue as fs.FSWatcher, "close"));
      fs.rmSync(path.join(root, "job-1"), { recursive: true });
      await scanner!.rescan();
      assert.deepEqual(
        closed.map((spy) => spy.called),
        [false, true, true],
        "the root keeps its watch; job-1 and its output/ lose theirs",
      );
    } finally {
      watch.restore();
    }
  });
});
