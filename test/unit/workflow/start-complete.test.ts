import assert from "node:assert/strict";
import { ContentServerError, type ContentServerClient } from "../../../nodes/lib/content-server";
import type { WorkflowMapResolver } from "../../../nodes/lib/workflow/maps";
import {
  WorkflowSteps,
  explainNotAssigned,
  isRecord,
  toId,
  toIds,
  trimmed,
  type StepInput,
  type StepProblem,
} from "../../../nodes/lib/workflow/start-complete";

const invalidRequest = (text: RegExp) => (err: unknown) =>
  err instanceof ContentServerError && err.code === "INVALID_REQUEST" && text.test(err.message);

/** No request is sent in these cases: a step refused before it reaches Content Server. */
function steps() {
  const unreachable = new Proxy({}, { get: () => assert.fail("no request may be sent") });
  const text = (problem: StepProblem) => `errors.${problem}`;
  return new WorkflowSteps(unreachable as ContentServerClient, unreachable as WorkflowMapResolver, text);
}

/** The values of one message, recording which ones were read. */
function values(given: Partial<Record<StepInput, unknown>>) {
  const read: StepInput[] = [];
  return { read, input: async (name: StepInput) => (read.push(name), given[name]) };
}

describe("workflow start and completion: ids and values", () => {
  it("reads ids from numbers and numeric text, blank as none", () => {
    assert.equal(toId(42), 42);
    assert.equal(toId("1001"), 1001);
    assert.equal(toId(""), undefined);
    assert.equal(toId(null), undefined);
    assert.equal(toId(0, true), 0);
  });

  it("refuses ids that are not positive integers (0 only where allowed) as invalid requests", () => {
    assert.throws(() => toId(0), invalidRequest(/cs-workflow: invalid id "0"/));
    assert.throws(() => toId("12a"), invalidRequest(/invalid id "12a"/));
    assert.throws(() => toId(1.5, true), invalidRequest(/invalid id "1.5"/));
    assert.throws(() => toId(-1, true), invalidRequest(/invalid id "-1"/));
  });

  it("reads node ids from a number, a list or comma-separated text", () => {
    assert.deepEqual(toIds(7), [7]);
    assert.deepEqual(toIds([7, " 8 ", ""]), [7, 8]);
    assert.deepEqual(toIds("7, 8,9"), [7, 8, 9]);
    assert.deepEqual(toIds(undefined), []);
    assert.throws(() => toIds("7,x"), invalidRequest(/invalid id "x"/));
  });

  it("reads text trimmed, blank as none, and only plain objects as records", () => {
    assert.equal(trimmed("  SendOn "), "SendOn");
    assert.equal(trimmed("   "), undefined);
    assert.equal(trimmed(12), "12");
    assert.equal(isRecord({ a: 1 }), true);
    for (const value of [null, [1], Buffer.from("x"), "text"]) assert.equal(isRecord(value), false);
  });
});

describe("workflow start and completion: refused before anything is sent", () => {
  it("a start without a map, without reading anything else", async () => {
    const { read, input } = values({ title: "x" });
    await assert.rejects(steps().start(input), invalidRequest(/^cs-workflow: errors\.noMap$/));
    assert.deepEqual(read, ["map"]);
  });

  it("a completion without process or task id", async () => {
    await assert.rejects(steps().complete(values({ processId: 1 }).input), invalidRequest(/errors\.noTask/));
    await assert.rejects(steps().complete(values({ taskId: 0 }).input), invalidRequest(/errors\.noTask/));
  });

  it("a completion with both an action and a custom action", async () => {
    const given = values({ processId: 1, taskId: 1, action: "SendOn", customAction: "Approve" });
    await assert.rejects(steps().complete(given.input), invalidRequest(/errors\.bothActions/));
  });

  it("a completion whose attribute values are not an object", async () => {
    const given = values({ processId: 1, taskId: 1, attributes: ["a"] });
    await assert.rejects(steps().complete(given.input), invalidRequest(/errors\.attributes/));
  });
});

describe("workflow completion: a step that is not this user's", () => {
  const task = { processId: 1001, subprocessId: 1001, taskId: 10 };

  it("says which task is not assigned, keeping what Content Server answered", () => {
    const csMessage = "Could not get a workflow for 1001,1001,10";
    const err = new ContentServerError({ operation: "completeTask", code: "HTTP", status: 400, csMessage });
    const explained = explainNotAssigned(err, task) as ContentServerError;
    const explanation = ": task 1001/1001/10 is not assigned to this user or no longer current";
    assert.equal(explained.message, `${err.message}${explanation}`);
    assert.equal(explained.status, 400);
    assert.equal(explained.csMessage, err.csMessage);
  });

  it("leaves every other failure as it is", () => {
    const other = new ContentServerError({ operation: "completeTask", code: "HTTP", status: 500, csMessage: "boom" });
    assert.equal(explainNotAssigned(other, task), other);
    const plain = new Error("socket hang up");
    assert.equal(explainNotAssigned(plain, task), plain);
  });
});
