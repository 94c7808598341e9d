/*
 * Two replicas sharing one ledger folder and one PostgreSQL database: the sweep of one removes no working folder the
 * other still needs — the folder of a manifest it is expanding (its live claim), or one an unfinished communication
 * points into — and removes what nobody needs, also after a replica died holding a claim that then ran out.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PostgresStateStore } from "../../../nodes/lib/state";
import { manifestKey, OutputWatchLedger, type CommunicationDocument } from "../../../nodes/lib/watch";
import { sweepWorkFolders, workFolderOf } from "../../../nodes/lib/watch/work-folders";
import { ageWorkItems, postgresSuite } from "../../helpers/postgres";

const LEASE_MS = 60_000;

describe("working folders of replicas sharing a ledger folder on one PostgreSQL", function () {
  this.timeout(60_000);
  const pg = postgresSuite("work-folders-");
  let schemaSeq = 0;

  /** Two replicas' ledgers: each its own pool (its own process in production), one schema, one ledger folder. */
  async function replicas(): Promise<OutputWatchLedger[]> {
    const schema = `w${++schemaSeq}`;
    return Promise.all(
      [0, 1].map(() => {
        return OutputWatchLedger.open(new PostgresStateStore(pg.pool(), schema), {
          dir: pg.dir,
          name: "shared",
          maxAttempts: 3,
          retainFinishedMs: LEASE_MS,
        });
      }),
    );
  }

  const sweepOf =
    (ledger: OutputWatchLedger, leaseMs = LEASE_MS) =>
    () =>
      sweepWorkFolders({ ledgerDir: pg.dir, ledger, leaseMs, inUse: () => [], stopped: () => false });

  /** A manifest version and its working folder with one customer's delivery-log extract in it. */
  function run(name: string) {
    const record = { path: `/output/${name}/_STDDELIVERYFILE.xml`, size: 100, mtimeMs: 1_700_000_000_000 };
    const key = manifestKey(record.path, record.size, record.mtimeMs);
    const folder = workFolderOf(pg.dir, key);
    const extract = path.join(folder, "10001.xml");
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(extract, "<deliveryLog/>");
    const document = {
      id: `${name}/10001`,
      path: `/output/${name}/10001.pdf`,
      deliveryLog: { path: extract },
    } as unknown as CommunicationDocument;
    return { record, key, folder, document };
  }

  it("keeps the folder of a manifest another replica is expanding, then while its communication is unfinished", async () => {
    const [a, b] = await replicas();
    const expanding = run("run-1");
    const orphan = run("run-gone");
    assert.ok(await a.claim(expanding.key, expanding.record, LEASE_MS), "replica a expands run-1");
    const sweepB = sweepOf(b);
    assert.deepEqual(await sweepB(), [orphan.folder], "only the folder no one needs");
    assert.ok(fs.existsSync(expanding.folder), "a's live claim keeps its folder");

    await a.addAll([expanding.document]);
    await a.settle(expanding.key, expanding.record);
    assert.deepEqual(await sweepB(), [], "the unfinished communication needs its extract");

    const [taken] = await b.takeDue(1, 0, LEASE_MS);
    assert.equal(taken?.id, expanding.document.id);
    assert.equal(await b.acknowledge(taken.id), "acknowledged");
    assert.deepEqual(await sweepB(), [expanding.folder], "finished: removed");
  });

  it("removes the folder of a replica that died holding a claim, once the claim ran out", async () => {
    const [a, b] = await replicas();
    const abandoned = run("run-2");
    assert.ok(await a.claim(abandoned.key, abandoned.record, LEASE_MS)); // replica a then dies
    assert.deepEqual(await sweepOf(b)(), [], "the claim still runs");
    await ageWorkItems(pg.pool(), `w${schemaSeq}`, LEASE_MS);
    assert.deepEqual(await sweepOf(b)(), [abandoned.folder]);
  });
});
