import assert from "node:assert/strict";
import { parseFlags } from "../../sim/cli";

describe("simulator command line", () => {
  it("reads --name value, --name=value and bare switches", () => {
    assert.deepEqual(parseFlags(["--port", "8181", "--seed=demo", "--atomic", "--data", "/tmp/x"]), {
      port: "8181",
      seed: "demo",
      atomic: true,
      data: "/tmp/x",
    });
  });

  it("refuses stray positional arguments", () => {
    assert.throws(() => parseFlags(["8181"]), /unexpected argument "8181"/);
  });
});
