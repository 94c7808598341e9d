/**
 * The PostgreSQL state store: every queue is a set of rows in `work_items`, shared by all replicas. Items are claimed
 * with `FOR UPDATE SKIP LOCKED` and a lease (owner, expiry, database time), so one item is with one replica at a time;
 * an acknowledgement commits; a lease that runs out is reclaimed by any replica; dead letters are mirrored into
 * `dead_letters` with their reason by a trigger.
 */
import os from "node:os";
import { randomBytes } from "node:crypto";
import type { Pool, QueryResultRow } from "pg";
import type { GroupCommit } from "../reliability/journal-file";
import { MIGRATIONS } from "./migrations";
import type {
  AckResult,
  ClaimOptions,
  QueueSpec,
  StateStore,
  WorkCounts,
  WorkEntry,
  WorkQueue,
  WorkState,
} from "./types";

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function validSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new Error(`invalid schema name "${name}" (letters, digits, _; at most 63)`);
  return name;
}

/** Creates the schema when missing and applies the migrations it lacks, one replica at a time. */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const quoted = `"${validSchemaName(schema)}"`;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`ccm-bridge state ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations " +
        "(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export class PostgresStateStore implements StateStore {
  readonly kind = "postgresql";
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

  /**
   * `ready` resolves once the schema is migrated (the configuration node migrates once for all its users, and again
   * after a failed try); `onClose` tells the pool's owner this user is done.
   */
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly ready: () => Promise<unknown> = () => migrate(pool, schema),
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    validSchemaName(schema);
  }

  async openQueue<T>(spec: QueueSpec<T>): Promise<WorkQueue<T>> {
    await this.ready();
    const queue = new PostgresWorkQueue<T>(this.pool, `"${this.schema}".work_items`, spec, this.owner);
    if (spec.retainFinishedMs !== undefined) await queue.forgetFinished(spec.retainFinishedMs);
    return queue;
  }

  private closed = false;

  /** The pool stays: it belongs to whoever created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }
}

const COLUMNS =
  "id, state, item, attempts, reason, outcome, seq, (extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms";
const NOW = "clock_timestamp()";
const MS = "* interval '1 millisecond'";
/** Rows per query of `each`. */
const EACH_PAGE = 500;

/** Callers waiting for one acknowledgement, and the outcome it records. */
type AckWaiters = Array<{ resolve(result: AckResult): void; reject(err: Error): void }> & { outcome: unknown };

class PostgresWorkQueue<T> implements WorkQueue<T> {
  /** Acknowledgements asked for and not yet sent, by id. */
  private acks = new Map<string, AckWaiters>();
  private ackTimer: NodeJS.Timeout | undefined;
  /** The group being committed. */
  private committing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly spec: QueueSpec<T>,
    private readonly owner: string,
  ) {}

  async forgetFinished(retainMs: number): Promise<void> {
    await this.query(
      `DELETE FROM ${this.table} WHERE queue = $1 AND state IN ('done', 'dead') AND updated_at < ${NOW} - $2 ${MS}`,
      [this.spec.name, retainMs],
    );
  }

  async add(id: string, item: T): Promise<boolean> {
    const { rowCount } = await this.query(
      `INSERT INTO ${this.table} (queue, id, state, item) VALUES ($1, $2, 'pending', $3) ON CONFLICT DO NOTHING`,
      [this.spec.name, id, JSON.stringify(item)],
    );
    return rowCount === 1;
  }

  /** One statement for all of them, rows in their order (their `seq`, so they are claimed oldest first). */
  async addAll(entries: Array<{ id: string; item: T }>): Promise<number> {
    if (entries.length === 0) return 0;
    const { rowCount } = await this.query(
      `INSERT INTO ${this.table} (queue, id, state, item)
       SELECT $1, e.value->>'id', 'pending', e.value->'item'
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, n) ORDER BY e.n
       ON CONFLICT DO NOTHING`,
      [this.spec.name, JSON.stringify(entries)],
    );
    return rowCount ?? 0;
  }

  async get(id: string): Promise<WorkEntry<T> | undefined> {
    const { rows } = await this.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE queue = $1 AND id = $2`, [
      this.spec.name,
      id,
    ]);
    return rows[0] && toEntry<T>(rows[0]);
  }

  async claim(limit: number, options: ClaimOptions): Promise<Array<WorkEntry<T>>> {
    if (limit <= 0) return [];
    const { rows } = await this.query(
      `WITH due AS (
         SELECT id FROM ${this.table}
         WHERE queue = $1 AND state = 'pending' AND (reason IS NULL OR updated_at <= ${NOW} - $3 ${MS})
         ORDER BY seq
         LIMIT greatest(0, least($2::bigint, $6::bigint - (SELECT count(*) FROM ${this.table}
           WHERE queue = $1 AND state = 'in-flight' AND owner = $4)))
         FOR UPDATE SKIP LOCKED)
       UPDATE ${this.table} AS w SET state = 'in-flight', attempts = attempts + 1, owner = $4,
         lease_until = ${NOW} + $5 ${MS}, updated_at = ${NOW}
       FROM due WHERE w.queue = $1 AND w.id = due.id
       RETURNING ${COLUMNS.replace(/\bid\b/, "w.id")}`,
      [this.spec.name, limit, options.retryDelayMs ?? 0, this.owner, options.leaseMs, options.ownedAtMost ?? null],
    );
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((row) => toEntry<T>(row));
  }

  async claimOne(id: string, item: T, leaseMs: number, renewOwn: boolean): Promise<WorkEntry<T> | undefined> {
    const { rows } = await this.query(
      `INSERT INTO ${this.table} AS w (queue, id, state, item, attempts, owner, lease_until)
       VALUES ($1, $2, 'in-flight', $3, 1, $4, ${NOW} + $5 ${MS})
       ON CONFLICT (queue, id) DO UPDATE SET state = 'in-flight', attempts = w.attempts + 1, owner = EXCLUDED.owner,
         lease_until = EXCLUDED.lease_until, updated_at = ${NOW}
       WHERE w.state = 'pending'
         OR (w.state = 'in-flight' AND (w.lease_until <= ${NOW} OR ($6 AND w.owner = EXCLUDED.owner)))
       RETURNING ${COLUMNS}`,
      [this.spec.name, id, JSON.stringify(item), this.owner, leaseMs, renewOwn],
    );
    return rows[0] && toEntry<T>(rows[0]);
  }

  async expire(_leaseMs: number, reason: string): Promise<Array<WorkEntry<T>>> {
    const { rows } = await this.query(
      `UPDATE ${this.table} SET state = CASE WHEN attempts >= $2::bigint THEN 'dead' ELSE 'pending' END, reason = $3,
         owner = NULL, lease_until = NULL, updated_at = ${NOW}
       WHERE queue = $1 AND state = 'in-flight' AND lease_until <= ${NOW}
       RETURNING ${COLUMNS}`,
      [this.spec.name, this.spec.maxAttempts, reason],
    );
    return rows.map((row) => toEntry<T>(row));
  }

  /**
   * Acknowledgements are grouped: those asked for within the group commit window, or while the previous group
   * commits, are recorded by one statement; each resolves once that statement has committed.
   */
  acknowledge(id: string, outcome?: unknown): Promise<AckResult> {
    return new Promise((resolve, reject) => {
      const asked = this.acks.get(id);
      // The same id twice in one group: the second finds it finished, as it would one statement later.
      if (asked) asked.push({ resolve: (r) => resolve(r === "acknowledged" ? "already-finished" : r), reject });
      else this.acks.set(id, Object.assign([{ resolve, reject }], { outcome }));
      this.scheduleAcks();
    });
  }

  private scheduleAcks(): void {
    if (this.ackTimer || this.committing || this.acks.size === 0) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      void this.commitAcks();
    }, windowMs(this.spec.groupCommitMs));
  }

  private commitAcks(): Promise<void> {
    const group = this.acks;
    this.acks = new Map();
    this.committing = this.commitGroup(group).finally(() => {
      this.committing = undefined;
      this.scheduleAcks();
    });
    return this.committing;
  }

  private async commitGroup(group: Map<string, AckWaiters>): Promise<void> {
    try {
      const acks = [...group].map(([id, waiters]) => ({ id, outcome: waiters.outcome }));
      const { rows } = await this.query(
        `WITH acks AS (
           SELECT a.value->>'id' AS id, a.value->'outcome' AS outcome FROM jsonb_array_elements($2::jsonb) AS a(value)),
         done AS (
           UPDATE ${this.table} AS w SET state = 'done', outcome = acks.outcome, owner = NULL, lease_until = NULL,
             updated_at = ${NOW}
           FROM acks WHERE w.queue = $1 AND w.id = acks.id AND w.state <> 'done'
           RETURNING w.id)
         SELECT acks.id, CASE WHEN done.id IS NOT NULL THEN 'acknowledged'
           WHEN EXISTS (SELECT 1 FROM ${this.table} k WHERE k.queue = $1 AND k.id = acks.id) THEN 'already-finished'
           ELSE 'unknown' END AS result
         FROM acks LEFT JOIN done ON done.id = acks.id`,
        [this.spec.name, JSON.stringify(acks)],
      );
      const results = new Map(rows.map((row) => [row.id as string, row.result as AckResult]));
      for (const [id, waiters] of group) for (const w of waiters) w.resolve(results.get(id) ?? "unknown");
    } catch (err) {
      for (const waiters of group.values()) for (const w of waiters) w.reject(err as Error);
    }
  }

  async leased(_leaseMs: number): Promise<Array<WorkEntry<T>>> {
    const { rows } = await this.query(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE queue = $1 AND state = 'in-flight' AND lease_until > ${NOW} ORDER BY seq`,
      [this.spec.name],
    );
    return rows.map((row) => toEntry<T>(row));
  }

  async fail(id: string, reason: string, permanent: boolean): Promise<WorkEntry<T> | "unknown" | "already-finished"> {
    const { rows } = await this.query(
      `UPDATE ${this.table} SET state = CASE WHEN $4 OR attempts >= $5::bigint THEN 'dead' ELSE 'pending' END, reason = $3,
         owner = NULL, lease_until = NULL, updated_at = ${NOW}
       WHERE queue = $1 AND id = $2 AND state IN ('pending', 'in-flight')
       RETURNING ${COLUMNS}`,
      [this.spec.name, id, reason, permanent, this.spec.maxAttempts],
    );
    if (rows[0]) return toEntry<T>(rows[0]);
    return (await this.get(id)) ? "already-finished" : "unknown";
  }

  async deadLetter(id: string, item: T, reason: string, from: WorkState[]): Promise<WorkEntry<T> | undefined> {
    const { rows } = await this.query(
      `INSERT INTO ${this.table} AS w (queue, id, state, item, reason) VALUES ($1, $2, 'dead', $3, $4)
       ON CONFLICT (queue, id) DO UPDATE SET state = 'dead', reason = EXCLUDED.reason, owner = NULL,
         lease_until = NULL, updated_at = ${NOW}
       WHERE w.state = ANY($5)
       RETURNING ${COLUMNS}`,
      [this.spec.name, id, JSON.stringify(item), reason, from],
    );
    return rows[0] && toEntry<T>(rows[0]);
  }

  /** Dead → pending with no attempts counted; the row leaves dead_letters (the trigger of migration 1). */
  async revive(ids?: string[]): Promise<string[]> {
    const { rows } = await this.query(
      `UPDATE ${this.table} SET state = 'pending', attempts = 0, reason = NULL, owner = NULL, lease_until = NULL,
         updated_at = ${NOW}
       WHERE queue = $1 AND state = 'dead' AND ($2::text[] IS NULL OR id = ANY($2))
       RETURNING id, seq`,
      [this.spec.name, ids ?? null],
    );
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((row) => row.id as string);
  }

  async releaseOwned(): Promise<void> {
    await this.query(
      `UPDATE ${this.table} SET state = 'pending', owner = NULL, lease_until = NULL, updated_at = ${NOW}
       WHERE queue = $1 AND state = 'in-flight' AND owner = $2`,
      [this.spec.name, this.owner],
    );
  }

  async counts(): Promise<WorkCounts> {
    const { rows } = await this.query(
      `SELECT state, count(*) FILTER (WHERE state <> 'in-flight' OR owner = $2)::int AS n
       FROM ${this.table} WHERE queue = $1 GROUP BY state`,
      [this.spec.name, this.owner],
    );
    const by = new Map(rows.map((r) => [r.state as string, r.n as number]));
    return {
      pending: by.get("pending") ?? 0,
      inFlight: by.get("in-flight") ?? 0,
      done: by.get("done") ?? 0,
      dead: by.get("dead") ?? 0,
    };
  }

  async list(state?: WorkState, limit?: number): Promise<Array<WorkEntry<T>>> {
    const { rows } = await this.query(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE queue = $1 AND ($2::text IS NULL OR state = $2) ORDER BY seq
       LIMIT $3`,
      [this.spec.name, state ?? null, limit !== undefined && Number.isFinite(limit) ? limit : null],
    );
    return rows.map((row) => toEntry<T>(row));
  }

  async *each(state: WorkState): AsyncGenerator<WorkEntry<T>> {
    for (let after = 0; ;) {
      const { rows } = await this.query(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE queue = $1 AND state = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
        [this.spec.name, state, after, EACH_PAGE],
      );
      for (const row of rows) yield toEntry<T>(row);
      if (rows.length < EACH_PAGE) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** Commits the acknowledgements still waiting; the pool belongs to the store's owner. */
  async close(): Promise<void> {
    while (this.committing || this.acks.size > 0) {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
      await (this.committing ?? this.commitAcks());
    }
  }

  /** Every change is committed before its call resolves. */
  async durable(): Promise<void> {}

  /** A database fault is an error of the call that met it; the queue itself never stops. */
  failure(): Error | undefined {
    return undefined;
  }

  private query(text: string, values: unknown[]) {
    return this.pool.query<QueryResultRow>(text, values);
  }
}

function toEntry<T>(row: QueryResultRow): WorkEntry<T> {
  return {
    id: row.id,
    state: row.state,
    item: row.item,
    attempts: row.attempts,
    updatedAt: row.updated_ms,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome } : {}),
  };
}

/** The acknowledgement window in ms: "auto" groups only what arrives while a group commits. */
function windowMs(groupCommit: GroupCommit | undefined): number {
  return typeof groupCommit === "number" ? groupCommit : 0;
}
