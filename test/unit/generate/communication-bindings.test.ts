import assert from "node:assert/strict";
import sinon from "sinon";
import type { CommunicationBinding } from "../../../nodes/lib/exstream";
import {
  CommunicationBindings,
  isCommunicationId,
  RESOLUTION_TTL_MS,
} from "../../../nodes/lib/generate/communication-bindings";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

/** A lookup that records what it was asked and answers the communication's current id. */
function lookups() {
  const asked: string[] = [];
  let version = 1;
  const resolve = async (communication: string): Promise<CommunicationBinding> => {
    asked.push(communication);
    return {
      communicationId: `${communication}-id-v${version}`,
      communicationName: communication,
      communicationSetId: "set",
      driverDataSource: `${communication}-driver`,
      queues: [],
    };
  };
  return { asked, resolve, redesign: () => version++ };
}

describe("generate: communication bindings", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it("recognises a communication id (a UUID, any case) and nothing else", () => {
    assert.equal(isCommunicationId(ID), true);
    assert.equal(isCommunicationId(ID.toUpperCase()), true);
    assert.equal(isCommunicationId("Welcome letter"), false);
    assert.equal(isCommunicationId(`${ID}x`), false);
  });

  it("looks a name up once and reuses its binding until the resolution is five minutes old", async () => {
    const { asked, resolve, redesign } = lookups();
    const bindings = new CommunicationBindings(resolve);
    assert.deepEqual(await bindings.targetFor("Letter"), {
      communicationId: "Letter-id-v1",
      communicationName: "Letter",
      driverDataSource: "Letter-driver",
    });
    redesign();
    clock.tick(RESOLUTION_TTL_MS - 1);
    assert.equal((await bindings.targetFor("Letter")).communicationId, "Letter-id-v1");
    assert.deepEqual(asked, ["Letter"]);
    clock.tick(1);
    assert.equal((await bindings.targetFor("Letter")).communicationId, "Letter-id-v2");
    assert.deepEqual(asked, ["Letter", "Letter"]);
  });

  it("uses an id with a given driver data source as it is, and looks up an id without one", async () => {
    const { asked, resolve } = lookups();
    const bindings = new CommunicationBindings(resolve);
    assert.deepEqual(await bindings.targetFor(ID, "Customers"), {
      communicationId: ID,
      communicationName: ID,
      driverDataSource: "Customers",
    });
    assert.deepEqual(asked, []);
    assert.equal((await bindings.targetFor(ID)).driverDataSource, `${ID}-driver`);
    assert.deepEqual(asked, [ID]);
  });

  it("lets a given driver data source win over the one a name resolves to", async () => {
    const bindings = new CommunicationBindings(lookups().resolve);
    const target = await bindings.targetFor("Letter", "Other");
    assert.equal(target.communicationId, "Letter-id-v1");
    assert.equal(target.driverDataSource, "Other");
  });

  it("looks a forgotten or cleared communication up again at once", async () => {
    const { asked, resolve } = lookups();
    const bindings = new CommunicationBindings(resolve);
    await bindings.targetFor("Letter");
    await bindings.targetFor("Invoice");
    bindings.forget("Letter");
    await bindings.targetFor("Letter");
    await bindings.targetFor("Invoice");
    assert.deepEqual(asked, ["Letter", "Invoice", "Letter"]);
    bindings.clear();
    await bindings.targetFor("Invoice");
    assert.deepEqual(asked, ["Letter", "Invoice", "Letter", "Invoice"]);
  });
});
