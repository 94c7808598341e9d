import assert from "node:assert/strict";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../../helpers/exstream-sim";
import { SimClient } from "./sim-client";

const O = "/orchestration/api/v1";
const D = "/design/api/v1";

async function page(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

describe("Exstream simulator: read-only jobs page", () => {
  let sim: TestExstreamSim;
  let client: SimClient;
  let jobId: string;

  before(async () => {
    sim = await startTestExstreamSim();
    client = new SimClient(sim);
    await client.withCsrfCookie();
    const res = await client.request("POST", `${O}/inputs/batch/Demo/${EXSTREAM_DEMO.batchChannel}`, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sim.seed.customers.slice(0, 2)),
    });
    assert.equal(res.status, 200, res.body.toString());
    jobId = res.json.data[0].jobId;
    assert.equal((await sim.waitForJob(jobId)).status, "complete");
  });
  after(() => sim.close());

  it("lists jobs with status, mode, channel and dates, without a token", async () => {
    const res = await page(`${sim.url}/sim/jobs`);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/html/);
    assert.match(res.text, new RegExp(`href="/sim/jobs/${jobId}">${jobId}</a>`));
    assert.match(res.text, /status-complete/);
    assert.match(res.text, /<td>BATCH<\/td>/);
    assert.match(res.text, new RegExp(`<td>${EXSTREAM_DEMO.batchChannel}</td>`));
  });

  it("lists the design resources with state and version", async () => {
    const res = await page(`${sim.url}/sim/jobs`);
    assert.match(res.text, /demo \/ Demo/);
    assert.match(
      res.text,
      /<td>Monthly Statement<\/td>\s*<td>exstrapplication<\/td>\s*<td><span class="status-APPROVED">APPROVED<\/span><\/td>/,
    );
  });

  it("shows a job's flow steps, output files with download links and the manifest summary", async () => {
    const res = await page(`${sim.url}/sim/jobs/${jobId}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<td>communication<\/td>/);
    assert.match(res.text, /<dt>Customers processed<\/dt>\s*<dd>2<\/dd>/);
    const manifest = /href="([^"]+\/manifest)"/.exec(res.text)?.[1];
    assert.ok(manifest, "a link to the delivery manifest");
    const xml = Buffer.from(await (await fetch(`${sim.url}${manifest}`)).arrayBuffer());
    assert.equal(xml.subarray(0, 2).toString("hex"), "fffe");
    const files = [...res.text.matchAll(/href="([^"]+\/files\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(files.length >= 2, "one link per output file");
    const download = await fetch(`${sim.url}${files[0]}`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get("content-disposition") ?? "", /^attachment;/);
    assert.ok((await download.arrayBuffer()).byteLength > 0);
    assert.equal((await fetch(`${sim.url}${files[0].replace(/files\/.*/, "files/..%2F..%2Fsecret")}`)).status, 404);
  });

  it("escapes resource names and never shows a secret or token", async () => {
    const token = await client.token();
    const created = await client.upload(
      "POST",
      `${D}/resources/Demo/content?name=${encodeURIComponent('<img src=x onerror="alert(1)">')}&type=samplefile`,
      "file",
      "x.json",
      "{}",
      "application/json",
    );
    assert.equal(created.status, 201, created.body.toString());
    const res = await page(`${sim.url}/sim/jobs`);
    assert.ok(!res.text.includes("<img"));
    assert.match(res.text, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    for (const text of [res.text, (await page(`${sim.url}/sim/jobs/${jobId}`)).text]) {
      assert.ok(!text.includes(EXSTREAM_DEMO.clientSecret));
      assert.ok(!text.includes(EXSTREAM_DEMO.password));
      assert.ok(!text.includes(token));
    }
  });

  it("answers 404 for an unknown job", async () => {
    assert.equal((await page(`${sim.url}/sim/jobs/no-such-job`)).status, 404);
  });
});
