import type { ContentStore } from "./content";
import type { Faults } from "./faults";
import type { SimulatorOptions } from "./options";
import type { Sessions } from "./sessions";
import type { Store } from "./store";

export interface Counters {
  /** Successful logins per mode: POST api/v1/auth, OTDS credentials, OAuth2 token grants. */
  logins: { otcs: number; otds: number; oauth: number };
  /** OTDS tickets and bearer tokens exchanged for an OTCSTicket at GET api/v1/auth. */
  exchanges: number;
  /** Calls answered 401 for a missing, invalid or expired ticket. */
  unauthorized: number;
  /** API calls received (faulted ones excluded). */
  requests: number;
  /** Times every ticket was invalidated (control route, fault rule or programmatic). */
  ticketExpiries: number;
  /** Logins (any mode) that were the first after an expiry: the clients re-authenticating. */
  loginsAfterExpiry: number;
}

export function emptyCounters(): Counters {
  return {
    logins: { otcs: 0, otds: 0, oauth: 0 },
    exchanges: 0,
    unauthorized: 0,
    requests: 0,
    ticketExpiries: 0,
    loginsAfterExpiry: 0,
  };
}

/** What every route handler can reach. */
export interface SimContext {
  store: Store;
  content: ContentStore;
  sessions: Sessions;
  faults: Faults;
  options: SimulatorOptions;
  counters: Counters;
}
