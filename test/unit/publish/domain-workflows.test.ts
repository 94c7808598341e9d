import assert from "node:assert/strict";
import { DomainWorkflows } from "../../../nodes/lib/publish";
import type { PublishWorkflow } from "../../../nodes/lib/exstream";

/** A detection that answers from a table and counts the domains it was asked about. */
function detector(answers: Record<string, PublishWorkflow | Error>) {
  const asked: string[] = [];
  const detect = async (domain: string) => {
    asked.push(domain);
    const answer = answers[domain];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { asked, detect };
}

describe("publish: the approval workflow of each domain", () => {
  it("uses a configured workflow without asking the domain", async () => {
    const { asked, detect } = detector({ d1: "simple" });
    const workflows = new DomainWorkflows("standard", detect);
    assert.equal(await workflows.of("d1"), "standard");
    assert.deepEqual(asked, []);
  });

  it("asks each domain once when set to auto", async () => {
    const { asked, detect } = detector({ d1: "simple", d2: "standard" });
    const workflows = new DomainWorkflows("auto", detect);
    const found = await Promise.all([workflows.of("d1"), workflows.of("d1"), workflows.of("d2"), workflows.of("d1")]);
    assert.deepEqual(found, ["simple", "simple", "standard", "simple"]);
    assert.deepEqual(asked, ["d1", "d2"]);
  });

  it("asks again after a failed detection instead of keeping the failure", async () => {
    const answers: Record<string, PublishWorkflow | Error> = { d1: new Error("HTTP 503") };
    const { asked, detect } = detector(answers);
    const workflows = new DomainWorkflows(undefined, detect);
    await assert.rejects(workflows.of("d1"), /HTTP 503/);
    answers.d1 = "simple";
    assert.equal(await workflows.of("d1"), "simple");
    assert.deepEqual(asked, ["d1", "d1"]);
  });

  it("asks again after clear (the node closed)", async () => {
    const { asked, detect } = detector({ d1: "standard" });
    const workflows = new DomainWorkflows("auto", detect);
    await workflows.of("d1");
    workflows.clear();
    await workflows.of("d1");
    assert.deepEqual(asked, ["d1", "d1"]);
  });
});
