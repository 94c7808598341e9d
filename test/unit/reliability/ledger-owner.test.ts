/*
 * One owner per ledger journal: a second live process is refused with the holder's pid and host, a lock left by a
 * process that is gone is taken over with a warning, and closing gives the lock back.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DurableLedger } from "../../../nodes/lib/reliability/ledger";

const LEDGER_MODULE = path.resolve(__dirname, "../../../nodes/lib/reliability/ledger.ts");

/** A tiny script that opens the ledger, says so, and keeps it open until its stdin closes. */
function script(file: string): string {
  return `
    const { DurableLedger } = require(${JSON.stringify(LEDGER_MODULE)});
    try {
      const ledger = new DurableLedger({ file: ${JSON.stringify(file)}, maxAttempts: 3 });
      process.stdout.write("open\\n");
      process.stdin.on("end", () => { ledger.close(); process.exit(0); });
      process.stdin.resume();
    } catch (err) {
      process.stdout.write("refused: " + err.message + "\\n");
      process.exit(3);
    }`;
}

describe("durable ledger: one owner", function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-owner-"));
    file = path.join(dir, "journal.jsonl");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses a second process while the first holds the ledger, naming the holder's pid and host", async () => {
    const holder = spawn(process.execPath, ["--require", "tsx/cjs", "-e", script(file)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (chunk: Buffer) => (String(chunk).includes("open") ? resolve() : undefined));
        holder.on("exit", (code) => reject(new Error(`holder exited with ${code}`)));
      });
      assert.throws(
        () => new DurableLedger({ file, maxAttempts: 3 }),
        (err: Error) => {
          assert.equal(err.name, "LockedByOtherError");
          assert.ok(err.message.includes(`process ${holder.pid} on host ${os.hostname()}`), err.message);
          return true;
        },
      );
      const lock = JSON.parse(fs.readFileSync(`${file}.lock`, "utf8"));
      assert.equal(lock.pid, holder.pid, "the refusal left the holder's lock alone");
    } finally {
      const exited = new Promise((resolve) => holder.on("exit", resolve));
      holder.stdin.end();
      await exited;
    }
    assert.equal(fs.existsSync(`${file}.lock`), false, "closing gave the lock back");
    const next = new DurableLedger({ file, maxAttempts: 3 });
    next.close();
  });

  it("a second process is refused while this one holds the ledger", () => {
    const ledger = new DurableLedger({ file, maxAttempts: 3 });
    try {
      const child = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script(file)], {
        input: "",
        encoding: "utf8",
      });
      assert.equal(child.status, 3);
      assert.match(child.stdout, new RegExp(`refused: .*in use by process ${process.pid} on host `));
    } finally {
      ledger.close();
    }
  });

  it("takes over the lock of a process that is gone, with a warning naming it", () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const pid = Number(gone.stdout);
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: os.hostname(), startedAt: 1 }));
    const warnings: string[] = [];
    const ledger = new DurableLedger({ file, maxAttempts: 3, onWarning: (m) => warnings.push(m) });
    assert.match(warnings.join("\n"), new RegExp(`taking over the lock of process ${pid} on ${os.hostname()}`));
    assert.equal(JSON.parse(fs.readFileSync(`${file}.lock`, "utf8")).pid, process.pid);
    ledger.close();
  });

  it("refuses a second ledger on the same journal in the same process", () => {
    const ledger = new DurableLedger({ file, maxAttempts: 3 });
    assert.throws(() => new DurableLedger({ file, maxAttempts: 3 }), /already open in this process/);
    ledger.close();
  });
});
