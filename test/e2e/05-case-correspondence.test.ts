/*
 * Example 05 · case correspondence (DF5), end to end: a claim case reaches "Generate Case Letter" of the workflow
 * "Case Correspondence" in the CS simulator; the example flow chooses the letter by the attribute "Letter Type",
 * generates it in the Exstream simulator, files it in the Claim workspace's Correspondence folder and completes the
 * step with a comment.
 */
import assert from "node:assert/strict";
import type { ContentServerClient } from "../../nodes/lib/content-server";
import { awaitPolls } from "../helpers/content-server-sim";
import { CsReadback } from "../helpers/cs-readback";
import type { EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { loadExample, startDemoEnvironment, type DemoEnvironment } from "../helpers/example-flows";
import { USERS } from "../helpers/workflow-kit";
import {
  csAs,
  documentsIn,
  holdMessagesTo,
  pdfText,
  runFlowsAsIntegrationUser,
  startWorkflow,
  withFastPolling,
  workflowComments,
} from "../helpers/workflow-letters";

const MAP = "Case Correspondence";
const CLAIM = "CLM-2024-0001";
const CASE_HANDLER_REVIEW_STEP_ID = 20;

/** What the case carries for every letter: the claim, its customer (Acme Corporation, English, US). */
const CASE = {
  "Claim Number": CLAIM,
  "Customer ID": "C-1001",
  "Customer Name": "Acme Corporation",
  Language: "en",
  Jurisdiction: "US",
};

const LETTERS = [
  {
    letterType: "Missing Information Request",
    attributes: { "Missing Items": "police report, repair estimate", "Response Deadline": "2025-07-15" },
    documentType: "InformationRequest",
    communicationId: "c0000000-0000-4000-8000-000000000004",
    expected: [
      "Missing Information Request",
      `To continue processing claim ${CLAIM} we need the following: police report, repair estimate.`,
      "Please send them by 2025-07-15.",
    ],
  },
  {
    letterType: "Denial",
    attributes: {
      Decision: "declined",
      "Decision Reason": "The loss occurred before the policy start date.",
      Amount: "0.00",
      Currency: "USD",
    },
    documentType: "ClaimDecision",
    communicationId: "c0000000-0000-4000-8000-000000000003",
    expected: [
      "Claim Decision",
      `We have reviewed claim ${CLAIM}. Decision: declined. The loss occurred before the policy start date.`,
      "Approved amount: 0.00 USD",
    ],
  },
  {
    letterType: "Settlement Notice",
    attributes: { Amount: "2,400.00", Currency: "USD", "Payment Date": "2025-07-10" },
    documentType: "Settlement",
    communicationId: "c0000000-0000-4000-8000-000000000005",
    expected: [
      "Settlement Notice",
      `Claim ${CLAIM} has been settled. We will pay 2,400.00 USD to your account on 2025-07-10.`,
    ],
  },
];

describe("example 05 · case correspondence (DF5)", function () {
  this.timeout(30_000);
  let env: DemoEnvironment;
  let nr: EmbeddedNodeRed | undefined;
  let user: ContentServerClient;
  let cs: CsReadback;

  beforeEach(async () => {
    env = await startDemoEnvironment();
    runFlowsAsIntegrationUser(env);
    user = csAs(env, "admin");
    cs = new CsReadback(env.cs.url);
  });
  afterEach(async () => {
    await nr?.stop();
    nr = undefined;
    await user.close();
    await env.close();
  });

  /** The example as shipped, except that the trigger polls every 100 ms instead of every 10 s. */
  const example = () => withFastPolling(loadExample("05-case-correspondence"), "df05-trigger");

  async function caseCorrespondence() {
    const ws = await cs.workspaceNamed("Claim", CLAIM);
    assert.ok(ws, `claim workspace ${CLAIM}`);
    return documentsIn(cs, ws, "Correspondence");
  }

  for (const letter of LETTERS) {
    it(`Letter Type "${letter.letterType}": files the ${letter.documentType} letter in the claim's Correspondence folder and completes the step`, async () => {
      nr = await env.startNodeRed();
      const done = env.collect(nr, "df05-done");
      const errors = env.collect(nr, "df05-errors");
      await nr.deploy(example());
      const processId = await startWorkflow(user, MAP, {
        ...CASE,
        "Letter Type": letter.letterType,
        ...letter.attributes,
      });
      await env.waitUntil("the letter", () => done.length >= 1 || errors.length > 0);
      assert.deepEqual(
        errors.map((m) => m.payload),
        [],
      );

      // Filed in the Claim workspace's Correspondence folder, the right communication's text in the PDF.
      const docs = await caseCorrespondence();
      assert.deepEqual(
        docs.map((d) => d.name),
        [`${letter.letterType} ${CLAIM} (${processId}).pdf`],
      );
      const text = await pdfText(cs, docs[0].id);
      for (const expected of [...letter.expected, "Dear Acme Corporation", "laws of the State of New York"])
        assert.ok(text.includes(expected), `the letter contains "${expected}":\n${text}`);
      for (const other of LETTERS.filter((l) => l !== letter))
        assert.ok(!text.includes(other.expected[1].slice(0, 30)), `not the ${other.documentType} letter`);

      const category = await cs.categoryValues(docs[0].id, "Customer Communication");
      assert.ok(category, "category Customer Communication applied");
      assert.equal(category["Document Type"], letter.documentType);
      assert.equal(category["Communication ID"], letter.communicationId);
      assert.equal(category["Customer ID"], "C-1001");
      assert.equal(category["Customer Name"], "Acme Corporation");
      assert.match(String(category["SHA-256"]), /^[0-9a-f]{64}$/);

      // Step completed, the case moved on to the case handler, who sees the document id; the comment names it.
      const state = await cs.workflowState(processId);
      assert.deepEqual(state.completed, ["Generate Case Letter"]);
      assert.deepEqual(state.current, ["Case Handler Review"]);
      const handler = new CsReadback(env.cs.url, USERS.approver);
      const attributes = await handler.taskAttributes(processId, CASE_HANDLER_REVIEW_STEP_ID);
      assert.equal(attributes["Generated Document ID"], docs[0].id);
      assert.ok(
        workflowComments(env, processId).some((c) => c.startsWith(letter.letterType) && c.includes(docs[0].name)),
        "the completion comment names the letter",
      );

      await awaitPolls(env.cs); // a whole poll cycle more: room for a repeat
      assert.equal(done.length, 1, "one log line");
      assert.match(
        done[0].payload,
        new RegExp(`^DF5 ${CLAIM} ${letter.letterType}: .* → node ${docs[0].id} \\(created\\), step completed$`),
      );
    });
  }

  it("generates nothing for an unknown Letter Type, reports it and leaves the task with the integration user", async () => {
    nr = await env.startNodeRed();
    const done = env.collect(nr, "df05-done");
    const errors = env.collect(nr, "df05-errors");
    await nr.deploy(example());
    const processId = await startWorkflow(user, MAP, { ...CASE, "Letter Type": "Birthday Card" });
    await env.waitUntil("the report", () => errors.length >= 1);
    assert.match(errors[0].payload, /unknown Letter Type "Birthday Card"/);
    await awaitPolls(env.cs); // a whole poll cycle more: room for a repeat
    assert.equal(done.length, 0);
    assert.equal((await caseCorrespondence()).length, 0);
    assert.deepEqual((await cs.workflowState(processId)).current, ["Generate Case Letter"]);
  });

  it("files no second letter when Node-RED restarts while the task is in flight", async () => {
    nr = await env.startNodeRed();
    const reachedComplete = env.collect(nr, "df05-complete");
    const release = holdMessagesTo(nr, "df05-complete");
    await nr.deploy(example());
    const processId = await startWorkflow(user, MAP, { ...CASE, "Letter Type": "Settlement Notice", Amount: "10.00" });
    await env.waitUntil("the letter archived", () => reachedComplete.length >= 1);
    release();
    assert.deepEqual((await cs.workflowState(processId)).current, ["Generate Case Letter"], "still in flight");

    nr = await env.restartNodeRed(nr);
    const done = env.collect(nr, "df05-done");
    await env.waitUntil("the task served again", () => done.length >= 1);
    assert.equal(done[0].cs.outcome, "duplicate");
    assert.equal(done[0].cs.nodeId, reachedComplete[0].cs.nodeId);
    const docs = await caseCorrespondence();
    assert.equal(docs.length, 1, "exactly one document");
    assert.equal((await cs.versions(docs[0].id)).length, 1, "exactly one version");
    assert.deepEqual((await cs.workflowState(processId)).current, ["Case Handler Review"]);
  });
});
