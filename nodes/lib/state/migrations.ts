/**
 * The PostgreSQL store's schema, as numbered migrations applied on start. Each runs once, recorded in
 * `schema_migrations`; replicas starting together serialize on an advisory lock, so exactly one applies each.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "work items and dead letters",
    sql: `
      CREATE TABLE work_items (
        queue text NOT NULL,
        id text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'in-flight', 'done', 'dead')),
        item jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        owner text,
        lease_until timestamptz,
        reason text,
        outcome jsonb,
        seq bigserial NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (queue, id)
      );
      CREATE INDEX work_items_open ON work_items (queue, state, seq) WHERE state IN ('pending', 'in-flight');
      CREATE TABLE dead_letters (
        queue text NOT NULL,
        id text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (queue, id),
        FOREIGN KEY (queue, id) REFERENCES work_items (queue, id) ON DELETE CASCADE
      );
      CREATE FUNCTION record_dead_letter() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF NEW.state = 'dead' THEN
          INSERT INTO dead_letters (queue, id, reason, attempts) VALUES (NEW.queue, NEW.id, COALESCE(NEW.reason, ''), NEW.attempts)
          ON CONFLICT (queue, id) DO UPDATE SET reason = EXCLUDED.reason, attempts = EXCLUDED.attempts, at = EXCLUDED.at;
        ELSIF TG_OP = 'UPDATE' AND OLD.state = 'dead' THEN
          DELETE FROM dead_letters WHERE queue = NEW.queue AND id = NEW.id;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER work_items_dead_letters AFTER INSERT OR UPDATE OF state ON work_items
        FOR EACH ROW EXECUTE FUNCTION record_dead_letter();
    `,
  },
];
