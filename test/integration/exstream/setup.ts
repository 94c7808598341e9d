/* Shared setup of the Exstream client integration tests: a seeded simulator over real HTTP and a client for it. */
import { ExstreamClient, type ExstreamClientOptions, type TokenOptions } from "../../../nodes/lib/exstream";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";

export { EXSTREAM_DEMO };

export function clientFor(
  sim: TestExstreamSim,
  auth: Partial<TokenOptions> = {},
  options: Partial<ExstreamClientOptions> = {},
): ExstreamClient {
  return new ExstreamClient({
    baseUrl: sim.url,
    domain: EXSTREAM_DEMO.domain,
    timeoutMs: 10_000,
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    ...options,
    auth: {
      tenant: EXSTREAM_DEMO.tenant,
      grantType: "client_credentials",
      clientId: EXSTREAM_DEMO.clientId,
      clientSecret: EXSTREAM_DEMO.clientSecret,
      ...auth,
    },
  });
}

/** Starts a simulator and a client before the suite, closes both after it. */
export function withSimulator(flags: Record<string, string> = {}): {
  sim: () => TestExstreamSim;
  client: () => ExstreamClient;
} {
  let sim: TestExstreamSim;
  let client: ExstreamClient;
  before(async () => {
    sim = await startTestExstreamSim(flags);
    client = clientFor(sim);
  });
  after(async () => {
    client?.close();
    await sim?.close();
  });
  return { sim: () => sim, client: () => client };
}

/** Sample driver data of a communication, read through the Design API like an integrator would. */
export async function driverSample(client: ExstreamClient, communicationName: string): Promise<Buffer> {
  const page = await client.listResources({ types: ["samplefile"], name: `${communicationName} Driver Sample.json` });
  const sample = page.items.find((r) => r.name.startsWith(communicationName));
  if (!sample) throw new Error(`no driver sample for ${communicationName}`);
  return (await client.getResourceContent(sample.id)).content;
}
