/**
 * Named points where a test can stop the process dead (SIGKILL: no shutdown hooks, no flush) to prove that nothing is
 * lost or done twice after a real crash at exactly that moment. Disarmed unless the environment variable
 * `EXSTREAM_XECM_CRASH_AT` names a point, as `<point>` or `<point>@<n>` (the n-th time it is reached; default 1).
 * Points: `watch:hand-out` (an item is in flight, its message just sent), `archive:uploaded` (Content Server stored
 * the document, nothing acknowledged yet), `ledger:append:<op>` (half of a journal record written and synced),
 * `ledger:compaction` (snapshot written, not yet renamed over the journal), `checkpoint:write` (temp file written).
 */
const ARM_VARIABLE = "EXSTREAM_XECM_CRASH_AT";

interface Armed {
  point: string;
  remaining: number;
}

let armed: Armed | null | undefined;

function armedPoint(): Armed | null {
  if (armed === undefined) {
    const spec = process.env[ARM_VARIABLE]?.trim();
    const match = spec ? /^([\w:-]+)(?:@(\d+))?$/.exec(spec) : null;
    armed = match ? { point: match[1], remaining: Number(match[2] ?? 1) } : null;
  }
  return armed;
}

/**
 * Called at a crash point: when it is the armed one and its count is reached, runs `beforeCrash` (e.g. writing half a
 * record) and kills the process.
 */
export function crashPoint(point: string, beforeCrash?: () => void): void {
  const target = armedPoint();
  if (!target || target.point !== point || --target.remaining > 0) return;
  beforeCrash?.();
  process.stderr.write(`crash point ${point} reached: SIGKILL\n`);
  process.kill(process.pid, "SIGKILL");
}
