#!/usr/bin/env node
/*
 * Starts the simulators:
 *   node sim/dist/cli.js content-server --port 8181 [--data <dir>] [--seed demo|empty]
 *   node sim/dist/cli.js exstream --port 8282 --output <dir> [--seed demo]
 *   node sim/dist/cli.js all [--seed demo] [--data <dir>]
 * Each simulator reads the flags that concern it; see its README section.
 */
import path from "node:path";
import { startContentServerSimulator } from "./content-server";
import { startExstreamSimulator } from "./exstream";
import type { RunningSimulator, SimulatorFlags } from "./types";

export function parseFlags(argv: string[]): SimulatorFlags {
  const flags: SimulatorFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (inline !== undefined) flags[name] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags[name] = argv[++i];
    else flags[name] = true;
  }
  return flags;
}

async function startContentServer(flags: SimulatorFlags): Promise<RunningSimulator> {
  const sim = await startContentServerSimulator(flags);
  console.log(`content-server listening on ${sim.url}`);
  return sim;
}

async function startExstream(flags: SimulatorFlags): Promise<RunningSimulator> {
  const sim = await startExstreamSimulator(flags);
  console.log(`exstream listening on ${sim.url}`);
  return sim;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const flags = parseFlags(rest);
  const running: RunningSimulator[] = [];
  switch (command) {
    case "content-server":
      running.push(await startContentServer(flags));
      break;
    case "exstream":
      running.push(await startExstream(flags));
      break;
    case "all": {
      const data = typeof flags.data === "string" ? flags.data : undefined;
      running.push(
        await startContentServer({
          ...flags,
          port: flags["cs-port"] ?? "8181",
          data: data && path.join(data, "content-server"),
        }),
      );
      running.push(
        await startExstream({
          ...flags,
          port: flags["exstream-port"] ?? "8282",
          output: flags.output ?? (data ? path.join(data, "exstream-output") : undefined),
          data: data && path.join(data, "exstream"),
        }),
      );
      break;
    }
    default:
      console.error(
        "usage: cli.js content-server|exstream|all [--port N] [--seed demo|empty] [--data dir] [--output dir]",
      );
      process.exit(2);
  }
  const stop = async () => {
    await Promise.all(running.map((s) => s.close()));
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
