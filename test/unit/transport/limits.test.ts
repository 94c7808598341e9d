import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { readAtMost } from "../../../nodes/lib/transport/limits";

describe("transfer limits: reading at most a number of bytes", () => {
  const chunks = () => [Buffer.from("abcd"), "efgh", Buffer.from("ij")];

  it("gives all the bytes when they are at most the limit, strings included", async () => {
    assert.equal((await readAtMost(Readable.from(chunks()), 10))?.toString(), "abcdefghij");
  });

  it("gives nothing when there is one byte more, and destroys the stream instead of reading on", async () => {
    const source = Readable.from(chunks());
    assert.equal(await readAtMost(source, 9), undefined);
    assert.equal(source.destroyed, true);
  });
});
