import { randomBytes } from "node:crypto";

// One injected fault. A rule without `path` applies to every API and OTDS call. `path` is relative to the base path
// ("api/v2/nodes", "otdsws/oauth2/token") and matches that path and everything below it; a `*` segment matches any
// one segment ("api/v2/nodes/*/versions"); a leading "^" makes it a regular expression.
export interface FaultRule {
  id?: string;
  method?: string;
  path?: string;
  /** Answer with this status and `{"error": error}` instead of running the call. */
  status?: number;
  error?: string;
  /** Drop the connection without an answer. */
  reset?: boolean;
  /** Delay before the call runs (or before the fault is answered). */
  latencyMs?: number;
  /** Invalidate every ticket before the call runs, so it meets an expired ticket. */
  expireTickets?: boolean;
  /** Chance the rule fires on a matching call (0–1); default 1. */
  probability?: number;
  /** Fire on every n-th matching call only (deterministic, unlike `probability`). */
  every?: number;
  /** How many more times the rule may fire; unlimited when absent. */
  times?: number;
  /**
   * Run the call first (its change is stored), then drop the connection (`reset`) or answer `status` instead of the
   * result: a change that was applied although the caller saw a failure.
   */
  after?: boolean;
  /**
   * Keep the matching call waiting until the test releases it (`releaseHeld(id)` or `POST __sim/faults/{id}/release`),
   * then let it go on as usual: a test that must see a transient state forces it instead of hoping to catch it.
   */
  hold?: boolean;
}

/** What happens to a call's answer after it ran. */
export interface AfterFault {
  reset: boolean;
  status?: number;
  error?: string;
}

export interface FaultDecision {
  latencyMs: number;
  reset: boolean;
  expireTickets: boolean;
  status?: number;
  error?: string;
  after?: AfterFault;
  /** Ids of the `hold` rules that matched: the call waits until each is released. */
  holds: string[];
}

interface HeldCalls {
  /** Calls waiting now, each resolved on release. */
  waiting: (() => void)[];
  /** Tests waiting for a call to be held. */
  watchers: (() => void)[];
}

interface CompiledRule {
  rule: FaultRule;
  pattern?: RegExp;
  matched: number;
}

export class Faults {
  private rules: CompiledRule[] = [];
  private readonly random: () => number;
  // Kept apart from the rules: a `times: 1` hold rule is gone once it fired, and its call must still be releasable.
  private readonly held = new Map<string, HeldCalls>();
  injected = 0;

  constructor(rules: FaultRule[] = [], seed?: number) {
    this.random = seed === undefined ? Math.random : seededRandom(seed);
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): FaultRule {
    const stored: FaultRule = { ...rule, id: rule.id ?? randomBytes(4).toString("hex") };
    if (
      stored.status !== undefined &&
      (!Number.isInteger(stored.status) || stored.status < 100 || stored.status > 599)
    ) {
      throw new Error("status must be an HTTP status code");
    }
    if (stored.every !== undefined && (!Number.isInteger(stored.every) || stored.every < 1)) {
      throw new Error("every must be a positive integer");
    }
    this.rules.push({ rule: stored, pattern: stored.path ? compile(stored.path) : undefined, matched: 0 });
    return stored;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  decide(method: string, path: string): FaultDecision | undefined {
    const relative = path.replace(/^\/+|\/+$/g, "");
    let decision: FaultDecision | undefined;
    for (const compiled of [...this.rules]) {
      const { rule } = compiled;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (compiled.pattern && !compiled.pattern.test(relative)) continue;
      if (rule.every !== undefined && ++compiled.matched % rule.every !== 0) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
        if (rule.times === 0) this.rules = this.rules.filter((r) => r !== compiled);
      }
      decision ??= { latencyMs: 0, reset: false, expireTickets: false, holds: [] };
      decision.latencyMs += rule.latencyMs ?? 0;
      if (rule.hold) decision.holds.push(rule.id!);
      if (rule.after) {
        decision.after ??= { reset: false };
        decision.after.reset ||= rule.reset === true;
        if (rule.status !== undefined && decision.after.status === undefined) {
          decision.after.status = rule.status;
          decision.after.error = rule.error;
        }
        continue;
      }
      decision.reset ||= rule.reset === true;
      decision.expireTickets ||= rule.expireTickets === true;
      if (rule.status !== undefined && decision.status === undefined) {
        decision.status = rule.status;
        decision.error = rule.error;
      }
    }
    if (decision && (decision.reset || decision.status !== undefined || decision.expireTickets || decision.after)) {
      this.injected++;
    }
    return decision;
  }

  /** Parks a call on hold rule `id` until `releaseHeld(id)`. */
  hold(id: string): Promise<void> {
    const calls = this.heldCalls(id);
    return new Promise((resolve) => {
      calls.waiting.push(resolve);
      for (const watcher of calls.watchers.splice(0)) watcher();
    });
  }

  /** Number of calls waiting on hold rule `id` now. */
  heldCount(id: string): number {
    return this.held.get(id)?.waiting.length ?? 0;
  }

  /** Resolves once a call is waiting on hold rule `id` (at once when one already is). */
  whenHeld(id: string): Promise<void> {
    const calls = this.heldCalls(id);
    if (calls.waiting.length > 0) return Promise.resolve();
    return new Promise((resolve) => calls.watchers.push(resolve));
  }

  /** Lets every call waiting on hold rule `id` go on; returns how many were released. */
  releaseHeld(id: string): number {
    const waiting = this.held.get(id)?.waiting.splice(0) ?? [];
    for (const release of waiting) release();
    return waiting.length;
  }

  /** Lets every held call go on (the simulator closes). */
  releaseAll(): void {
    for (const id of this.held.keys()) this.releaseHeld(id);
  }

  private heldCalls(id: string): HeldCalls {
    let calls = this.held.get(id);
    if (!calls) {
      calls = { waiting: [], watchers: [] };
      this.held.set(id, calls);
    }
    return calls;
  }
}

function compile(path: string): RegExp {
  if (path.startsWith("^")) return new RegExp(path);
  const body = path
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .map((segment) => (segment === "*" ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${body}(/.*)?$`, "i");
}

/** mulberry32: a small seeded generator, good enough to replay a run's fault choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
