import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import csConfig from "../../../nodes/cs-config/cs-config";
import type { CsConfigNode } from "../../../nodes/cs-config/types";
import metadataMap from "../../../nodes/metadata-map/metadata-map";
import type { RuleConfig } from "../../../nodes/metadata-map/types";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../../helpers/content-server-sim";

helper.init(require.resolve("node-red"));
const catchNode = require("@node-red/nodes/core/common/25-catch.js");

type Msg = Record<string, any>;

describe("metadata-map node", function () {
  let sim: ContentServerSimulator;

  before(async () => {
    sim = await startSeededContentServer();
  });
  after(async () => {
    await sim.close();
  });
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
  });

  /** Loads cs-config + metadata-map (+ catch) and returns a function that sends a msg and waits for out or catch. */
  async function deploy(props: Record<string, unknown>) {
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "cfg", type: "cs-config", baseUrl: sim.url, authMode: "cs" },
      { id: "map", z: "tab1", type: "metadata-map", server: "cfg", x: 10, y: 10, wires: [["out"]], ...props },
      { id: "out", z: "tab1", type: "helper", x: 20, y: 10 },
      { id: "catcher", z: "tab1", type: "catch", scope: ["map"], uncaught: false, x: 10, y: 20, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper", x: 20, y: 20 },
    ];
    await helper.load([csConfig, metadataMap, catchNode], flow, { cfg: DEMO_LOGIN });
    return (msg: Msg) =>
      new Promise<{ out?: Msg; caught?: Msg }>((resolve) => {
        helper.getNode("out").once("input", (m: Msg) => resolve({ out: m }));
        helper.getNode("caught").once("input", (m: Msg) => resolve({ caught: m }));
        helper.getNode("map").receive(msg);
      });
  }

  const rule = (
    target: string,
    sourceType: RuleConfig["sourceType"],
    source: string,
    extra: Partial<RuleConfig> = {},
  ) => ({
    target,
    sourceType,
    source,
    ...extra,
  });

  const communication = () => ({
    document: {
      keys: {
        CustomerId: "C-1001",
        DeliveryDate: "26.11.2026",
        Pages: "12",
        Versions: "LEGAL-7; PRIVACY-3",
        Lang: "EN",
      },
    },
    account: "ACC-1001",
  });

  it("maps manifest keys, msg properties, JSONata and constants by attribute name, with every type converted", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      rules: [
        rule("Customer ID", "key", "CustomerId"),
        rule("Account Number", "msg", "account"),
        rule("Document Type", "str", "Invoice"),
        rule("Delivery Date", "key", "DeliveryDate"),
        rule("Page Count", "key", "Pages"),
        rule("Content Versions", "key", "Versions", { separator: ";" }),
        rule("Language", "jsonata", "$lowercase(document.keys.Lang)"),
        rule("Channel", "key", "Channel", { default: "print" }),
        rule("Delivery Events:Event Date", "str", "2026-11-27T10:00:00+01:00"),
      ],
    });
    const { out } = await send(communication());
    assert.ok(out, "the message passes");
    assert.deepEqual(out.metadata, {
      "Customer ID": "C-1001",
      "Account Number": "ACC-1001",
      "Document Type": "Invoice",
      "Delivery Date": "2026-11-26T00:00:00",
      "Page Count": 12,
      "Content Versions": ["LEGAL-7", "PRIVACY-3"],
      Language: "en",
      Channel: "print",
      "Delivery Events:Event Date": "2026-11-27T09:00:00",
    });
    assert.deepEqual(out.categories, {
      3000: {
        "3000_2": "C-1001",
        "3000_3": "ACC-1001",
        "3000_4": "Invoice",
        "3000_5": "2026-11-26T00:00:00",
        "3000_20": 12,
        "3000_11": ["LEGAL-7", "PRIVACY-3"],
        "3000_8": "en",
        "3000_6": "print",
        "3000_21_1_24": "2026-11-27T09:00:00",
      },
    });
  });

  it("converts booleans and accepts the category by id; a second category is added beside the first", async () => {
    const send = await deploy({
      mode: "category",
      category: "3100",
      rules: [rule("Published to Exstream", "msg", "published"), rule("Published Date", "msg", "when")],
    });
    const { out } = await send({ published: "yes", when: "2026-01-05", categories: { 3000: { "3000_2": "C-1" } } });
    assert.ok(out);
    assert.deepEqual(out.categories, {
      3000: { "3000_2": "C-1" },
      3100: { "3100_2": true, "3100_5": "2026-01-05T00:00:00" },
    });
  });

  it("reports every problem of a message in one MappingError, with msg.failure permanent, to a Catch node", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      rules: [
        rule("Customer ID", "key", "Missing"),
        rule("Delivery Date", "str", "31.02.2026"),
        rule("Page Count", "str", "twelve"),
        rule("Language", "str", "a language name far longer than sixteen"),
        rule("Channel", "str", "fax", { validValues: "print, email, sms" }),
        rule("No Such Attribute", "str", "x"),
      ],
    });
    const { out, caught } = await send(communication());
    assert.equal(out, undefined);
    assert.ok(caught, "the Catch node fires");
    assert.match(caught.error.message, /^MappingError: 6 mapping problems/);
    for (const attribute of [
      "Customer ID",
      "Delivery Date",
      "Page Count",
      "Language",
      "Channel",
      "No Such Attribute",
    ]) {
      assert.ok(caught.error.message.includes(`${attribute}:`), `${attribute} is reported`);
    }
    assert.equal(caught.failure.permanent, true);
    assert.match(caught.failure.reason, /6 mapping problems/);
    assert.equal(caught.categories, undefined, "nothing half-mapped is left on the message");
  });

  it("cuts over-long values with the truncate option and reads day-first dates with the DMY order", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      truncate: true,
      dateOrder: "DMY",
      rules: [
        rule("Customer ID", "str", "C-1"),
        rule("Language", "str", "a language name far longer than sixteen"),
        rule("Delivery Date", "str", "03/04/2026"),
      ],
    });
    const { out } = await send({});
    assert.ok(out);
    assert.equal(out.metadata.Language, "a language name ");
    assert.equal(out.metadata["Delivery Date"], "2026-04-03T00:00:00");
  });

  it("writes an instant ($now(), epoch, text with an offset) as the wall-clock time in the configured time zone", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      timeZone: "Asia/Tokyo",
      rules: [rule("Customer ID", "str", "C-1"), rule("Delivery Date", "msg", "archivedAt")],
    });
    const { out, caught } = await send({ archivedAt: "2026-11-25T23:30:00.000Z" });
    assert.equal(caught, undefined, caught?.error?.message);
    assert.equal(out!.metadata["Delivery Date"], "2026-11-26T08:30:00", "the Tokyo day, not yesterday in UTC");
  });

  it("refuses an unknown time zone name at deploy and for every message", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      timeZone: "Mars/Olympus_Mons",
      rules: [rule("Customer ID", "str", "C-1")],
    });
    const { caught } = await send({});
    assert.match(caught?.error?.message ?? "", /unknown time zone "Mars\/Olympus_Mons"/);
  });

  it("refreshes a cached category definition once when a rule names an attribute it does not know yet", async () => {
    const send = await deploy({
      mode: "category",
      category: "Customer Communication",
      rules: [rule("Customer ID", "str", "C-1"), rule("Campaign", "str", "Spring 2026")],
    });
    const client = (helper.getNode("cfg") as unknown as CsConfigNode).getClient();
    await client.categories.getCategoryDefinition("Customer Communication"); // cached before the change
    const definition = sim.store.data.categories["3000"];
    definition.attributes.push({ id: 90, name: "Campaign", type: "String", maxLength: 64 });
    try {
      const { out } = await send({});
      assert.ok(out, "mapped after one refresh");
      assert.equal(out.categories[3000]["3000_90"], "Spring 2026");
    } finally {
      definition.attributes.pop();
    }
  });

  it("maps workflow attributes to Exstream driver data (reverse direction) without a Content Server", async () => {
    const send = await deploy({
      mode: "driver",
      server: "",
      rules: [
        rule("customer.id", "wfattr", "Customer ID", { required: true }),
        rule("customer.language", "wfattr", "Language", { default: "en" }),
        rule("letter.type", "wfattr", "Letter Type"),
        rule("letter.date", "wfattr", "Due", { type: "date" }),
        rule("letter.copies", "str", "2", { type: "integer" }),
        rule("letter.registered", "wfattr", "Registered", { type: "boolean" }),
      ],
    });
    const { out } = await send({
      workflow: {
        attributes: { "Customer ID": "C-1002", "Letter Type": "Reminder", Due: "2026-12-01", Registered: "ja" },
      },
    });
    assert.ok(out);
    assert.deepEqual(out.payload, {
      customer: { id: "C-1002", language: "en" },
      letter: { type: "Reminder", date: "2026-12-01T00:00:00", copies: 2, registered: true },
    });
    assert.equal(out.categories, undefined);
  });

  it("reports a missing required workflow attribute in driver mode as a permanent failure", async () => {
    const send = await deploy({
      mode: "driver",
      rules: [rule("customer.id", "wfattr", "Customer ID", { required: true })],
    });
    const { caught } = await send({ workflow: { attributes: {} } });
    assert.ok(caught);
    assert.match(caught.error.message, /customer\.id: required/);
    assert.equal(caught.failure.permanent, true);
  });

  it("lists categories and a category's attributes for the editor through the admin API", async () => {
    await deploy({ mode: "category", category: "Customer Communication", rules: [rule("Customer ID", "str", "x")] });
    const list = await helper.request().get("/metadata-map/cfg/categories").expect(200);
    assert.ok(list.body.some((c: { name: string }) => c.name === "Customer Communication"));
    const attrs = await helper.request().get("/metadata-map/cfg/categories/Customer%20Communication").expect(200);
    assert.equal(attrs.body.id, 3000);
    const byName = Object.fromEntries(attrs.body.attributes.map((a: { name: string }) => [a.name, a]));
    assert.equal(byName["Customer ID"].required, true);
    assert.equal(byName["Delivery Date"].type, "date");
    assert.equal(byName["Content Versions"].multiValue, true);
    assert.equal(byName["Delivery Events:Event Channel"].key, "3000_21_1_22");
    const undeployed = await helper.request().get("/metadata-map/nope/categories").expect(500);
    assert.match(undeployed.body.message, /not deployed|deployServer/);
  });
});
