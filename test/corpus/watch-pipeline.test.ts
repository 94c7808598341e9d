/*
 * Bad-input corpus, part 1: hand-made Exstream output trees through data flow 1 as users wire it —
 * exstream-output-watch → metadata-map → cs-archive → acknowledgement back into the watch, a Catch node over map and
 * archive wired back too — in the real Node-RED runtime against the Content Server simulator.
 *
 * One table row = one job folder (its manifest and files) + the disposition it must end in: archived, or a dead
 * letter (of the communication or of the whole manifest) whose reason names the problem, raised by the node that
 * found it. All rows run in one deployment; afterwards each row is checked, the ledger must account for every
 * communication, nothing outside the root may have been opened, the canary's content must appear nowhere, and a
 * good job written last must still be archived (the runtime kept working).
 */
import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import type { EventEmitter } from "node:events";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import csArchive from "../../nodes/cs-archive/cs-archive";
import csConfig from "../../nodes/cs-config/cs-config";
import outputWatch from "../../nodes/exstream-output-watch/exstream-output-watch";
import metadataMap from "../../nodes/metadata-map/metadata-map";
import { ContentServerClient } from "../../nodes/lib/content-server";
import { readLedgerJournal } from "../../bench/soak/verify";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { engineOutputDir, outputDirOf, writeHandMadeRun, type HandMadeRun } from "../helpers/output-tree";
import { assertNoCanary, plantCanary, recordFileReads, until, type Canary, type FileReadRecorder } from "./support";

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

interface Context {
  root: string;
  canary: Canary;
}

type Expectation =
  | { archived: true; check?: (cs: Msg, emitted: Msg) => void }
  | { dead: "communication" | "manifest"; reason: RegExp; by: "exstream-output-watch" | "metadata-map" | "cs-archive" };

interface WatchCase {
  /** Also the job id, so every outcome can be traced back to its row. */
  id: string;
  title: string;
  write(id: string, ctx: Context): Promise<void>;
  expect: Expectation;
}

const PDF = { queue: "Print_PDF", mimeType: "application/pdf", pdl: "PDF" };

function keysOf(id: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const keys: Record<string, string | undefined> = {
    CustomerId: `C-${id}`,
    Title: `${id}.pdf`,
    DeliveryDate: "2026-11-26",
    PageCount: "1",
    Language: "en",
    ...overrides,
  };
  return Object.fromEntries(Object.entries(keys).filter((e): e is [string, string] => e[1] !== undefined));
}

function runOf(id: string, ctx: Context, file: Partial<HandMadeRun["files"][0]> = {}): HandMadeRun {
  return {
    root: ctx.root,
    jobId: id,
    files: [
      {
        ...PDF,
        name: `${id}.pdf`,
        content: `%PDF-1.4 ${id}`,
        customers: [{ number: "1", keys: keysOf(id) }],
        ...file,
      },
    ],
  };
}

/** A one-customer job whose manifest keys differ from the defaults. */
const withKeys =
  (overrides: Record<string, string | undefined>) =>
  async (id: string, ctx: Context): Promise<void> => {
    await writeHandMadeRun(runOf(id, ctx, { customers: [{ number: "1", keys: keysOf(id, overrides) }] }));
  };

/** A one-customer job whose manifest entry names this file (as the engine would write it). */
const withFileName =
  (name: (id: string, ctx: Context) => string, content?: string) =>
  async (id: string, ctx: Context): Promise<void> => {
    await writeHandMadeRun(runOf(id, ctx, { name: name(id, ctx), content }));
  };

/** The default manifest text of a job (UTF-16 decoded), for rows that rewrite it. */
async function manifestText(id: string, ctx: Context): Promise<{ file: string; xml: string }> {
  const file = await writeHandMadeRun(runOf(id, ctx));
  const bytes = await fsp.readFile(file);
  return { file, xml: bytes.subarray(2).toString("utf16le") };
}

/** Replaces the job's manifest by these bytes (the job's files stay). */
const rawManifest =
  (make: (xml: string, ctx: Context) => Buffer | string) =>
  async (id: string, ctx: Context): Promise<void> => {
    const { file, xml } = await manifestText(id, ctx);
    await fsp.writeFile(file, make(xml, ctx));
  };

const utf16be = (text: string): Buffer => {
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
};
const utf16leNoBom = (text: string) => Buffer.from(text, "utf16le");
const withDoctype = (xml: string, doctype: string) => xml.replace("<!DOCTYPE outputList>", doctype);

const CASES: WatchCase[] = [
  // ——— manifests ———
  {
    id: "m-empty",
    title: "an empty (0-byte) manifest",
    write: rawManifest(() => Buffer.alloc(0)),
    expect: { dead: "manifest", reason: /empty/, by: "exstream-output-watch" },
  },
  {
    id: "m-truncated",
    title: "a manifest cut off in the middle",
    write: rawManifest((xml) => utf16leNoBom(xml.slice(0, Math.floor(xml.length / 2)))),
    expect: { dead: "manifest", reason: /truncated/, by: "exstream-output-watch" },
  },
  {
    id: "m-malformed",
    title: "a manifest with mismatched tags",
    write: rawManifest((xml) => utf16leNoBom(xml.replace("</queue>", "</file></queue>"))),
    expect: { dead: "manifest", reason: /not well-formed/, by: "exstream-output-watch" },
  },
  {
    id: "m-binary",
    title: "binary garbage instead of a manifest",
    write: rawManifest(() =>
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x3c]),
    ),
    expect: { dead: "manifest", reason: /not well-formed|no outputList|truncated/, by: "exstream-output-watch" },
  },
  {
    id: "m-json",
    title: "a JSON document instead of XML",
    write: rawManifest(() => '{"outputList": {"queue": []}}'),
    expect: { dead: "manifest", reason: /not well-formed|no outputList/, by: "exstream-output-watch" },
  },
  {
    id: "m-wrong-root",
    title: "an HTML page instead of a manifest",
    write: rawManifest(() => "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    expect: { dead: "manifest", reason: /unexpected root element <html>/, by: "exstream-output-watch" },
  },
  {
    id: "m-utf16le-nobom",
    title: "a UTF-16LE manifest without BOM (valid: parsed)",
    write: rawManifest((xml) => utf16leNoBom(xml)),
    expect: { archived: true },
  },
  {
    id: "m-utf16be-nobom",
    title: "a UTF-16BE manifest without BOM (valid: parsed)",
    write: rawManifest((xml) => utf16be(xml)),
    expect: { archived: true },
  },
  {
    id: "m-utf8-bom",
    title: "a UTF-8 manifest with BOM (valid: parsed)",
    write: rawManifest((xml) =>
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml.replace('"UTF-16"', '"UTF-8"'), "utf8")]),
    ),
    expect: { archived: true },
  },
  {
    id: "m-huge",
    title: "a huge manifest (8 MB of comments around one communication) is streamed and parsed",
    write: rawManifest((xml) =>
      utf16leNoBom(xml.replace("<outputList ", `<!--${"x".repeat(4 * 1024 * 1024)}-->\n<outputList `)),
    ),
    expect: { archived: true },
  },
  {
    id: "m-long-value",
    title: "a manifest key of 100,000 characters",
    write: withKeys({ Comment: "y".repeat(100_000) }),
    expect: { dead: "manifest", reason: /value too long/, by: "exstream-output-watch" },
  },
  {
    id: "m-xxe",
    title: "an external entity pointing at a file outside the root (XXE)",
    write: rawManifest((xml, ctx) =>
      utf16leNoBom(
        withDoctype(xml, `<!DOCTYPE outputList [<!ENTITY xxe SYSTEM "file://${ctx.canary.file}">]>`).replace(
          `>C-m-xxe<`,
          ">&xxe;<",
        ),
      ),
    ),
    expect: { dead: "manifest", reason: /DTD subset or external entity: refused/, by: "exstream-output-watch" },
  },
  {
    id: "m-xxe-public",
    title: "a PUBLIC external DTD",
    write: rawManifest((xml) =>
      utf16leNoBom(withDoctype(xml, `<!DOCTYPE outputList PUBLIC "-//X//EN" "http://127.0.0.1:9/evil.dtd">`)),
    ),
    expect: { dead: "manifest", reason: /DTD subset or external entity: refused/, by: "exstream-output-watch" },
  },
  {
    id: "m-billion-laughs",
    title: "entity expansion (billion laughs)",
    write: rawManifest((xml) => {
      const levels = ['<!ENTITY lol0 "lol">'];
      for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
      return utf16leNoBom(
        withDoctype(xml, `<!DOCTYPE outputList [${levels.join("")}]>`).replace(">C-m-billion-laughs<", ">&lol9;<"),
      );
    }),
    expect: { dead: "manifest", reason: /refused/, by: "exstream-output-watch" },
  },
  {
    id: "m-undeclared-entity",
    title: "an undeclared entity reference without a DTD",
    write: rawManifest((xml) => utf16leNoBom(xml.replace(">C-m-undeclared-entity<", ">&secret;<"))),
    expect: { dead: "manifest", reason: /entity/, by: "exstream-output-watch" },
  },
  {
    id: "m-no-number",
    title: "a customer without its number attribute",
    write: rawManifest((xml) => utf16leNoBom(xml.replace('<customer number="1">', "<customer>"))),
    expect: { dead: "manifest", reason: /customer element without a number/, by: "exstream-output-watch" },
  },
  {
    id: "m-no-file-name",
    title: "a file element without its name attribute",
    write: rawManifest((xml) => utf16leNoBom(xml.replace(/<file name="[^"]*">/, "<file>"))),
    expect: { dead: "communication", reason: /not inside an output\/ folder/, by: "exstream-output-watch" },
  },
  // ——— paths ———
  {
    id: "p-dotdot",
    title: "a file name climbing out with ..",
    write: withFileName((id, ctx) => `${engineOutputDir(runOf(id, ctx))}/../../../../../../../../outside/canary.pdf`),
    expect: { dead: "communication", reason: /climbs out of its output folder/, by: "exstream-output-watch" },
  },
  {
    id: "p-backslash",
    title: "a Windows-style name climbing out with ..\\",
    write: withFileName(() => "D:\\exstream\\output\\..\\..\\..\\outside\\canary.pdf"),
    expect: { dead: "communication", reason: /climbs out of its output folder/, by: "exstream-output-watch" },
  },
  {
    id: "p-absolute",
    title: "an absolute name outside any output folder (the canary itself)",
    write: withFileName((_id, ctx) => ctx.canary.file),
    expect: { dead: "communication", reason: /not inside an output\/ folder/, by: "exstream-output-watch" },
  },
  {
    id: "p-symlink-file",
    title: "a symbolic link to a file outside the root",
    write: async (id, ctx) => {
      const run = runOf(id, ctx, { content: undefined });
      await writeHandMadeRun(run);
      await fsp.mkdir(path.join(outputDirOf(run), "Queue_1_Print_PDF"), { recursive: true });
      await fsp.symlink(ctx.canary.file, path.join(outputDirOf(run), "Queue_1_Print_PDF", `${id}.pdf`));
    },
    expect: { dead: "communication", reason: /link to a place outside the watched root/, by: "exstream-output-watch" },
  },
  {
    id: "p-symlink-dir",
    title: "a queue folder that is a symbolic link out of the root",
    write: async (id, ctx) => {
      const run = runOf(id, ctx, { content: undefined });
      await writeHandMadeRun(run);
      await fsp.copyFile(ctx.canary.file, path.join(ctx.canary.dir, `${id}.pdf`));
      await fsp.symlink(ctx.canary.dir, path.join(outputDirOf(run), "Queue_1_Print_PDF"));
    },
    expect: { dead: "communication", reason: /link to a place outside the watched root/, by: "exstream-output-watch" },
  },
  {
    id: "p-encoded",
    title: "percent-encoded dot segments are a literal (missing) name, not decoded",
    write: withFileName((id, ctx) => `${engineOutputDir(runOf(id, ctx))}/%2e%2e%2f%2e%2e%2fcanary.pdf`),
    expect: { dead: "communication", reason: /does not exist/, by: "exstream-output-watch" },
  },
  {
    id: "p-missing",
    title: "a file the manifest lists but that is not there (after the grace period), named by its local path",
    write: withFileName((id) => `${id}.pdf`, undefined),
    expect: {
      dead: "communication",
      reason: /p-missing\.pdf" \(looked for at \/.*\/p-missing\.pdf\) does not exist/,
      by: "exstream-output-watch",
    },
  },
  {
    id: "p-zero-byte",
    title: "a zero-byte output file",
    write: withFileName((id) => `${id}.pdf`, ""),
    expect: { dead: "communication", reason: /is empty \(0 bytes\)/, by: "exstream-output-watch" },
  },
  {
    id: "p-directory",
    title: "a name that is a directory, not a file",
    write: async (id, ctx) => {
      const run = runOf(id, ctx, { content: undefined });
      await writeHandMadeRun(run);
      await fsp.mkdir(path.join(outputDirOf(run), "Queue_1_Print_PDF", `${id}.pdf`), { recursive: true });
    },
    expect: { dead: "communication", reason: /not a regular file/, by: "exstream-output-watch" },
  },
  // ——— metadata ———
  {
    id: "d-invalid-date",
    title: "an impossible date (31.02.2026)",
    write: withKeys({ DeliveryDate: "31.02.2026" }),
    expect: { dead: "communication", reason: /Delivery Date:/, by: "metadata-map" },
  },
  {
    id: "d-ambiguous-date",
    title: "an ambiguous slash date (03/04/2026) without a date order",
    write: withKeys({ DeliveryDate: "03/04/2026" }),
    expect: { dead: "communication", reason: /Delivery Date:.*(ambiguous|order)/i, by: "metadata-map" },
  },
  {
    id: "d-garbage-date",
    title: "a date that is no date at all",
    write: withKeys({ DeliveryDate: "next Tuesday-ish" }),
    expect: { dead: "communication", reason: /Delivery Date:/, by: "metadata-map" },
  },
  {
    id: "d-missing-required",
    title: "a missing required attribute (Customer ID)",
    write: withKeys({ CustomerId: undefined }),
    expect: { dead: "communication", reason: /Customer ID: required/, by: "metadata-map" },
  },
  {
    id: "d-wrong-type",
    title: "a wrong type (Page Count 'twelve')",
    write: withKeys({ PageCount: "twelve" }),
    expect: { dead: "communication", reason: /Page Count:/, by: "metadata-map" },
  },
  {
    id: "d-too-long",
    title: "a value longer than the attribute allows (Language > 16)",
    write: withKeys({ Language: "a language name far longer than sixteen" }),
    expect: { dead: "communication", reason: /Language:/, by: "metadata-map" },
  },
  // ——— names ———
  {
    id: "n-too-long",
    title: "a 300-character document name is shortened to 248, extension kept",
    write: withKeys({ Title: `${"L".repeat(296)}.pdf` }),
    expect: {
      archived: true,
      check: (cs) => {
        assert.equal(cs.name.length, 248);
        assert.match(cs.name, /^L+\.pdf$/);
      },
    },
  },
  {
    id: "n-forbidden",
    title: "a name with characters CS forbids is cleaned",
    write: withKeys({ Title: 'Q1: a/b*c?"<x>|.pdf' }),
    expect: {
      archived: true,
      check: (cs) => assert.doesNotMatch(cs.name, /[:/\\*?"<>|]/),
    },
  },
  {
    id: "n-only-forbidden",
    title: "a name of nothing but forbidden characters becomes replacement characters",
    write: withKeys({ Title: '??**::""' }),
    expect: { archived: true, check: (cs) => assert.match(cs.name, /^_+$/) },
  },
  {
    id: "n-control",
    title: "a name with control characters and trailing dots is cleaned",
    write: withKeys({ Title: "tab\there\u0007bell...  " }),
    expect: {
      archived: true,
      check: (cs) => {
        assert.ok(![...String(cs.name)].some((ch) => ch.charCodeAt(0) < 0x20), "no control character left");
        assert.doesNotMatch(cs.name, /[. ]$/);
      },
    },
  },
  {
    id: "n-nothing-left",
    title: "a name of nothing but dots and spaces",
    write: withKeys({ Title: " . .. . " }),
    expect: { dead: "communication", reason: /nothing usable is left/, by: "cs-archive" },
  },
  {
    id: "n-no-template-value",
    title: "a name template whose key the manifest lacks",
    write: withKeys({ Title: undefined }),
    expect: { dead: "communication", reason: /Title/, by: "cs-archive" },
  },
  // ——— control ———
  {
    id: "g-good",
    title: "a well-formed job (control)",
    write: async (id, ctx) => {
      await writeHandMadeRun(runOf(id, ctx));
    },
    expect: { archived: true },
  },
];

describe("bad-input corpus: Exstream output → metadata-map → cs-archive (real runtime, CS simulator)", function () {
  this.timeout(60_000);
  let sim: ContentServerSimulator;
  let cs: ContentServerClient;
  let tmp: string;
  let ctx: Context;
  let ledgerDir: string;
  let reads: FileReadRecorder;
  const emitted: Msg[] = [];
  const archived: Msg[] = [];
  const dead: Msg[] = [];
  const caughtDownstream: Msg[] = [];
  const caughtWatch: Msg[] = [];

  const jobOf = (msg: Msg): string | undefined =>
    msg.document?.job?.jobId ?? /jobs[/\\]([^/\\]+)/.exec(String(msg.manifest?.path ?? ""))?.[1];

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "corpus-watch-"));
    const root = path.join(tmp, "root");
    ledgerDir = path.join(tmp, "ledger");
    await fsp.mkdir(root, { recursive: true });
    ctx = { root, canary: await plantCanary(tmp) };
    sim = await startSeededContentServer();
    cs = new ContentServerClient({ baseUrl: sim.url, credentials: DEMO_LOGIN });
    const folder = (await cs.nodes.createFolder(2301, `corpus-${Date.now()}`)).id;
    for (const row of CASES) await row.write(row.id, ctx);
    reads = recordFileReads();
    await helper.startServer();
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "cfg", type: "cs-config", baseUrl: sim.url, authMode: "cs", retryBaseDelayMs: "10" },
      {
        id: "watch",
        z: "tab1",
        type: "exstream-output-watch",
        source: "folder",
        root,
        rootType: "str",
        ledgerDir,
        stabilityWindowMs: "40",
        scanIntervalMs: "100",
        // A missing file is looked for again this long (a network share may show it late), then dead-lettered.
        missingFileGraceMs: "300",
        ackTimeoutMs: "30000",
        retryDelayMs: "0",
        manifestAttempts: "2",
        maxAttempts: "3",
        maxInFlight: "50",
        wires: [["map", "emitted"], ["dead"]],
      },
      {
        id: "map",
        z: "tab1",
        type: "metadata-map",
        server: "cfg",
        mode: "category",
        category: "Customer Communication",
        rules: [
          { target: "Customer ID", sourceType: "key", source: "CustomerId" },
          { target: "Delivery Date", sourceType: "key", source: "DeliveryDate" },
          { target: "Page Count", sourceType: "key", source: "PageCount" },
          { target: "Language", sourceType: "key", source: "Language" },
        ],
        wires: [["archive"]],
      },
      {
        id: "archive",
        z: "tab1",
        type: "cs-archive",
        server: "cfg",
        targetType: "folder",
        folderId: String(folder),
        folderIdType: "num",
        nameTemplate: "{{document.keys.Title}}",
        category: "Customer Communication",
        checksumAttribute: "SHA-256",
        wires: [["watch", "archived"]],
      },
      // One Catch node for the whole tab, wired back into the watch (which ignores its own dead letters coming back).
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["watch", "caught"]] },
      ...["emitted", "archived", "dead", "caught"].map((id) => ({ id, z: "tab1", type: "helper" })),
    ];
    await helper.load([csConfig, outputWatch, metadataMap, csArchive], flow as helper.TestFlows, {
      cfg: DEMO_LOGIN,
    });
    const listen = (id: string, sink: Msg[]) =>
      (helper.getNode(id) as unknown as EventEmitter).on("input", (m: Msg) => sink.push(m));
    listen("emitted", emitted);
    listen("archived", archived);
    listen("dead", dead);
    (helper.getNode("caught") as unknown as EventEmitter).on("input", (m: Msg) =>
      (m.error?.source?.id === "watch" ? caughtWatch : caughtDownstream).push(m),
    );
    const settled = () => CASES.every((row) => outcomeOf(row.id) !== undefined);
    await until(settled, "every corpus row to reach its disposition", 40_000).catch((err: Error) => {
      const open = CASES.filter((row) => outcomeOf(row.id) === undefined).map((row) => row.id);
      throw new Error(`${err.message}; still open: ${open.join(", ")}`);
    });
  });

  after(async () => {
    reads?.restore();
    await helper.unload();
    await helper.stopServer();
    await cs?.close();
    await sim?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  function outcomeOf(id: string): { archived?: Msg; dead?: Msg } | undefined {
    const stored = archived.find((m) => jobOf(m) === id);
    if (stored) return { archived: stored };
    const letter = dead.find((m) => jobOf(m) === id);
    return letter ? { dead: letter } : undefined;
  }

  for (const row of CASES) {
    it(`${row.id}: ${row.title}`, () => {
      const outcome = outcomeOf(row.id)!;
      const { expect } = row;
      if ("archived" in expect) {
        assert.equal(outcome.dead, undefined, `dead-lettered: ${outcome.dead?.deadLetter?.reason}`);
        const cs = outcome.archived!.cs;
        assert.equal(cs.outcome, "created");
        assert.ok(Number.isInteger(cs.nodeId) && cs.nodeId > 0);
        assert.equal(cs.sha256, outcome.archived!.document.sha256, "stored the SHA-256 of the file it read");
        expect.check?.(cs, outcome.archived!);
        return;
      }
      assert.ok(outcome.dead, `expected a dead letter, got an archive (${outcome.archived?.cs?.name})`);
      const letter = outcome.dead;
      assert.equal(letter.deadLetter.kind, expect.dead);
      assert.match(letter.deadLetter.reason, expect.reason);
      assert.equal(letter.payload, letter.deadLetter.reason);
      assert.equal(dead.filter((m) => jobOf(m) === row.id).length, 1, "dead-lettered once");
      assert.equal(archived.filter((m) => jobOf(m) === row.id).length, 0, "not archived");
      // The watch raises the dead letter as an error: a Catch node gets it, with the reason.
      const raised = caughtWatch.find((m) => jobOf(m) === row.id);
      assert.ok(raised, "a Catch node on the watch received the dead letter");
      assert.match(raised.error.message, /^OutputWatchError: /);
      assert.equal(raised.error.source.id, "watch");
      if (expect.by === "exstream-output-watch") {
        assert.ok(!emitted.some((m) => jobOf(m) === row.id), "never emitted downstream");
        assert.ok(!caughtDownstream.some((m) => jobOf(m) === row.id));
        return;
      }
      // Found downstream: the node's error reached the Catch node with the original message and a permanent
      // failure, so the watch dead-lettered it at once (one attempt), and nothing reached Content Server.
      const caught = caughtDownstream.find((m) => jobOf(m) === row.id);
      assert.ok(caught, `the Catch node received the ${expect.by} error`);
      assert.equal(caught.error.source.type, expect.by);
      assert.match(caught.error.message, expect.reason);
      assert.equal(caught.failure.permanent, true);
      assert.equal(caught.document.id, letter.document.id, "the original message (its document id) came along");
      assert.equal(letter.deadLetter.attempts, 1);
    });
  }

  it("accounts for every communication in the ledger (archived = done, refused = dead) and never opened a file outside the root", async () => {
    // Read, not opened: the running watch owns its ledger (a second owner is refused).
    const entries = [...readLedgerJournal(path.join(ledgerDir, "communications.journal")).values()];
    const manifests = readLedgerJournal(path.join(ledgerDir, "manifests.journal"));
    const deadManifests = [...manifests.values()].filter((e) => e.state === "dead");
    for (const row of CASES) {
      const outcome = outcomeOf(row.id)!;
      if (outcome.dead?.deadLetter.kind === "manifest") {
        assert.ok(
          deadManifests.some((e) => e.id === outcome.dead!.deadLetter.id),
          `${row.id}: manifest recorded as dead`,
        );
        continue;
      }
      const entry = entries.find((e) => e.item.document.job.jobId === row.id);
      assert.ok(entry, `${row.id}: in the ledger`);
      assert.equal(entry.state, outcome.archived ? "done" : "dead", row.id);
      if (entry.state === "dead") assert.equal(entry.reason, outcome.dead!.deadLetter.reason);
    }
    assert.ok(
      entries.every((e) => e.state === "done" || e.state === "dead"),
      "nothing pending or in flight",
    );
    reads.assertNothingReadUnder(ctx.canary.dir);
    assertNoCanary(ctx.canary, emitted, archived, dead, caughtDownstream, caughtWatch);
    for (const msg of archived) {
      const { stream } = await cs.documents.downloadContent(msg.cs.nodeId);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      assertNoCanary(ctx.canary, Buffer.concat(chunks));
    }
  });

  it("keeps working after the whole corpus: a good job written afterwards is archived", async () => {
    await writeHandMadeRun(runOf("g-after", ctx));
    await until(() => outcomeOf("g-after") !== undefined, "the job written after the corpus");
    assert.equal(outcomeOf("g-after")!.archived?.cs.outcome, "created");
  });
});
