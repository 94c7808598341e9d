/**
 * Install footprint: what installing the node package from the palette brings along (scripts/footprint.js), against
 * the package as it was before the simulators moved into their own workspace package. Sizes do not depend on the
 * machine, so the "before" figures are the same script's output on that commit rather than a second measurement.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./harness/child";
import { fixed } from "./harness/stats";
import type { BenchmarkModule, BenchmarkReport } from "./harness/types";

interface Footprint {
  size: number;
  unpackedSize: number;
  files: number;
  paths: string[];
  direct: string[];
  dependencies: number;
  installedBytes: number;
}

const { footprint: measureFootprint } = require("../scripts/footprint.js") as { footprint: () => Footprint };

/** `node scripts/footprint.js` on commit 1fa3678, the last one before the simulators left the node package. */
const BEFORE = { commit: "1fa3678", packedKiB: 1094, packages: 68, installedMB: 25.5 };
/** What the simulators need and the nodes do not: none of it may ship with the nodes. */
const SIMULATOR_ONLY = /(^|\/)sim\/|\.(ttf|otf|afm)$|pdfkit|fontkit|adm-zip|busboy/;

export const footprint: BenchmarkModule = {
  id: "footprint",
  title: "Install footprint of the node package",
  async run(ctx) {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "nodes"))) throw new Error("dist/ missing: run `npm run build`");
    const now = measureFootprint();
    const simulatorFiles = now.paths.filter((p) => SIMULATOR_ONLY.test(p));
    ctx.log(`footprint: ${(now.size / 1024).toFixed(0)} kB packed, ${now.dependencies} runtime packages`);
    return report(now, simulatorFiles);
  },
};

function report(now: Footprint, simulatorFiles: string[]): BenchmarkReport {
  const kib = now.size / 1024;
  const installedMB = now.installedBytes / 1e6;
  return {
    id: "Footprint",
    title: footprint.title,
    method: [
      "`scripts/footprint.js` (also `npm run footprint`): the tarball `npm pack --dry-run` builds from `files` (dist/ built first), the runtime dependencies reachable from the package's `dependencies` in package-lock.json, and their size on disk in node_modules.",
      `Before: the same script on commit ${BEFORE.commit}, the last one before the simulators, their PDF engine and fonts moved into the workspace package \`sim/\` (\`@ccm-bridge/exstream-xecm-sim\`). Sizes do not depend on the machine's speed.`,
    ],
    checks: [
      {
        what: "packed size (kB)",
        ours: fixed(kib, 0),
        baseline: String(BEFORE.packedKiB),
        ratio: fixed(kib / BEFORE.packedKiB),
        target: "≤ before",
        pass: kib <= BEFORE.packedKiB,
      },
      {
        what: "runtime packages installed with the nodes (direct + transitive)",
        ours: String(now.dependencies),
        baseline: String(BEFORE.packages),
        ratio: fixed(now.dependencies / BEFORE.packages),
        target: "≤ before",
        pass: now.dependencies <= BEFORE.packages,
      },
      {
        what: "simulator code, fonts or PDF engine in the package (files)",
        ours: String(simulatorFiles.length),
        target: "0",
        pass: simulatorFiles.length === 0,
      },
    ],
    tables: [
      {
        caption: "Install footprint",
        headers: ["", "packed", "unpacked", "files", "runtime dependencies", "packages", "on disk"],
        rows: [
          [
            `before (${BEFORE.commit})`,
            `${BEFORE.packedKiB} kB`,
            "—",
            "—",
            "—",
            String(BEFORE.packages),
            `${BEFORE.installedMB} MB`,
          ],
          [
            "now",
            `${fixed(kib, 0)} kB`,
            `${fixed(now.unpackedSize / 1e6, 1)} MB`,
            String(now.files),
            now.direct.join(", "),
            String(now.dependencies),
            `${fixed(installedMB, 1)} MB`,
          ],
        ],
      },
    ],
    limits: [],
    notes: simulatorFiles.length ? [`Simulator files in the package: ${simulatorFiles.join(", ")}`] : [],
  };
}
