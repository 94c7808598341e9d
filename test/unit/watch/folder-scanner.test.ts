import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
