/** The connection settings of a PostgreSQL state store, and the pool built from them (node-postgres). */
import fs from "node:fs";
import { Pool, type PoolConfig } from "pg";

export type TlsMode = "verify" | "no-verify" | "off";

export interface PostgresSettings {
  /** `postgresql://host:port/database?…`; user and password come from the credentials when given there. */
  url: string;
  user?: string;
  password?: string;
  /** verify (default): TLS with the server certificate checked; no-verify: TLS unchecked; off: plain TCP. */
  tls: TlsMode;
  /** PEM file of the CA that signed the server certificate (verify mode; default: the system's CAs). */
  caFile?: string;
  poolSize: number;
  schema: string;
}

export function poolConfig(settings: PostgresSettings): PoolConfig {
  if (!settings.url) throw new Error("PostgreSQL state store: no connection URL");
  const url = new URL(settings.url);
  // TLS comes from the `tls` field alone: an `sslmode` in the URL would override it silently.
  for (const name of ["sslmode", "ssl", "sslrootcert", "sslcert", "sslkey"]) url.searchParams.delete(name);
  const ssl =
    settings.tls === "off"
      ? false
      : settings.tls === "no-verify"
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(settings.caFile ? { ca: fs.readFileSync(settings.caFile, "utf8") } : {}) };
  return {
    connectionString: url.toString(),
    ...(settings.user ? { user: settings.user } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ssl,
    max: settings.poolSize,
    connectionTimeoutMillis: 10_000,
    application_name: "ccm-bridge",
  };
}

/** A pool whose idle connections may break (database restart) without taking the process down. */
export function createPool(settings: PostgresSettings, onError: (err: Error) => void): Pool {
  const pool = new Pool(poolConfig(settings));
  pool.on("error", onError);
  return pool;
}

/** Where the store is, for messages: host, port, database and schema — never the user or password. */
export function describeTarget(settings: PostgresSettings): string {
  try {
    const url = new URL(settings.url);
    return `${url.hostname}:${url.port || 5432}${url.pathname} schema ${settings.schema}`;
  } catch {
    return `schema ${settings.schema}`;
  }
}
