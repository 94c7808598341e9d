/*
 * Secrets never leave their place: a whole run of an example-like flow (cs-config in CS, OTDS and a wrong-password
 * variant, cs-archive, exstream-config, exstream-generate, Catch / Status / Debug-to-console nodes) in the embedded
 * Node-RED runtime, with distinctive secrets, a forced ticket expiry and an authentication failure along the way.
 * Then EVERYTHING the run produced is scanned: every log record at every level (a custom logging handler at trace),
 * every message sent between nodes (incl. Catch messages with errors and stacks, Status messages), util.inspect of
 * the errors, the admin API's exported flows, flows.json and flows_cred.json on disk.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from "../helpers/embedded-node-red";
import { ALL_NODE_TYPES } from "../helpers/example-flows";
import { EXSTREAM_DEMO, startTestExstreamSim, type TestExstreamSim } from "../helpers/exstream-sim";
import { assertNoSecrets, startRecordingProxy, type RecordingProxy } from "./support";

type Msg = Record<string, any>;

const unique = (label: string) => `${label}-${randomBytes(9).toString("base64url")}`;

describe("security: no secret in logs, statuses, messages, errors, exported flows or flow files", function () {
  this.timeout(40_000);
  const CS_PASSWORD = unique("Cs-Pa55word");
  const WRONG_PASSWORD = unique("Wr0ng-Pa55word");
  const CLIENT_SECRET = unique("Client-5ecret");
  const ADMIN_PASSWORD = unique("Admin-Ui-Pa55");
  const ENV = { SEC_CS_PASSWORD: CS_PASSWORD, SEC_EXSTREAM_SECRET: CLIENT_SECRET };

  let cs: ContentServerSimulator;
  let exstream: TestExstreamSim;
  let csProxy: RecordingProxy;
  let exProxy: RecordingProxy;
  let nr: EmbeddedNodeRed;
  const logs: unknown[] = [];
  const sent: string[] = [];
  const caught: Msg[] = [];
  const archived: Msg[] = [];
  const generated: Msg[] = [];
  const statuses: Msg[] = [];
  let token: string;

  before(async () => {
    cs = await startSeededContentServer();
    const admin = Object.values(cs.store.data.users).find((u) => u.name === "Admin");
    assert.ok(admin);
    admin.password = CS_PASSWORD;
    exstream = await startTestExstreamSim();
    const client = exstream.store.tenant(EXSTREAM_DEMO.tenant)!.clients.get(EXSTREAM_DEMO.clientId)!;
    client.secret = CLIENT_SECRET;
    csProxy = await startRecordingProxy(cs.url);
    exProxy = await startRecordingProxy(exstream.url);
    Object.assign(process.env, ENV);
    nr = await startEmbeddedNodeRed({
      nodeTypes: ALL_NODE_TYPES,
      users: [{ username: "admin", password: ADMIN_PASSWORD, permissions: "*" }],
      settings: {
        logging: {
          console: { level: "off", metrics: false, audit: false },
          capture: {
            level: "trace",
            metrics: false,
            audit: true,
            handler: () => (record: unknown) => logs.push(record),
          },
        },
      },
    });
    token = await nr.token("admin", ADMIN_PASSWORD);
    const hook = (event: { msg: Msg; destination?: { id: string } }) => {
      sent.push(inspect(event.msg, { depth: 20, showHidden: true }));
      const to = event.destination?.id;
      if (to === "caught") caught.push(event.msg);
      if (to === "archived") archived.push(event.msg);
      if (to === "generated") generated.push(event.msg);
      if (to === "debug" && event.msg.status) statuses.push(event.msg);
    };
    nr.RED.hooks.add("onReceive.securityScan", hook);
    const archive = (id: string, server: string) => ({
      id,
      z: "tab1",
      type: "cs-archive",
      server,
      targetType: "folder",
      folderId: "2301",
      folderIdType: "num",
      existsPolicy: "new",
      wires: [["archived", "debug"]],
    });
    // Flow nodes need a position (without x/y the runtime takes them for config nodes).
    const placed = (nodes: Msg[]) => nodes.map((n) => (n.z ? { x: 100, y: 100, ...n } : n));
    await nr.deploy(
      placed([
        { id: "tab1", type: "tab", label: "security" },
        // Inline credentials, as the editor sends them: must be encrypted on disk and absent from exports.
        {
          id: "cfg",
          type: "cs-config",
          baseUrl: csProxy.url,
          authMode: "cs",
          retryBaseDelayMs: "5",
          credentials: { username: "Admin", password: CS_PASSWORD },
        },
        {
          id: "otdscfg",
          type: "cs-config",
          baseUrl: csProxy.url,
          authMode: "otds",
          otdsUrl: csProxy.origin,
          retryBaseDelayMs: "5",
          credentials: { username: "Admin", password: CS_PASSWORD },
        },
        {
          id: "badcfg",
          type: "cs-config",
          baseUrl: csProxy.url,
          authMode: "cs",
          retryAttempts: "1",
          credentials: { username: "Admin", password: WRONG_PASSWORD },
        },
        // A ${ENV} placeholder, as a headless deployment keeps it.
        {
          id: "xcfg",
          type: "exstream-config",
          baseUrl: exProxy.url,
          tenant: EXSTREAM_DEMO.tenant,
          domain: EXSTREAM_DEMO.domain,
          grantType: "client_credentials",
          clientAuth: "body",
          retryBaseDelayMs: "5",
          credentials: { clientId: EXSTREAM_DEMO.clientId, clientSecret: "${SEC_EXSTREAM_SECRET}" },
        },
        archive("archive", "cfg"),
        archive("otdsArchive", "otdscfg"),
        archive("badArchive", "badcfg"),
        {
          id: "gen",
          z: "tab1",
          type: "exstream-generate",
          server: "xcfg",
          mode: "ondemand",
          communication: "Monthly Statement",
          communicationType: "str",
          driverDataSource: "",
          driverDataSourceType: "str",
          channel: "",
          channelType: "str",
          readKeys: true,
          outputDir: path.join(nr.userDir, "generated"),
          wires: [["generated", "debug"]],
        },
        { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught", "debug"]] },
        { id: "statuses", z: "tab1", type: "status", scope: null, wires: [["debug"]] },
        // Debug to the console: every message, including errors, goes through the runtime log.
        {
          id: "debug",
          z: "tab1",
          type: "debug",
          active: true,
          console: true,
          complete: "true",
          tosidebar: true,
          wires: [],
        },
        ...["archived", "caught", "generated"].map((id) => ({
          id,
          z: "tab1",
          type: "function",
          func: "return;",
          wires: [],
        })),
      ]),
      token,
    );

    const send = (id: string, msg: Msg) => nr.RED.nodes.getNode(id).receive(msg);
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const waitFor = (list: Msg[], n: number, what: string) => until(() => list.length >= n, what);
    const started = Date.now();
    while (!nr.RED.nodes.getNode("gen") && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    send("archive", { payload: Buffer.from("first letter"), document: { fileName: "sec-1.pdf" } });
    await waitFor(archived, 1, "first archive");
    cs.expireAllTickets(); // the next call meets an expired ticket: one re-login
    send("archive", { payload: Buffer.from("second letter"), document: { fileName: "sec-2.pdf" } });
    await waitFor(archived, 2, "archive after the ticket expired");
    send("otdsArchive", { payload: Buffer.from("otds letter"), document: { fileName: "sec-3.pdf" } });
    await waitFor(archived, 3, "archive through OTDS");
    send("badArchive", { payload: Buffer.from("never"), document: { fileName: "sec-4.pdf" } });
    await waitFor(caught, 1, "the authentication failure");
    send("gen", { payload: { customer: { id: "C-1001" } } });
    await waitFor(generated, 1, "a generated letter");
    // The generate node reports its green status after sending: the last record the scans below must see.
    await until(
      () => statuses.some((m) => m.status?.source?.id === "gen" && m.status.fill === "green"),
      "the generate node's final status",
    );
  });

  after(async () => {
    nr?.RED.hooks.remove("onReceive.securityScan");
    await nr?.stop();
    for (const name of Object.keys(ENV)) delete process.env[name];
    await Promise.allSettled([csProxy?.close(), exProxy?.close(), cs?.close(), exstream?.close()]);
  });

  function secrets(): Map<string, string> {
    const map = new Map<string, string>([
      ["the CS password", CS_PASSWORD],
      ["the wrong CS password", WRONG_PASSWORD],
      ["the Exstream client secret", CLIENT_SECRET],
    ]);
    let i = 0;
    for (const value of [...csProxy.seen, ...exProxy.seen]) map.set(`ticket/token #${++i}`, value);
    return map;
  }

  it("the run really used tickets, an OTDS ticket and bearer tokens, renewed a ticket and failed a login", () => {
    assert.ok(csProxy.seen.size >= 3, `CS tickets seen: ${csProxy.seen.size}`);
    assert.ok(exProxy.seen.size >= 1, "a bearer token was seen");
    assert.ok(cs.counters.logins.otcs >= 2, "logged in again after the expiry");
    assert.ok(cs.counters.logins.otds >= 1, "an OTDS login happened");
    assert.equal(archived.length, 3);
    assert.equal(generated.length, 1);
    assert.equal(caught[0].error.source.id, "badArchive");
    assert.equal(
      caught[0].error.message,
      "ContentServerError: login: Invalid username/password specified. (HTTP 401)",
      "a clear authentication error",
    );
  });

  it("no secret in any log record at any level (trace … fatal, audit)", () => {
    assert.ok(logs.length > 10, "the log was captured");
    assert.ok(
      logs.some((r) => inspect(r).includes("sec-1.pdf")),
      "debug messages were logged (the scan sees message contents)",
    );
    assertNoSecrets(
      "the runtime log",
      inspect(logs, { depth: 20, maxArrayLength: null, maxStringLength: null }),
      secrets(),
    );
  });

  it("no secret in any message, status message or Catch message (errors with their stacks)", () => {
    assert.ok(sent.length >= 10);
    assertNoSecrets("the messages", sent.join("\n"), secrets());
    for (const msg of caught) {
      assert.ok(msg.error?.message);
      assertNoSecrets("an error (util.inspect)", inspect(msg.error, { depth: 10, showHidden: true }), secrets());
    }
  });

  it("no secret in any status text (the Status node's messages) nor in the errors' JSON forms", () => {
    assert.ok(statuses.length >= 4, "statuses were reported");
    assert.ok(
      statuses.some((m) => m.status?.source?.id === "badArchive" && m.status.fill === "red"),
      "the failed login shows as a red status",
    );
    assertNoSecrets("status texts", inspect(statuses, { depth: 10 }), secrets());
    assertNoSecrets("JSON of the Catch messages", JSON.stringify(caught), secrets());
  });

  it("no secret in the flows exported through the admin API, nor a credential property", async () => {
    const res = await fetch(`${nr.adminUrl}/flows`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assertNoSecrets("GET /flows", text, secrets());
    assert.doesNotMatch(text, /"credentials"\s*:\s*\{[^}]*"password"\s*:\s*"[^"]/, "no password in an export");
    const noAuth = await fetch(`${nr.adminUrl}/flows`);
    assert.equal(noAuth.status, 401, "and the export itself needs a login");
  });

  it("no secret in flows.json; flows_cred.json holds them encrypted only", () => {
    const flows = fs.readFileSync(path.join(nr.userDir, "flows.json"), "utf8");
    assertNoSecrets("flows.json", flows, secrets());
    const credFile = path.join(nr.userDir, "flows_cred.json");
    const creds = fs.readFileSync(credFile, "utf8");
    assertNoSecrets("flows_cred.json", creds, secrets());
    assert.match(creds, /^\{"\$":"[0-9a-f]+/, "encrypted");
  });
});
