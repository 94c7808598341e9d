/**
 * `npm run soak` — the reliability soak of data flow 1 (see soak.ts). Prints the figures as a table and exits 1 when
 * any of them is off.
 *
 *   npm run soak                                   # 5,000 communications, 3 SIGKILLs, 30 min hard deadline
 *   npm run soak -- --communications 2000 --kills 3 --batch 200 --deadline-min 30 --seed 42 --keep
 */
import { parseArgs } from "node:util";
import { runSoak, type SoakReport } from "./soak";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      communications: { type: "string", default: "5000" },
      batch: { type: "string", default: "200" },
      kills: { type: "string", default: "3" },
      "deadline-min": { type: "string", default: "30" },
      seed: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const started = Date.now();
  const report = await runSoak({
    communications: Number(values.communications),
    batchSize: Number(values.batch),
    kills: Number(values.kills),
    deadlineMs: Number(values["deadline-min"]) * 60_000,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    keep: values.keep,
    progress: (line) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`),
  });
  printReport(report);
  return report.ok ? 0 : 1;
}

export function printReport(report: SoakReport): void {
  const f = report.figures;
  const r = report.run;
  const rows: Array<[string, string | number, string]> = [
    ["communications submitted (Exstream batch jobs)", f.communicationsSubmitted, ""],
    ["communications in the output tree", f.communicationsInOutput, "= submitted"],
    ["ledger entries", f.ledgerEntries, "= submitted"],
    ["  archived (acknowledged)", f.archived, ""],
    [
      "    outcomes",
      Object.entries(f.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
      "",
    ],
    ["    emitted more than once", f.emittedAgain, ""],
    ["  dead-lettered (with reason)", f.deadLettered - f.deadWithoutReason, ""],
    ["  dead-lettered without reason", f.deadWithoutReason, "0"],
    ["  unfinished (pending / in flight)", f.unfinished, "0"],
    ["ledger ↔ output tree mismatches", f.ledgerWithoutSource + f.sourceWithoutLedger, "0"],
    ["acks naming no matching CS document", f.ackWithoutCsNode, "0"],
    ["CS documents expected", f.csDocumentsExpected, ""],
    ["CS documents found", f.csDocumentsFound, "= expected (+ dead letters' parts)"],
    ["  of dead-lettered communications", f.csDocumentsOfDeadLetters, ""],
    ["missing in CS", f.missing, "0"],
    ["matching no source file", f.unexpected, "0"],
    ["duplicates by name", f.duplicateNames, "0"],
    ["duplicates by SHA-256", f.duplicateSha256, "0"],
    ["SHA-256 attribute ≠ stored bytes / source", f.sha256AttributeMismatches, "0"],
    ["extra versions", f.extraVersions, "0"],
    [
      "SIGKILLs (at % of documents)",
      `${r.kills} (${r.killsAtProgress.map((p) => (100 * p).toFixed(0)).join(", ")})`,
      "",
    ],
    ["Node-RED starts / unexpected exits", `${r.starts} / ${r.unexpectedExits}`, "… / 0"],
    ["CS requests / faults injected", `${r.csRequests} / ${r.csFaultsInjected}`, ""],
    ["ticket expiries applied by the CS simulator", r.ticketExpiries, "≥ 1"],
    ["  logins that followed an expiry", r.loginsAfterExpiry, "≥ 1"],
    ["log lines fatal / error / warn", `${r.logLines.fatal} / ${r.logLines.error} / ${r.logLines.warn}`, "0 / … / …"],
    ["secrets in logs", r.secretsInLogs, "0"],
    ["production time (s)", (r.productionMs / 1000).toFixed(1), ""],
    ["total time (s)", (r.durationMs / 1000).toFixed(1), r.deadlineMet ? "within deadline" : "DEADLINE MISSED"],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(
    `\nSoak of data flow 1 (flow: ${r.flowSource === "example" ? "examples/01" : "inline DF1"}, seed ${r.seed})`,
  );
  for (const [label, value, want] of rows) {
    console.log(`  ${label.padEnd(width)}  ${String(value).padStart(14)}  ${want}`);
  }
  for (const dead of f.deadLetters) console.log(`  dead letter ${dead.id}: ${dead.reason}`);
  if (r.workDir) console.log(`  work dir kept: ${r.workDir}`);
  console.log(report.ok ? "\nSOAK PASSED" : `\nSOAK FAILED: ${report.problems.join("; ")}`);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
