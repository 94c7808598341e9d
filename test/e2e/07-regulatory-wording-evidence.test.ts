/*
 * DF7 end to end: legal updates the US regulatory disclosure in Content Server, it is approved and published, and
 * the communications generated afterwards are archived with the content-block versions they used, so a Content Server
 * search answers "which communications used disclosure X version N". A rejected wording publishes nothing. Run for
 * both ways Content Server attaches documents to a workflow (shortcut to the original, or a copy).
 */
import assert from "node:assert/strict";
import type { ContentServerClient } from "../../nodes/lib/content-server";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";
import { CsReadback } from "../helpers/cs-readback";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import {
  ATTACHMENT_MODES,
  FOLDERS,
  addTextVersion,
  csAs,
  decideApproval,
  decisionsOf,
  pdfText,
  pollFast,
  REJECTION_STEP,
  resource,
  resourceContent,
  routeRejectionToIntegration,
  startTemplateApproval,
  uploadText,
  useIntegrationUser,
} from "../helpers/governed-content";
import { USERS } from "../helpers/workflow-kit";

const DISCLOSURE_ID = "b1000000-0000-4000-8000-000000000051"; // "Regulatory Disclosure (US)", disclaimer block
const DISCLOSURE_DOC = "Regulatory Disclosure (US).txt";
const OLD_WORDING = "Insurance products are regulated by the New York State Department of Financial Services.";
const NEW_WORDING =
  "Insurance products are supervised by the NYS Department of Financial Services, One Commerce Plaza.";
const REJECTED_WORDING = "Insurance products are not regulated by anyone at all.";
/** The search region of attribute "Content Versions" (11) of category "Customer Communication" (3000). */
const CONTENT_VERSIONS_REGION = "Attr_3000_11";
const BATCH_SIZE = 3; // the inject's driver data: US, UK and DE customers

/** CS dates have second resolution: a version added after the start must be dated after it. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

for (const attachments of ATTACHMENT_MODES) {
  describe(`example 07 · regulatory wording with evidence (end to end, attachments as ${attachments})`, function () {
    this.timeout(60_000);
    let env: DemoEnvironment;
    let nr: EmbeddedNodeRed;
    let legal: ContentServerClient;
    /** What the integration user and the author see in Content Server, read back over raw HTTP. */
    let integration: CsReadback;
    let legalView: CsReadback;
    let done: any[];
    let errors: any[];
    let docId: number;
    let approvedProcess: number;
    let rejectedProcess: number;
    let beforePublish: any[];
    let afterPublish: any[];

    const archived = () => done.filter((m) => String(m.payload).startsWith("DF7 archived"));
    const published = () => done.filter((m) => String(m.payload).startsWith("DF7 published"));

    async function generateBatch(): Promise<any[]> {
      const count = archived().length;
      await env.waitUntil("the deployed inject node", () => !!nr.RED.nodes.getNode("df7-generate-now"), 10_000);
      const res = await fetch(`${nr.adminUrl}/inject/df7-generate-now`, { method: "POST" });
      assert.equal(res.status, 200, "inject button");
      await env.waitUntil(
        "a Policy Change batch archived",
        () => archived().length >= count + BATCH_SIZE || !!errors.length,
      );
      assert.deepEqual(errors, [], "no errors");
      return archived().slice(count);
    }

    before(async () => {
      env = await startDemoEnvironment({ cs: { "workflow-attachments": attachments } });
      useIntegrationUser(env);
      routeRejectionToIntegration(env);
      legal = csAs(env, "admin");
      integration = new CsReadback(env.cs.url, USERS.integration);
      legalView = new CsReadback(env.cs.url);
      const approver = csAs(env, "approver");
      nr = await env.startNodeRed();
      // The only change to the shipped example: poll every 200 ms instead of every 10 s.
      await nr.deploy(pollFast(loadExample("07-regulatory-wording-evidence"), "df7-trigger"));
      done = env.collect(nr, "df7-done");
      errors = env.collect(nr, "df7-errors");

      // The disclosure as it is today lives in Regulatory Wording; letters go out with it.
      docId = await uploadText(legal, FOLDERS.regulatoryWording, DISCLOSURE_DOC, OLD_WORDING);
      beforePublish = await generateBatch();

      // Legal updates the wording (version 2) and asks for approval; a later draft (version 3) is rejected.
      assert.equal(await addTextVersion(legal, docId, DISCLOSURE_DOC, NEW_WORDING), 2);
      approvedProcess = await startTemplateApproval(legal, docId, {
        "Template Name": DISCLOSURE_DOC,
        "Resource Type": "Regulatory Disclosure",
      });
      await nextSecond();
      assert.equal(await addTextVersion(legal, docId, DISCLOSURE_DOC, REJECTED_WORDING), 3);
      rejectedProcess = await startTemplateApproval(legal, docId, {
        "Template Name": DISCLOSURE_DOC,
        "Resource Type": "Regulatory Disclosure",
      });
      await decideApproval(approver, rejectedProcess, "Reject", "Wording not acceptable.");
      await decideApproval(approver, approvedProcess, "Approve", "Approved by Legal & Compliance.");
      await env.waitUntil("the disclosure to be published", () => published().length >= 1 || !!errors.length);
      assert.deepEqual(errors, [], "no errors");

      afterPublish = [...(await generateBatch()), ...(await generateBatch())];
    });

    after(async () => {
      await nr?.stop();
      await env?.close();
    });

    it("publishes the approved version 2 byte for byte as the disclosure's new APPROVED version", async () => {
      const latest = await resource(env, DISCLOSURE_ID);
      assert.deepEqual([latest.version, latest.state], [2, "APPROVED"]);
      const approved = await legalView.content(docId, 2);
      assert.ok(approved.equals(Buffer.from(NEW_WORDING)));
      assert.ok((await resourceContent(env, DISCLOSURE_ID, 2)).equals(approved), "Exstream content = CS version 2");
      const node = attachments === "shortcut" ? String(docId) : "\\d+";
      assert.match(
        latest.stateComment,
        new RegExp(`Content Server node ${node} version 2 "Regulatory Disclosure \\(US\\)\\.txt"`),
      );
    });

    /** Where the deployment record is: the approved document itself, or (copy attachments) the filed copy. */
    async function recordHolder(): Promise<number> {
      const filed = await integration.childByName(FOLDERS.approvedContent, DISCLOSURE_DOC);
      if (attachments === "shortcut") {
        assert.equal(filed, undefined, "no filed copy: the original holds the record");
        return docId;
      }
      assert.ok(filed, "filed in Content Governance/Approved Content");
      assert.ok((await integration.content(filed.id)).equals(Buffer.from(NEW_WORDING)));
      assert.match(published()[0].payload, /approved document is not reachable/);
      return filed.id;
    }

    it("writes the deployment record (onto the approved document when reachable) and sends the step on", async () => {
      const holder = await recordHolder();
      const record = (await integration.categoryValues(holder, "Exstream Deployment Record"))!;
      assert.equal(record["Published to Exstream"], true, "Published to Exstream");
      assert.equal(record["Exstream Resource ID"], DISCLOSURE_ID, "Exstream Resource ID");
      assert.equal(record["Exstream Resource Version"], "2", "Exstream Resource Version");
      assert.ok(record["Published Date"], "Published Date");
      assert.deepEqual(
        [record["Content Versions"]].flat(),
        [`${DISCLOSURE_ID}@2`],
        "Content Versions: the search token",
      );

      const status = await legalView.workflowState(approvedProcess);
      assert.equal(status.status, "completed");
      assert.deepEqual(decisionsOf(env, approvedProcess), [
        ["Approve Template", "Approve"],
        ["Publish to Exstream", "SendOn"],
      ]);
      const comments = env.cs.store.data.processes[String(approvedProcess)].comments.map((c: any) => c.text);
      assert.ok(
        comments.some((t: string) => t.includes(`resource ${DISCLOSURE_ID} version 2`)),
        comments.join(" | "),
      );
    });

    it("archives every communication with the content-block versions of its manifest", async () => {
      assert.equal(beforePublish.length, BATCH_SIZE);
      assert.equal(afterPublish.length, 2 * BATCH_SIZE);
      for (const msg of [...beforePublish, ...afterPublish]) {
        const values = (await integration.categoryValues(msg.cs.nodeId, "Customer Communication"))!;
        const fromManifest = String(msg.document.keys.ContentVersions).split(";");
        assert.ok(fromManifest.length >= 5, msg.document.keys.ContentVersions);
        assert.deepEqual(values["Content Versions"], fromManifest, `Content Versions of ${msg.cs.name}`);
        assert.equal(values["Customer ID"], msg.document.keys.CustomerId);
      }
    });

    it("renders the old wording before the publish and the new wording after it (archived PDFs)", async () => {
      const usText = async (msgs: any[]) => {
        const us = msgs.filter((m) => m.document.keys.Jurisdiction === "US");
        return Promise.all(us.map(async (m) => pdfText(await integration.content(m.cs.nodeId))));
      };
      const beforeTexts = await usText(beforePublish);
      const afterTexts = await usText(afterPublish);
      assert.equal(beforeTexts.length, 1);
      assert.equal(afterTexts.length, 2);
      for (const text of beforeTexts) {
        assert.ok(text.includes(OLD_WORDING), text);
        assert.ok(!text.includes(NEW_WORDING));
      }
      for (const text of afterTexts) {
        assert.ok(text.includes(NEW_WORDING), text);
        assert.ok(!text.includes(OLD_WORDING));
        assert.ok(!text.includes(REJECTED_WORDING));
      }
    });

    it("answers 'which communications used disclosure X version N' with a Content Server search", async () => {
      const search = async (version: number) => {
        const where = `[qlregion "${CONTENT_VERSIONS_REGION}"] "${DISCLOSURE_ID}@${version}"`;
        return (await integration.searchIds(where)).sort((a, b) => a - b);
      };
      const ids = (msgs: any[]) =>
        msgs
          .filter((m) => m.document.keys.Jurisdiction === "US")
          .map((m) => m.cs.nodeId as number)
          .sort((a, b) => a - b);
      assert.deepEqual(
        await search(2),
        ids(afterPublish),
        "version 2: exactly the US letters generated after the publish",
      );
      assert.deepEqual(await search(1), ids(beforePublish), "version 1: exactly the US letter generated before");
      assert.deepEqual(await search(3), [], "the rejected wording was never used");
    });

    it("publishes nothing for a rejected approval", async () => {
      assert.equal((await resource(env, DISCLOSURE_ID)).version, 2, "no Exstream version 3");
      assert.equal(published().length, 1, "one publish");
      assert.deepEqual(decisionsOf(env, rejectedProcess), [["Approve Template", "Reject"]]);
      const status = await legalView.workflowState(rejectedProcess);
      assert.deepEqual(
        status.current,
        [REJECTION_STEP],
        "the rejected instance waits at the integration group's step; the flow did not act on it",
      );
      const holder = await recordHolder();
      const record = (await integration.categoryValues(holder, "Exstream Deployment Record"))!;
      assert.deepEqual([record["Content Versions"]].flat(), [`${DISCLOSURE_ID}@2`], "the record still names version 2");
      if (attachments === "copy") {
        const versions = await integration.versions(holder);
        assert.equal(versions.length, 1, "the filed approved content has no second (rejected) version");
      }
    });
  });
}
