/*
 * Example 02 · workflow-triggered letter (DF2), end to end: a user starts the "Letter Generation" workflow in the CS
 * simulator; the example flow, running in an embedded Node-RED against both simulators, generates the "Policy Change
 * Confirmation" in the Exstream simulator, files it in the customer's workspace and sends the step on.
 */
import assert from "node:assert/strict";
import type { ContentServerClient } from "../../nodes/lib/content-server";
import { signedCallbackHeaders } from "../../nodes/lib/workflow/callback-auth";
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

const MAP = "Letter Generation";
const REVIEW_STEP_ID = 20;

const ACME = {
  "Customer ID": "C-1001",
  "Customer Name": "Acme Corporation",
  "Letter Type": "Policy Change",
  Language: "en",
  Jurisdiction: "US",
  Channel: "Print",
  "Policy Number": "POL-2001",
  "Change Description": "additional driver added",
  "Effective Date": "2025-07-01",
  "New Premium": "84.20",
  Currency: "USD",
};
const INITECH = {
  "Customer ID": "C-1003",
  "Customer Name": "Initech GmbH",
  "Letter Type": "Policy Change",
  Language: "de",
  Jurisdiction: "DE",
  Channel: "Email",
  "Policy Number": "POL-7003",
  "Change Description": "Versicherungssumme erhöht",
  "Effective Date": "2025-08-01",
  "New Premium": "42.00",
  Currency: "EUR",
};

describe("example 02 · workflow-triggered letter (DF2)", function () {
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
  const example = () => withFastPolling(loadExample("02-workflow-triggered-letter"), "df02-trigger");

  async function customerWorkspace(customerId: string): Promise<number> {
    const ws = await cs.workspaceOf("CRM", "Customer", customerId);
    assert.ok(ws, `workspace of ${customerId}`);
    return ws;
  }

  it("files each customer's confirmation in their workspace, in their language, with its categories, and sends the step on", async () => {
    nr = await env.startNodeRed();
    const done = env.collect(nr, "df02-done");
    const errors = env.collect(nr, "df02-errors");
    await nr.deploy(example());
    const acmeProcess = await startWorkflow(user, MAP, ACME);
    const initechProcess = await startWorkflow(user, MAP, INITECH);
    await env.waitUntil("two letters", () => done.length >= 2 || errors.length > 0);
    assert.deepEqual(
      errors.map((m) => m.payload),
      [],
    );

    // Acme Corporation (English, US): one letter in ITS workspace's Correspondence folder, the English wording.
    const acmeDocs = await documentsIn(cs, await customerWorkspace("C-1001"), "Correspondence");
    assert.deepEqual(
      acmeDocs.map((d) => d.name),
      [`Policy Change Confirmation POL-2001 (${acmeProcess}).pdf`],
    );
    const acmeText = await pdfText(cs, acmeDocs[0].id);
    for (const expected of [
      "Policy Change Confirmation",
      "Dear Acme Corporation",
      "We confirm the following change to policy POL-2001: additional driver added.",
      "effective from 2025-07-01; your new premium is 84.20 USD",
      "Kind regards",
      "laws of the State of New York",
    ])
      assert.ok(acmeText.includes(expected), `English letter contains "${expected}":\n${acmeText}`);
    assert.ok(!acmeText.includes("Sehr geehrte"), "no German greeting in the English letter");

    // Initech GmbH (German, DE): the German variant of the greeting, closing and legal blocks.
    const initechDocs = await documentsIn(cs, await customerWorkspace("C-1003"), "Correspondence");
    assert.deepEqual(
      initechDocs.map((d) => d.name),
      [`Policy Change Confirmation POL-7003 (${initechProcess}).pdf`],
    );
    const initechText = await pdfText(cs, initechDocs[0].id);
    for (const expected of [
      "Sehr geehrte(r) Initech GmbH",
      "POL-7003: Versicherungssumme erhöht",
      "Mit freundlichen Grüßen",
      "Es gilt das Recht der Bundesrepublik Deutschland",
      "BaFin",
    ])
      assert.ok(initechText.includes(expected), `German letter contains "${expected}":\n${initechText}`);
    assert.ok(!/\bDear\b/.test(initechText) && !initechText.includes("Kind regards"), "no English wording");
    // Not filed with the other customer.
    assert.equal((await documentsIn(cs, await customerWorkspace("C-1002"), "Correspondence")).length, 0);

    // Categories: the manifest keys mapped onto "Customer Communication".
    const acmeCategory = await cs.categoryValues(acmeDocs[0].id, "Customer Communication");
    assert.ok(acmeCategory, "category Customer Communication applied");
    assert.equal(acmeCategory["Customer ID"], "C-1001");
    assert.equal(acmeCategory["Customer Name"], "Acme Corporation");
    assert.equal(acmeCategory["Document Type"], "PolicyChange");
    assert.equal(acmeCategory.Language, "en");
    assert.equal(acmeCategory.Jurisdiction, "US");
    assert.equal(acmeCategory["Communication ID"], "c0000000-0000-4000-8000-000000000002");
    assert.match(String(acmeCategory["SHA-256"]), /^[0-9a-f]{64}$/);
    assert.match(String(acmeCategory["Delivery Date"]), /^\d{4}-\d{2}-\d{2}/);
    const initechCategory = await cs.categoryValues(initechDocs[0].id, "Customer Communication");
    assert.equal(initechCategory?.["Customer ID"], "C-1003");
    assert.equal(initechCategory?.Language, "de");
    assert.equal(initechCategory?.Jurisdiction, "DE");
    assert.match(String(initechCategory?.Variant), /^de-DE/);

    // The step is completed and the instance moved on to the review; the comment names the archived document.
    for (const [processId, doc] of [
      [acmeProcess, acmeDocs[0]],
      [initechProcess, initechDocs[0]],
    ] as const) {
      const state = await cs.workflowState(processId);
      assert.deepEqual(state.completed, ["Generate Letter"]);
      assert.deepEqual(state.current, ["Review Letter"]);
      const reviewer = new CsReadback(env.cs.url, USERS.approver);
      const attributes = await reviewer.taskAttributes(processId, REVIEW_STEP_ID);
      assert.equal(attributes["Generated Document ID"], doc.id);
      assert.ok(
        workflowComments(env, processId).some((c) => c.includes(doc.name) && c.includes(String(doc.id))),
        `a comment names ${doc.name}`,
      );
    }

    // One log line per letter.
    await awaitPolls(env.cs); // a whole poll cycle more: room for a repeat
    assert.equal(done.length, 2);
    for (const msg of done) {
      assert.equal(typeof msg.payload, "string");
      assert.ok(!msg.payload.includes("\n"));
    }
    const lines = done.map((m) => m.payload as string).sort();
    assert.match(lines[0], /^DF2 C-1001: Policy Change Confirmation POL-2001 .* → node \d+ \(created\)/);
    assert.match(lines[1], /^DF2 C-1003: Policy Change Confirmation POL-7003 .* → node \d+ \(created\)/);
  });

  it("files no second letter when Node-RED restarts while the task is in flight", async () => {
    nr = await env.startNodeRed();
    const reachedComplete = env.collect(nr, "df02-complete");
    // The letter gets archived, but the step is not sent on before the restart: the task stays assigned.
    const release = holdMessagesTo(nr, "df02-complete");
    await nr.deploy(example());
    const processId = await startWorkflow(user, MAP, ACME);
    await env.waitUntil("the letter archived", () => reachedComplete.length >= 1);
    release();
    const first = reachedComplete[0].cs;
    assert.equal(first.outcome, "created");
    assert.deepEqual((await cs.workflowState(processId)).current, ["Generate Letter"], "still in flight");

    nr = await env.restartNodeRed(nr);
    const done = env.collect(nr, "df02-done");
    await env.waitUntil("the task served again after the restart", () => done.length >= 1);

    assert.equal(done[0].workflow.processId, processId);
    assert.equal(done[0].workflow.attempt, 2, "emitted a second time");
    assert.equal(done[0].cs.nodeId, first.nodeId);
    assert.equal(done[0].cs.outcome, "duplicate");
    const docs = await documentsIn(cs, await customerWorkspace("C-1001"), "Correspondence");
    assert.equal(docs.length, 1, "exactly one document");
    assert.equal((await cs.versions(docs[0].id)).length, 1, "exactly one version");
    assert.deepEqual((await cs.workflowState(processId)).current, ["Review Letter"]);
    await awaitPolls(env.cs); // a whole poll cycle more: room for a repeat
    assert.equal(done.length, 1, "one log line");
  });

  it("reports a customer without a workspace on the error output and leaves the step with the integration user", async () => {
    nr = await env.startNodeRed();
    const done = env.collect(nr, "df02-done");
    const errors = env.collect(nr, "df02-errors");
    await nr.deploy(example());
    const processId = await startWorkflow(user, MAP, { ...ACME, "Customer ID": "C-9999", "Policy Number": "POL-9" });
    await env.waitUntil("the error line", () => errors.length >= 1);
    assert.match(
      errors[0].payload,
      new RegExp(`^DF2 failed at customer workspace / Correspondence: .*\\(process ${processId}\\)$`),
    );
    await awaitPolls(env.cs); // a whole poll cycle more: room for a repeat
    assert.equal(done.length, 0);
    assert.deepEqual((await cs.workflowState(processId)).current, ["Generate Letter"]);
  });

  describe("with the trigger switched to HTTP callback mode", function () {
    const SECRET = "df02-callback-secret";
    /** The test switches the trigger to callback mode (HMAC) and gives it the shared secret. */
    const callbackExample = () =>
      loadExample("02-workflow-triggered-letter").map((n) =>
        n.id === "df02-trigger"
          ? { ...n, mode: "callback", callbackAuth: "hmac", credentials: { callbackSecret: SECRET } }
          : n,
      );

    it("refuses a callback with a bad signature (401, nothing generated) and generates the letter for a good one", async function () {
      this.timeout(60_000); // two letters: the other customer's proves the refused callback emitted nothing
      nr = await env.startNodeRed();
      const triggered = env.collect(nr, "df02-driver");
      const generated = env.collect(nr, "df02-metadata");
      const done = env.collect(nr, "df02-done");
      await nr.deploy(callbackExample());
      const processId = await startWorkflow(user, MAP, ACME);
      const url = `${nr.url}/api/cs-workflow/df02`;
      const body = JSON.stringify({ processId, subprocessId: processId, taskId: 10 });
      const post = (signed: Record<string, string>) =>
        fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...signed } });

      // The endpoint exists once the flow has started (an unsigned call is answered, not 404).
      await env.waitUntil("the callback endpoint", async () => (await post({})).status !== 404, 5000);

      const refused = await post(signedCallbackHeaders("not-the-secret", body));
      assert.equal(refused.status, 401);
      // A refused callback is answered when its handling has ended, and the trigger's messages leave in order: a
      // good callback for another customer's workflow, sent afterwards, is the first the flow gets only if the
      // refused one emitted nothing.
      const other = await startWorkflow(user, MAP, INITECH);
      const otherBody = JSON.stringify({ processId: other, subprocessId: other, taskId: 10 });
      const otherCall = await fetch(url, {
        method: "POST",
        body: otherBody,
        headers: { "content-type": "application/json", ...signedCallbackHeaders(SECRET, otherBody) },
      });
      assert.equal(otherCall.status, 202);
      await env.waitUntil("the other customer's task in the flow", () => triggered.length >= 1);
      assert.deepEqual(
        triggered.map((msg) => msg.workflow.processId),
        [other],
        "the refused callback emitted nothing",
      );
      assert.deepEqual((await cs.workflowState(processId)).current, ["Generate Letter"]);

      const accepted = await post(signedCallbackHeaders(SECRET, body));
      assert.equal(accepted.status, 202);
      await env.waitUntil("both letters", () => done.length >= 2);
      assert.equal(generated.length, 2, "one letter per accepted callback");
      const docs = await documentsIn(cs, await customerWorkspace("C-1001"), "Correspondence");
      assert.equal(docs.length, 1);
      assert.ok((await pdfText(cs, docs[0].id)).includes("POL-2001: additional driver added"));
      assert.deepEqual((await cs.workflowState(processId)).current, ["Review Letter"]);
    });
  });
});
