import type { Migration } from "../lib/node-red/migrations";

/** Upgrades of saved properties, oldest first; none yet: every flow saved so far reads as it is. */
export const migrations: Migration[] = [];
