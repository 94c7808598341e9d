/**
 * Saved flows keep loading when a node's properties change: each change is a migration that upgrades the properties
 * as a flow saved before it stored them. The version a node was saved with is its `schemaVersion` property (absent
 * = 0, everything saved before the first migration); a node is upgraded by every migration above it, oldest first,
 * when it is created. Migrations never change the flow file itself: a deploy from the editor stores the upgraded
 * properties, because the editor applies the same defaults.
 */
export interface Migration {
  /** The schema version this migration produces (1, 2, …). */
  version: number;
  /** Returns the upgraded properties; must not change its argument. */
  up(props: Record<string, unknown>): Record<string, unknown>;
}

export const SCHEMA_VERSION_PROPERTY = "schemaVersion";

/** The properties as the newest version reads them. */
export function applyMigrations<P extends object>(saved: P, migrations: readonly Migration[]): P {
  const from = Number((saved as Record<string, unknown>)[SCHEMA_VERSION_PROPERTY] ?? 0) || 0;
  let props = saved as Record<string, unknown>;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= from) continue;
    props = { ...migration.up(props), [SCHEMA_VERSION_PROPERTY]: migration.version };
  }
  return props as P;
}

/** The version a node's newest properties carry. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((latest, m) => Math.max(latest, m.version), 0);
}
