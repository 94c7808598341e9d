/*
 * Large-tree corpus: an Exstream output share of 200,000 files (400 engine runs of 500 output files each, written flat
 * into their output/ folders) and the output watch's folder scanner over it. What a rescan costs is counted, not
 * timed: every directory listing (fs.promises.readdir) and every entry such a listing returns.
 *   - the first scan finds every run's manifest without ever listing an output/ folder;
 *   - a rescan of an unchanged tree lists no folder at all and reports no settled manifest again;
 *   - a new run costs the listings along its own path only;
 *   - a periodic full rescan lists every folder again, still no output/ folder.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { OutputFolderScanner } from "../../nodes/lib/watch/folder-scanner";

const RUNS = 400;
const FILES_PER_RUN = 500;
const MANIFEST = "_STDDELIVERYFILE.xml";
const HOUR_MS = 3_600_000;

/** Creates one run's folder with its output files and (last) its manifest; returns the manifest path. */
function writeRun(root: string, job: string, files: number): string {
  const output = path.join(root, "t1", "Demo", "jobs", job, "fi-1", "docgen", "run-1", "output");
  fs.mkdirSync(output, { recursive: true });
  for (let i = 0; i < files; i++) fs.closeSync(fs.openSync(path.join(output, `ACC-${i}_Statement.pdf`), "w"));
  const manifest = path.join(output, MANIFEST);
  fs.writeFileSync(manifest, "<outputList/>");
  return manifest;
}

/** Sets the modification time of every folder below `dir` (and `dir`) to `when`: a tree written a while ago. */
function backdateFolders(dir: string, when: Date): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "output") backdateFolders(path.join(dir, entry.name), when);
  }
  fs.utimesSync(dir, when, when);
}

describe("corpus: rescanning a 200,000-file output tree", function () {
  this.timeout(300_000);
  let root: string;
  let scanner: OutputFolderScanner;
  let clock: number;
  const reported: string[] = [];
  const settled = new Set<string>();
  const listings = { calls: 0, entries: 0, folders: [] as string[] };

  const reset = () => {
    reported.length = 0;
    Object.assign(listings, { calls: 0, entries: 0, folders: [] });
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "scan-corpus-"));
    for (let r = 0; r < RUNS; r++) writeRun(root, `job-${r}`, FILES_PER_RUN);
    backdateFolders(root, new Date(Date.now() - HOUR_MS));
    clock = Date.now();
    scanner = new OutputFolderScanner({
      root,
      manifestName: MANIFEST,
      method: "poll",
      scanIntervalMs: HOUR_MS, // rescans are started by the test
      fullRescanIntervalMs: 6 * HOUR_MS,
      onManifest: (file) => reported.push(file),
      isSettled: (file) => settled.has(file),
      now: () => clock,
    });
    const readdir = fs.promises.readdir;
    sinon.replace(fs.promises, "readdir", (async (...args: Parameters<typeof readdir>) => {
      listings.calls++;
      listings.folders.push(String(args[0]));
      const entries = await (readdir as (...a: unknown[]) => Promise<unknown[]>).apply(fs.promises, args);
      listings.entries += entries.length;
      return entries;
    }) as typeof readdir);
  });
  after(async () => {
    sinon.restore();
    await scanner.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it(`the first scan finds all ${RUNS} manifests among ${(RUNS * FILES_PER_RUN).toLocaleString("en")} files without listing an output/ folder`, async () => {
    reset();
    await scanner.rescan();
    assert.equal(new Set(reported).size, RUNS);
    assert.ok(!listings.folders.some((f) => path.basename(f) === "output"), "no output/ folder listed");
    // root, t1, Demo, jobs, then job, fi-1, docgen, run-1 per run.
    for (const file of reported) settled.add(file);
    assert.equal(listings.calls, 4 + 4 * RUNS);
    // jobs/ lists every run, each run folder on the way down one entry: about 5 per run, not 500.
    assert.ok(listings.entries < 6 * RUNS, `${listings.entries} entries visited, not one per output file`);
  });

  it("a rescan of the unchanged tree lists no folder and reports no settled manifest again", async () => {
    reset();
    await scanner.rescan();
    assert.equal(listings.calls, 0, `listed: ${listings.folders.slice(0, 5).join(", ")}`);
    assert.equal(listings.entries, 0);
    assert.deepEqual(reported, []);
  });

  it("a new run costs the listings along its own path: its manifest is found, nothing else is read", async () => {
    const manifest = writeRun(root, "job-new", 50);
    reset();
    await scanner.rescan();
    assert.deepEqual(reported, [manifest]);
    const jobs = path.join(root, "t1", "Demo", "jobs");
    assert.deepEqual(listings.folders.sort(), [
      jobs,
      path.join(jobs, "job-new"),
      path.join(jobs, "job-new", "fi-1"),
      path.join(jobs, "job-new", "fi-1", "docgen"),
      path.join(jobs, "job-new", "fi-1", "docgen", "run-1"),
    ]);
    assert.ok(listings.entries <= RUNS + 1 + 4, `${listings.entries} entries visited`);
  });

  it("a full rescan (every fullRescanIntervalMs) lists every folder again, still never an output/ folder", async () => {
    clock += 6 * HOUR_MS;
    reset();
    await scanner.rescan();
    assert.equal(listings.calls, 4 + 4 * (RUNS + 1));
    assert.ok(!listings.folders.some((f) => path.basename(f) === "output"), "no output/ folder listed");
    assert.ok(listings.entries < 6 * (RUNS + 1), `${listings.entries} entries visited`);
    // The new run's manifest is not settled: reported again; the settled ones are not.
    assert.deepEqual(reported, [
      path.join(root, "t1", "Demo", "jobs", "job-new", "fi-1", "docgen", "run-1", "output", MANIFEST),
    ]);
  });
});
