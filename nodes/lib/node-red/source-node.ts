import type { NodeAPI, NodeDef, NodeMessage } from "node-red";
import { statusTextOf } from "../failure";
import { keepOpenWhile } from "./connection-config";
import {
  configure,
  connectionOf,
  declareType,
  refuse,
  type DeclaredType,
  type SetUpContext,
  type Translate,
} from "./define-node";
import { clockTime, type NodeStatus } from "./status";

type Vars = Record<string, string | number>;
/** The catalogue text every state's text ends with once an item was handed out. */
const ITEMS_KEY = "status.items";
/** The looks of NodeStatus: grey ring, blue dot, green dot, yellow ring, red ring. */
export type Look = "idle" | "working" | "ok" | "warn" | "error";

/**
 * The status policy of every source node. The node names its state (a key under `<type>.status` and a look); each
 * text also gets the items handed out so far (`items`) and the time of the last one (`last`, hh:mm:ss), and once
 * there is one, the text ends with `status.items` (e.g. " · 24 sent · 14:05:09"). A failed round is red with the
 * error's own operation and HTTP code (`code`, e.g. "assignments: HTTP 400"); the next good round shows the state
 * again. Nothing is shown once the node closes.
 */
export class SourceStatus {
  private items = 0;
  private last: Date | undefined;
  private latest: { look: Look; key: string | string[]; vars: Vars } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shownAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly look: NodeStatus,
    private readonly t: Translate,
    /** Changes are shown at most this often (0: at once); the latest one wins. */
    private readonly intervalMs = 0,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One item handed out. */
  emitted(): void {
    this.items++;
    this.last = this.now();
  }

  /** `key`: a key under `<type>.status`, or several whose texts are joined ("busy" + ", 2 dead"). */
  show(look: Look, key: string | string[], vars: Vars = {}): void {
    if (this.closed) return;
    this.latest = { look, key, vars };
    if (!this.intervalMs) return this.render();
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.shownAt = Date.now();
        this.render();
      },
      Math.max(0, this.shownAt + this.intervalMs - Date.now()),
    );
  }

  /** Red: what failed, in the error's own short words when it has them. */
  failed(err: unknown, key = "error"): void {
    const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
    this.show("error", key, { code: statusTextOf(err) ?? String(code ?? name ?? "Error") });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private render(): void {
    if (!this.latest || this.closed) return;
    const { look, key, vars } = this.latest;
    const last = this.last ? clockTime(this.last) : "";
    const all = { items: this.items, last, ...vars };
    const texts = [key].flat().map((k) => this.t(`status.${k}`, all));
    this.look[look](texts.join("") + this.itemsText(all));
  }

  /** Once an item was handed out: how many and when the last, in the catalogue's `status.items` where it has one. */
  private itemsText(vars: Vars): string {
    if (!this.items) return "";
    const text = this.t(ITEMS_KEY, vars);
    // A catalogue without the text answers with the key itself.
    return text.endsWith(ITEMS_KEY) ? "" : text;
  }
}

/** What a source node's set-up and start get from the helper. */
export interface SourceContext<Def> extends SetUpContext<Def> {
  status: SourceStatus;
}

/** A started source: `close` stops its pollers and watchers first, then releases what they used. */
export interface Running {
  close(): Promise<void>;
}

/**
 * A source node (it emits what it finds from deployment to close) declared as what it does: its set-up (options
 * read and checked), its start, and the control messages it takes. The helper owns the rest, as for action nodes
 * (see defineNode): creating the node, migrations, a bad configuration (red status, one error at deployment, and
 * every message refused through `done(err)`), the status policy, the editor lookups and admin routes, and the close:
 * Node-RED waits for `close()`, and the node's connection stays open until it has resolved.
 */
export interface SourceSpec<Def extends NodeDef, Config, R extends Running> extends DeclaredType {
  /** Reads and checks the configuration; throwing or recording a problem makes it bad (and nothing is started). */
  setUp(ctx: SourceContext<Def>): Config;
  /** Starts the source with the checked configuration; throwing here makes the configuration bad too. */
  start(config: Config, ctx: SourceContext<Def>): R;
  /** Status changes are shown at most this often (a burst of thousands of items must not flood the editor). */
  statusIntervalMs?: number;
  /** A message to the node's input: resolving is `done()`, rejecting `done(err)`. */
  input?(msg: NodeMessage, running: R, ctx: SourceContext<Def>): void | Promise<void>;
  /** Admin routes of the type; `running` finds the started source of a deployed node by its id. */
  adminRoutes?(RED: NodeAPI, running: (nodeId: string) => R | undefined): void;
}

/** Registers a declared source node type; use as the module's export: `export = defineSourceNode({...})`. */
export function defineSourceNode<Def extends NodeDef, Config, R extends Running>(
  spec: SourceSpec<Def, Config, R>,
): (RED: NodeAPI) => void {
  const started = new Map<string, R>();
  return declareType<Def>(
    spec,
    (declared) => {
      const { RED, node, def, look } = declared;
      const status = new SourceStatus(look, declared.t, spec.statusIntervalMs);
      const setUp = (ctx: SourceContext<Def>, ok: () => boolean) => {
        const config = spec.setUp(ctx);
        return ok() ? spec.start(config, ctx) : undefined;
      };
      const configured = configure<Def, SourceContext<Def>, R | undefined>(
        declared,
        spec.configError,
        { status },
        setUp,
      );
      const { ctx, badConfig, state: running } = configured;
      if (running) started.set(node.id, running);

      if (spec.input) {
        const input = spec.input;
        node.on("input", (msg, _send, done) => {
          if (badConfig) return refuse(badConfig, look, msg, done);
          const failed = (err: unknown) => done(err instanceof Error ? err : new Error(String(err)));
          // Called at once, not in a later tick: a report that arrives just before close is still recorded.
          let handled: void | Promise<void>;
          try {
            handled = input(msg, running as R, ctx);
          } catch (err) {
            return failed(err);
          }
          Promise.resolve(handled).then(() => done(), failed);
        });
      }

      node.on("close", (_removed: boolean, done: () => void) => {
        status.close();
        if (started.get(node.id) === running) started.delete(node.id);
        const closed = Promise.resolve(running?.close());
        const connection = connectionOf(RED, def);
        if (connection) keepOpenWhile(connection, closed);
        closed
          .catch((err: Error) => node.warn(err.message))
          .finally(() => {
            look.clear();
            done();
          });
      });
    },
    (RED) => spec.adminRoutes?.(RED, (id) => started.get(id)),
  );
}
