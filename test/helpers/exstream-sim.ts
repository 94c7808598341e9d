/*
 * Starts a seeded Exstream simulator for a test:
 *
 *   const sim = await startTestExstreamSim();            // demo seed, ephemeral port, temp output root
 *   const token = await sim.token();                      // client_credentials token of exstream-sim
 *   ...fetch(`${sim.url}/orchestration/api/v1/...`, { headers: { Authorization: `Bearer ${token}` } })
 *   await sim.close();                                    // stops the server and removes the temp output root
 *
 * `flags` are the simulator's CLI flags (e.g. { "job-delay-ms": "20", "write-mode": "slow" }).
 * Demo identities: tenant "demo", domain "Demo" (also "DemoSimple" with the simple workflow, empty "Testdomain"),
 * client "exstream-sim"/"exstream-sim-secret", user "demo-admin"/"demo-admin-secret".
 */
import { startExstreamSimulator, type ExstreamSimulator } from "../../sim/exstream";
import type { SimulatorFlags } from "../../sim/types";

export const EXSTREAM_DEMO = {
  tenant: "demo",
  domain: "Demo",
  simpleWorkflowDomain: "DemoSimple",
  clientId: "exstream-sim",
  clientSecret: "exstream-sim-secret",
  username: "demo-admin",
  password: "demo-admin-secret",
  /** Monthly Statement: communication id and the prodDsn of its driver */
  communicationId: "c0000000-0000-4000-8000-000000000001",
  driverDataSource: "MonthlyStatementDriver",
  batchChannel: "MonthlyStatementBatch",
} as const;

/** One driver record of the demo's Monthly Statement (Alice Johnson, ACC-1001). */
export const MONTHLY_STATEMENT_DRIVER = {
  CustomerId: "C-1001",
  AccountNumber: "ACC-1001",
  FirstName: "Alice",
  LastName: "Johnson",
  Email: "alice.johnson@example.test",
  Phone: "+1 212 555 0101",
  Language: "en",
  Jurisdiction: "US",
  Segment: "retail",
  AddressLine1: "12 Park Avenue",
  City: "New York",
  PostalCode: "10016",
  Country: "US",
  StatementDate: "2025-05-31",
  Balance: "1,250.40",
  Currency: "USD",
  DueDate: "2025-06-15",
} as const;

export interface TestExstreamSim extends ExstreamSimulator {
  /** Token URL in the self-hosted OTDS form. */
  tokenUrl: string;
  /** A fresh client_credentials access token for exstream-sim. */
  token(): Promise<string>;
}

export async function startTestExstreamSim(flags: SimulatorFlags = {}): Promise<TestExstreamSim> {
  const sim = await startExstreamSimulator({ port: "0", "job-delay-ms": "20", ...flags });
  const tokenUrl = `${sim.url}/otdsws/otdstenant/${EXSTREAM_DEMO.tenant}/oauth2/token`;
  return Object.assign(sim, {
    tokenUrl,
    async token(): Promise<string> {
      const res = await fetch(tokenUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: EXSTREAM_DEMO.clientId,
          client_secret: EXSTREAM_DEMO.clientSecret,
        }),
      });
      if (!res.ok) throw new Error(`token request failed: HTTP ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
  });
}
