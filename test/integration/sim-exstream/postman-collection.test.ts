/*
 * Runs OpenText's own Postman collection for the Communications (Exstream) APIs with newman against the simulator;
 * every one of OpenText's assertions must pass. The collection, its environment and the sample export packages live
 * outside the repository (../shared/fixtures/opentext-communications-postman) and are read from there.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { requirePrerequisite } from "../../helpers/prerequisites";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const fixtures = path.resolve(repoRoot, "..", "shared", "fixtures", "opentext-communications-postman");
const collectionFile = path.join(fixtures, "communication_service_collection.postman_collection.json");
const environmentFile = path.join(fixtures, "communication.postman_environment.json");

interface NewmanSummary {
  run: {
    stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } };
    failures: { error: { message: string; test?: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; requestError?: Error; response?: { code: number } }[];
  };
}

function runNewman(options: Record<string, unknown>): Promise<NewmanSummary> {
  const newman = require("newman") as {
    run(o: Record<string, unknown>, cb: (err: Error | null, s: NewmanSummary) => void): void;
  };
  return new Promise((resolve, reject) =>
    newman.run(options, (err, summary) => (err ? reject(err) : resolve(summary))),
  );
}

describe("OpenText's Postman collection against the Exstream simulator", function () {
  this.timeout(120_000);
  let sim: TestExstreamSim | undefined;

  before(function () {
    requirePrerequisite(this, existsSync(collectionFile), `OpenText's Postman fixtures in ${fixtures}`);
  });

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("passes every assertion of the collection with no request errors", async () => {
    sim = await startTestExstreamSim();
    const summary = await runNewman({
      collection: collectionFile,
      environment: environmentFile,
      workingDir: path.join(fixtures, "files"),
      reporters: [],
      envVar: [
        { key: "api_host", value: sim.url },
        { key: "communication_url", value: sim.url },
        { key: "tenant_id", value: EXSTREAM_DEMO.tenant },
        { key: "tenant_user_id", value: EXSTREAM_DEMO.username },
        { key: "tenant_user_pwd", value: EXSTREAM_DEMO.password },
        { key: "app_confclient_id", value: EXSTREAM_DEMO.clientId },
        { key: "app_confclient_secret", value: EXSTREAM_DEMO.clientSecret },
        // exstream_domain keeps the environment's own value, "Testdomain" (seeded as an empty domain)
      ],
    });
    const failures = summary.run.failures.map(
      (f) => `${f.source?.name ?? "?"}: ${f.error.test ?? ""} ${f.error.message}`,
    );
    const requestErrors = summary.run.executions
      .filter((e) => e.requestError)
      .map((e) => `${e.item.name}: ${e.requestError?.message}`);
    assert.deepEqual(requestErrors, [], "request errors");
    assert.deepEqual(failures, [], "failed assertions");
    assert.equal(summary.run.stats.assertions.failed, 0);
    assert.ok(
      summary.run.stats.assertions.total >= 40,
      `expected OpenText's ~40 assertions, ran ${summary.run.stats.assertions.total}`,
    );
    assert.equal(summary.run.stats.requests.total, 21);
    // the collection really drove the simulator: imports landed, generate calls rendered, tokens were issued
    const counters = sim.counters();
    assert.ok(counters.tokensIssued >= 2);
    assert.equal(counters.generateCalls, 4);
    console.log(
      `      newman: ${summary.run.stats.requests.total} requests, ${summary.run.stats.assertions.total} assertions, ${summary.run.stats.assertions.failed} failed`,
    );
  });
});
