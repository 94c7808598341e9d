import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseOutputWatchOptions } from "../../../nodes/lib/watch";
import { ledgerFolderOf, ledgerInUse, startWatch } from "../../../nodes/lib/watch/running-watch";

describe("watch: a running watch and its ledger folder", () => {
  let dir: string;
  beforeEach(async () => (dir = await fsp.mkdtemp(path.join(os.tmpdir(), "running-watch-"))));
  afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

  it("keeps its ledger in the configured folder, else in one named after the ledger below the work folder", () => {
    assert.equal(ledgerFolderOf("relative/ledger", "/work", "n1"), path.resolve("relative/ledger"));
    assert.equal(ledgerFolderOf("", "/work", "Orders (EU)/2026"), path.join("/work", "Orders__EU__2026"));
    assert.equal(ledgerFolderOf("", "/work", "orders.eu-1_a"), path.join("/work", "orders.eu-1_a"));
  });

  it("holds its ledger folder from the start until it has closed", async () => {
    const ledgerDir = path.join(dir, "ledger");
    const running = startWatch({
      options: parseOutputWatchOptions({ root: path.join(dir, "output"), watchMethod: "poll" }),
      ledgerDir,
      events: {
        emit: () => undefined,
        deadLetter: () => undefined,
        warn: () => undefined,
        stopped: () => undefined,
        status: () => undefined,
      },
    });
    assert.equal(ledgerInUse(ledgerDir), true);
    assert.equal(ledgerInUse(path.join(dir, "other")), false);
    const closing = running.close();
    assert.equal(ledgerInUse(ledgerDir), true, "still held while the watcher closes");
    await closing;
    assert.equal(ledgerInUse(ledgerDir), false);
    assert.equal(running.watcher.open, false);
  });
});
