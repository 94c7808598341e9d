export * from "./types";
export { FileStateStore } from "./file-store";
export { PostgresStateStore, migrate, validSchemaName } from "./postgres-store";
export { createPool, describeTarget, poolConfig, type PostgresSettings, type TlsMode } from "./postgres-connection";
