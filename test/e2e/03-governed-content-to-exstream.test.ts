/*
 * DF3 end to end: a text block approved in Content Server becomes the Exstream resource production uses, the
 * approved document receives its deployment record, and the workflow step is sent on. A rejected approval
 * publishes nothing. Run for both ways Content Server attaches documents to a workflow: a shortcut to the original
 * (the record goes onto the original) and a copy (the original is not reachable: the record goes onto a filed copy).
 */
import assert from "node:assert/strict";
import type { ContentServerClient } from "../../nodes/lib/content-server";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";
import { CsReadback } from "../helpers/cs-readback";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { EXSTREAM_DEMO } from "../helpers/exstream-sim";
import {
  ATTACHMENT_MODES,
  FOLDERS,
  csAs,
  decideApproval,
  decisionsOf,
  pdfText,
  pollFast,
  REJECTION_STEP,
  renderPdf,
  resource,
  resourceContent,
  routeRejectionToIntegration,
  sha256,
  startTemplateApproval,
  uploadText,
  useIntegrationUser,
} from "../helpers/governed-content";
import { USERS } from "../helpers/workflow-kit";

const OFFER_BLOCK_ID = "b1000000-0000-4000-8000-000000000031"; // "Customer Offer (standard)", message block
const OFFER_DOC = "Customer Offer (standard).txt";
const OLD_OFFER = "Manage your account online at any time.";
const NEW_OFFER = "Manage your policies in the new customer portal, day and night, at no extra cost.";

const DISCLAIMER_BLOCK_ID = "b1000000-0000-4000-8000-000000000041"; // "Legal Disclaimer (en, US)"
const DISCLAIMER_DOC = "Legal Disclaimer (en, US).txt";
const REJECTED_DISCLAIMER = "This notice is void in all jurisdictions, which legal did not approve.";

/** A retail US customer: the standard customer offer and the US disclaimer are placed in her letters. */
const ALICE = {
  CustomerId: "C-1001",
  AccountNumber: "ACC-1001",
  FirstName: "Alice",
  LastName: "Johnson",
  Language: "en",
  Jurisdiction: "US",
  Segment: "retail",
  StatementDate: "2025-05-31",
  Balance: "1,250.40",
  Currency: "USD",
  DueDate: "2025-06-15",
};
const renderStatement = (env: DemoEnvironment) =>
  renderPdf(env, EXSTREAM_DEMO.communicationId, EXSTREAM_DEMO.driverDataSource, ALICE).then(pdfText);

for (const attachments of ATTACHMENT_MODES) {
  describe(`example 03 · governed content to Exstream (end to end, attachments as ${attachments})`, function () {
    this.timeout(60_000);
    let env: DemoEnvironment;
    let nr: EmbeddedNodeRed;
    let author: ContentServerClient;
    /** What the integration user and the author see in Content Server, read back over raw HTTP. */
    let integration: CsReadback;
    let authorView: CsReadback;
    let done: any[];
    let errors: any[];
    let textBefore: string;
    let offerDocId: number;
    let approvedProcess: number;
    let rejectedProcess: number;

    before(async () => {
      env = await startDemoEnvironment({ cs: { "workflow-attachments": attachments } });
      useIntegrationUser(env);
      routeRejectionToIntegration(env);
      author = csAs(env, "admin");
      integration = new CsReadback(env.cs.url, USERS.integration);
      authorView = new CsReadback(env.cs.url);
      const approver = csAs(env, "approver");
      nr = await env.startNodeRed();
      // The only change to the shipped example: poll every 200 ms instead of every 10 s.
      await nr.deploy(pollFast(loadExample("03-governed-content-to-exstream"), "df3-trigger"));
      done = env.collect(nr, "df3-done");
      errors = env.collect(nr, "df3-errors");

      textBefore = await renderStatement(env);

      // Legal puts the new wording into Content Server and asks for approval; a second, unwanted wording is rejected
      // (and goes on to an integration step: the trigger sees it with the approved one and must leave it alone).
      offerDocId = await uploadText(author, FOLDERS.contentGovernance, OFFER_DOC, NEW_OFFER);
      const disclaimerDocId = await uploadText(author, FOLDERS.contentGovernance, DISCLAIMER_DOC, REJECTED_DISCLAIMER);
      rejectedProcess = await startTemplateApproval(author, disclaimerDocId, {
        "Template Name": DISCLAIMER_DOC,
        "Resource Type": "Disclaimer",
      });
      approvedProcess = await startTemplateApproval(author, offerDocId, {
        "Template Name": OFFER_DOC,
        "Resource Type": "Text Block",
      });
      await decideApproval(approver, rejectedProcess, "Reject", "Not this wording.");
      await decideApproval(approver, approvedProcess, "Approve", "Approved for all letters.");

      await env.waitUntil("DF3 to publish the approved text block", () => done.length >= 1 || errors.length > 0);
      assert.deepEqual(errors, [], "no errors");
    });

    after(async () => {
      await nr?.stop();
      await env?.close();
    });

    it("publishes the approved Content Server version byte for byte as a new APPROVED Exstream version", async () => {
      const latest = await resource(env, OFFER_BLOCK_ID);
      assert.equal(latest.version, 2, "seeded version 1 + the published one");
      assert.equal(latest.state, "APPROVED");
      const node = attachments === "shortcut" ? String(offerDocId) : "\\d+";
      assert.match(latest.stateComment, new RegExp(`Content Server node ${node} version 1 "${escape(OFFER_DOC)}"`));
      const approved = await authorView.content(offerDocId);
      assert.ok(
        approved.equals(await resourceContent(env, OFFER_BLOCK_ID, 2)),
        "resource content = approved CS version",
      );
      assert.ok((await resourceContent(env, OFFER_BLOCK_ID, 1)).equals(Buffer.from(OLD_OFFER)), "version 1 kept");
    });

    async function assertDeploymentRecord(nodeId: number) {
      const bytes = await integration.content(nodeId);
      assert.ok(bytes.equals(Buffer.from(NEW_OFFER)), "the recorded content is the approved content");
      const record = await integration.categoryValues(nodeId, "Exstream Deployment Record");
      assert.ok(record, "category Exstream Deployment Record applied");
      assert.equal(record["Published to Exstream"], true, "Published to Exstream");
      assert.equal(record["Exstream Resource ID"], OFFER_BLOCK_ID, "Exstream Resource ID");
      assert.equal(record["Exstream Resource Version"], "2", "Exstream Resource Version");
      assert.ok(
        Date.now() - Date.parse(String(record["Published Date"])) < 5 * 60_000,
        `Published Date ${String(record["Published Date"])}`,
      );
      assert.equal(record["Resource Type"], "Text Block", "Resource Type");
      assert.deepEqual([record["Content Versions"]].flat(), [`${OFFER_BLOCK_ID}@2`], "Content Versions");
      assert.equal(record["SHA-256"], sha256(bytes), "SHA-256");
    }

    if (attachments === "shortcut") {
      it("writes the deployment record onto the approved document itself, files no copy", async () => {
        await assertDeploymentRecord(offerDocId);
        assert.equal(await integration.childByName(FOLDERS.approvedContent, OFFER_DOC), undefined, "no filed copy");
        assert.match(done[0].payload, new RegExp(`record on node ${offerDocId} \\(updated\\)`));
        assert.doesNotMatch(done[0].payload, /not reachable/);
      });
    } else {
      it("files a copy in Approved Content with the deployment record, and says why (original not reachable)", async () => {
        const filed = await integration.childByName(FOLDERS.approvedContent, OFFER_DOC);
        assert.ok(filed, `${OFFER_DOC} in Content Governance/Approved Content`);
        await assertDeploymentRecord(filed.id);
        assert.equal(await integration.categoryValues(offerDocId, "Exstream Deployment Record"), undefined);
        assert.match(done[0].payload, /approved document is not reachable .* filed copy in Content Governance/);
      });
    }

    it("sends the step on with a comment naming resource and version; the instance finishes", async () => {
      const status = await authorView.workflowState(approvedProcess);
      assert.equal(status.status, "completed");
      assert.deepEqual(status.current, []);
      assert.deepEqual(decisionsOf(env, approvedProcess), [
        ["Approve Template", "Approve"],
        ["Publish to Exstream", "SendOn"],
      ]);
      // The comment and the workflow attributes as Content Server stored them (simulator state).
      const process = env.cs.store.data.processes[String(approvedProcess)];
      assert.ok(
        process.comments.some((c: { text: string }) => c.text.includes(`resource ${OFFER_BLOCK_ID} version 2`)),
        JSON.stringify(process.comments),
      );
      assert.deepEqual(
        Object.values(process.attributes).filter((a) => a === OFFER_BLOCK_ID || a === "2"),
        [OFFER_BLOCK_ID, "2"],
      );
      assert.equal(done.length, 1);
      assert.match(
        done[0].payload,
        /^DF3 published Customer Offer \(standard\)\.txt .* → Exstream .* v2 \(versioned\)/,
      );
    });

    it("renders the new wording in letters generated after the publish, the old one before", async () => {
      assert.ok(textBefore.includes(OLD_OFFER), textBefore);
      assert.ok(!textBefore.includes(NEW_OFFER));
      const textAfter = await renderStatement(env);
      assert.ok(textAfter.includes(NEW_OFFER), textAfter);
      assert.ok(!textAfter.includes(OLD_OFFER));
    });

    it("publishes nothing for a rejected approval", async () => {
      const disclaimer = await resource(env, DISCLAIMER_BLOCK_ID);
      assert.equal(disclaimer.version, 1, "no new Exstream version");
      assert.equal(await integration.childByName(FOLDERS.approvedContent, DISCLAIMER_DOC), undefined, "nothing filed");
      const status = await authorView.workflowState(rejectedProcess);
      assert.deepEqual(
        status.current,
        [REJECTION_STEP],
        "the rejected instance waits at the integration group's step; the flow did not act on it",
      );
      assert.deepEqual(decisionsOf(env, rejectedProcess), [["Approve Template", "Reject"]]);
      assert.equal(done.length, 1, "only the approved instance went through the flow");
      assert.ok(!(await renderStatement(env)).includes(REJECTED_DISCLAIMER));
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
