import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { failureOf, statusTextOf } from "../failure";
import { resolveTypedValue } from "./inputs";
import { registerEditorLookups } from "./lookups";
import { applyMigrations, type Migration } from "./migrations";
import { clockTime, NodeStatus } from "./status";

/**
 * Where one input of a node comes from: the configured TypedInput `<name>` (type in `<name>Type`) wins; a blank value
 * falls back to `msg` (the msg property the help documents), then to `default`.
 */
export interface InputSource {
  msg?: (msg: NodeMessage) => unknown;
  default?: unknown;
}

/** A configuration the node cannot work with: reported once at deployment and with every message it receives. */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
  /** The same configuration fails every message until it is changed and deployed again. */
  readonly permanent = true;
  readonly statusText: string;

  constructor(message: string, statusText: string) {
    super(message);
    this.statusText = statusText;
  }
}

/** What the set-up of every declared node (action or source) gets from the helper. */
export interface SetUpContext<Def> {
  RED: NodeAPI;
  node: Node;
  def: Def;
  /** The node's own message texts: `t("errors.noMap")` reads `<type>.errors.noMap`. */
  t: Translate;
  /** Set-up: records a configuration problem; the node then refuses every message, naming all of them. */
  problem(text: string): void;
  /** Set-up: the selected connection config node (`def.server`), or a problem when none is deployed. */
  connection<C extends { getClient(): unknown }>(): C | undefined;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** What a declared action node's set-up and run get from the helper. */
export interface NodeContext<Def> extends SetUpContext<Def> {
  /** Resolves the declared input `name` for this message (see InputSource). */
  input<T = unknown>(msg: NodeMessage, name: keyof Def & string): Promise<T | undefined>;
  /** Shows progress (a key under `<type>.status`) while a message is worked on. */
  progress(key: string, vars?: Record<string, string | number>): void;
  /** Sends a further message (for a node that answers one input with several outputs). */
  send(msg: NodeMessage): void;
}

/** How a run ended: a key under `<type>.status` for the node's status, and whether the input goes on. */
export interface Outcome {
  status: string;
  vars?: Record<string, string | number>;
  /** False when the run sent its own messages (ctx.send) instead of the input. */
  forward?: boolean;
}

/** What registers a declared node type, action or source. */
export interface DeclaredType {
  type: string;
  /** Upgrades of saved properties, oldest first (see migrations.ts). */
  migrations?: Migration[];
  /** Credential fields, e.g. `{ secret: { type: "password" } }`. */
  credentials?: Record<string, { type: "text" | "password" }>;
  /**
   * Key of the deployment error (gets the problems as `problems`, and as `message` for older texts); default
   * `errors.config`. Without the text in the catalogue the error is the problems themselves.
   */
  configError?: string;
}

/**
 * A node declared as what it does: its inputs, its set-up (options read and checked once per deployment) and its
 * run per message. The helper owns the rest, the same for every node: creating the node, a bad configuration (red
 * status, an error at deployment and with every message, never a silent drop), the status policy, `msg.failure`,
 * `send`/`done`, concurrency accounting, migrations of saved properties and the editor lookups.
 */
export interface NodeSpec<Def extends NodeDef, State> extends DeclaredType {
  /** Declared inputs beyond "configured value or nothing". */
  inputs?: Partial<Record<keyof Def & string, InputSource>>;
  /** Reads and checks the configuration; throwing or recording a problem makes the configuration bad. */
  setUp(ctx: NodeContext<Def>): State;
  /** Status key shown while messages are worked on (gets `count`, the messages in progress). */
  working: string | ((def: Def) => string);
  /** Works on one message: sets its output fields and says how it ended. */
  run(msg: NodeMessage, state: State, ctx: NodeContext<Def>): Promise<Outcome>;
  /** Releases what the state holds when the node closes. */
  close?(state: State): void | Promise<void>;
}

/** The status policy of every action node: working with a count, green with counts and time, red with what failed. */
export class ActionStatus {
  private active = 0;
  private succeeded = 0;
  private failed = 0;

  constructor(
    private readonly status: NodeStatus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  started(text: string): void {
    this.active++;
    this.status.working(text);
  }

  progress(text: string): void {
    this.status.working(text);
  }

  /** Green once nothing is in progress; the last outcome, the running counts and the time of the last item. */
  finished(text: string, working: string): void {
    this.active--;
    this.succeeded++;
    if (this.active > 0) return this.status.working(working);
    this.status.ok(`${text} · ${this.counts()}`);
  }

  /** Red at once, with what failed ("upload: HTTP 400"); the next success turns it green again. */
  failedWith(text: string): void {
    this.active--;
    this.failed++;
    this.status.error(`${text} · ${this.counts()}`);
  }

  get inProgress(): number {
    return this.active;
  }

  private counts(): string {
    const failed = this.failed ? ` ✗${this.failed}` : "";
    return `✓${this.succeeded}${failed} · ${clockTime(this.now())}`;
  }
}

/** A deployed node as the helper hands it to the builder of its kind (action or source). */
export interface Declared<Def> {
  RED: NodeAPI;
  node: Node;
  def: Def;
  t: Translate;
  look: NodeStatus;
}

/** Texts already looked up: the status texts of every message are the same few (an i18n lookup is not cheap). */
const MAX_MEMOIZED_TEXTS = 1_000;

function memoized(t: Translate): Translate {
  const texts = new Map<string, string>();
  return (key, vars) => {
    const id = vars ? `${key}\u0000${JSON.stringify(vars)}` : key;
    let text = texts.get(id);
    if (text === undefined) {
      text = t(key, vars);
      // A key that is not (yet) in the catalogue comes back as itself: asked again next time.
      if (text.endsWith(key)) return text;
      if (texts.size >= MAX_MEMOIZED_TEXTS) texts.clear();
      texts.set(id, text);
    }
    return text;
  };
}

/** Registers a declared node type with its credentials and editor lookups; `build` makes each deployed node. */
export function declareType<Def extends NodeDef>(
  spec: DeclaredType,
  build: (declared: Declared<Def>) => void,
  registered?: (RED: NodeAPI) => void,
): (RED: NodeAPI) => void {
  return function register(RED: NodeAPI): void {
    const t = memoized((key, vars) => RED._(`${spec.type}.${key}`, vars));

    function DeclaredNode(this: Node, saved: Def): void {
      RED.nodes.createNode(this, saved);
      const def = applyMigrations(saved, spec.migrations ?? []);
      build({ RED, node: this, def, t, look: new NodeStatus(this) });
    }

    RED.nodes.registerType(spec.type, DeclaredNode, spec.credentials ? { credentials: spec.credentials } : undefined);
    registerEditorLookups(RED, spec.type);
    registered?.(RED);
  };
}

/**
 * Runs a node's set-up with its context (the set-up context plus `extra`). A thrown error or a recorded problem
 * makes the configuration bad: one error at deployment and a red status; the error is returned for the messages.
 */
export function configure<Def, Ctx extends SetUpContext<Def>, State>(
  { RED, node, def, t, look }: Declared<Def>,
  configError: string | undefined,
  extra: Omit<Ctx, keyof SetUpContext<Def>>,
  setUp: (ctx: Ctx, ok: () => boolean) => State,
): { ctx: Ctx; state?: State; badConfig?: ConfigurationError } {
  const problems: string[] = [];
  const base: SetUpContext<Def> = {
    RED,
    node,
    def,
    t,
    problem: (text) => problems.push(text),
    connection: <C extends { getClient(): unknown }>() => {
      const config = connectionOf(RED, def) as unknown as C | undefined;
      if (config && typeof config.getClient === "function") return config;
      problems.push(t("errors.noServer"));
      return undefined;
    },
  };
  const ctx = { ...base, ...extra } as Ctx;
  let state: State | undefined;
  try {
    state = setUp(ctx, () => problems.length === 0);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  if (!problems.length) return { ctx, state };
  const badConfig = configurationError(problems, t, configError);
  node.error(badConfig.message);
  look.error(badConfig.statusText);
  return { ctx, state, badConfig };
}

/** The connection config node the node names (`server`), when it is deployed. */
export function connectionOf(RED: NodeAPI, def: unknown): Node | undefined {
  const server = (def as { server?: unknown }).server;
  return server ? (RED.nodes.getNode(String(server)) ?? undefined) : undefined;
}

/** A message to a node with a bad configuration fails with it (a Catch node sees it), never silently. */
export function refuse(
  badConfig: ConfigurationError,
  look: NodeStatus,
  msg: NodeMessage,
  done: (err?: Error) => void,
): void {
  look.error(badConfig.statusText);
  (msg as NodeMessage & { failure?: unknown }).failure = failureOf(badConfig);
  done(badConfig);
}

/** The problems are named even where the message catalogue lacks the text (it must never hide them). */
function configurationError(problems: string[], t: Translate, key = "errors.config"): ConfigurationError {
  const list = problems.join("; ");
  const message = t(key, { problems: list, message: list });
  // A catalogue without the text answers with the key itself.
  const text = message.endsWith(key) ? list : message.includes(list) ? message : `${message}: ${list}`;
  return new ConfigurationError(text, t("status.invalid"));
}

/** Registers a declared node type (and its lookups); use as the module's export: `export = defineNode({...})`. */
export function defineNode<Def extends NodeDef, State>(spec: NodeSpec<Def, State>): (RED: NodeAPI) => void {
  return declareType<Def>(spec, (declared) => {
    const { RED, node, def, t, look } = declared;
    const status = new ActionStatus(look);
    const { ctx, state, badConfig } = configure<Def, NodeContext<Def>, State>(
      declared,
      spec.configError,
      {
        input: (msg, name) => {
          const source = spec.inputs?.[name];
          const typed = { value: def[name] as string | undefined, type: def[`${name}Type` as keyof Def] as string };
          return resolveTypedValue(RED, node, msg, typed, source?.msg, source?.default as never);
        },
        progress: (key, vars) => status.progress(t(`status.${key}`, vars)),
        send: (msg) => node.send(msg),
      },
      (ctx) => spec.setUp(ctx),
    );

    const workingKey = `status.${typeof spec.working === "function" ? spec.working(def) : spec.working}`;
    node.on("input", (msg, send, done) => {
      if (badConfig) return refuse(badConfig, look, msg, done);
      const working = () => t(workingKey, { count: status.inProgress });
      status.started(t(workingKey, { count: status.inProgress + 1 }));
      spec.run(msg, state as State, ctx).then(
        (outcome) => {
          status.finished(t(`status.${outcome.status}`, outcome.vars), working());
          if (outcome.forward !== false) send(msg);
          done();
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          (msg as NodeMessage & { failure?: unknown }).failure = failureOf(error);
          status.failedWith(statusTextOf(error) ?? t("status.failed"));
          done(error);
        },
      );
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      look.clear();
      Promise.resolve(state !== undefined ? spec.close?.(state) : undefined).then(
        () => done(),
        (err: Error) => {
          node.warn(err.message);
          done();
        },
      );
    });
  });
}
