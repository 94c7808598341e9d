/**
 * The "Durable state" configuration node's runtime part: its fields parsed into PostgreSQL settings, and one pool
 * per configuration node shared by its users (migrated once, ended when the node and all its users closed).
 */
import type { Pool } from "pg";
import {
  createPool,
  describeTarget,
  migrate,
  PostgresStateStore,
  validSchemaName,
  type PostgresSettings,
  type StateStore,
  type TlsMode,
} from "../state";

export interface PostgresFields {
  url?: string;
  tls?: string;
  caFile?: string;
  poolSize?: string | number;
  schema?: string;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_SCHEMA = "ccm_bridge";

export function parsePostgresSettings(
  fields: PostgresFields,
  credentials: { user?: string; password?: string },
  expand: (value: string | undefined) => string | undefined,
): PostgresSettings {
  const tls = (expand(fields.tls) || "verify") as TlsMode;
  if (!["verify", "no-verify", "off"].includes(tls)) throw new Error(`Durable state: invalid TLS mode "${tls}"`);
  const poolSize = Number(expand(String(fields.poolSize ?? "")) || DEFAULT_POOL_SIZE);
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`Durable state: invalid pool size "${poolSize}"`);
  return {
    url: expand(fields.url)?.trim() ?? "",
    user: expand(credentials.user) || undefined,
    password: expand(credentials.password) || undefined,
    tls,
    caFile: expand(fields.caFile)?.trim() || undefined,
    poolSize,
    schema: validSchemaName(expand(fields.schema)?.trim() || DEFAULT_SCHEMA),
  };
}

export class SharedPostgresStore {
  private pool: Pool | undefined;
  private migrated: Promise<unknown> | undefined;
  private users = 0;
  private closing = false;

  constructor(
    private readonly settings: PostgresSettings,
    private readonly report: { warn(message: string): void; log(message: string): void },
  ) {}

  open(): StateStore {
    const pool = (this.pool ??= createPool(this.settings, (err) =>
      this.report.warn(`PostgreSQL (${describeTarget(this.settings)}): ${err.message}`),
    ));
    this.users++;
    return new PostgresStateStore(
      pool,
      this.settings.schema,
      () => this.ready(pool),
      async () => {
        this.users--;
        if (this.closing && this.users === 0) await this.end();
      },
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.users === 0) await this.end();
  }

  /** Migrates once; a failed attempt (database not reachable yet) is tried again by the next caller. */
  private ready(pool: Pool): Promise<unknown> {
    this.migrated ??= migrate(pool, this.settings.schema).then(
      (applied) => {
        if (applied.length)
          this.report.log(`state schema ${this.settings.schema}: applied migrations ${applied.join(", ")}`);
      },
      (err: Error) => {
        this.migrated = undefined;
        throw err;
      },
    );
    return this.migrated;
  }

  private async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

/** The store a node's optional "State" field chooses: undefined (files beside the node) when the field is blank. */
export function stateStoreOf(
  RED: { nodes: { getNode(id: string): unknown } },
  id: string | undefined,
): StateStore | undefined {
  if (!id || id === "_ADD_") return undefined;
  const config = RED.nodes.getNode(id) as { openStore?: () => StateStore } | null;
  if (!config?.openStore) throw new Error(`Durable state configuration ${id} not found`);
  return config.openStore();
}
