/*
 * Bad-input corpus, part 2: what Content Server (or a proxy in front of it) answers, and malformed messages, through
 * metadata-map → cs-archive in the real Node-RED runtime against the CS simulator.
 *
 * The simulator's faults answer JSON; real installations often answer through a reverse proxy or a servlet
 * container with an HTML page. A tiny local proxy in front of the simulator therefore replaces chosen answers by
 * HTML pages (status + body + headers) before the request reaches CS. One row = a fault + a message + the expected
 * outcome: stored (once), or an error whose message names the problem in words (no markup), caught by a Catch node
 * with the original message and msg.failure {reason, permanent}. After every row a good message must still be stored.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import helper from "node-red-node-test-helper";
import { ALLOWED_ROOTS_SETTING } from "../../nodes/lib/node-red/file-roots";
import csArchive from "../../nodes/cs-archive/cs-archive";
import csConfig from "../../nodes/cs-config/cs-config";
import metadataMap from "../../nodes/metadata-map/metadata-map";
import { ContentServerClient, type CsNode } from "../../nodes/lib/content-server";
import { DEMO_LOGIN, startSeededContentServer, type ContentServerSimulator } from "../helpers/content-server-sim";
import type { FaultRule } from "../../sim/content-server/faults";

helper.init(require.resolve("node-red"));

type Msg = Record<string, any>;

interface Answer {
  method: string;
  /** Matched against the request path below the simulator's base path. */
  path: RegExp;
  status: number;
  body: string;
  headers?: Record<string, string>;
  /** How many matching requests get this answer (default: all). */
  times?: number;
}

/** Forwards to the simulator, except requests matching an armed answer, which get that answer instead. */
async function startHtmlProxy(target: string) {
  const upstream = new URL(target);
  let answer: Answer | undefined;
  let served = 0;
  const server = http.createServer((req, res) => {
    const relative = (req.url ?? "").slice(upstream.pathname.length).split("?")[0];
    const rule = answer;
    if (rule && req.method === rule.method && rule.path.test(relative) && (rule.times ?? Infinity) > served) {
      served++;
      req.resume();
      req.on("end", () => {
        res.writeHead(rule.status, { "Content-Type": "text/html; charset=utf-8", ...rule.headers });
        res.end(rule.body);
      });
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`,
    arm(next: Answer | undefined) {
      answer = next;
      served = 0;
    },
    get served() {
      return served;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const page = (title: string, text = "") =>
  `<!DOCTYPE html><html><head><title>${title}</title><style>body{font:1em serif}</style></head>` +
  `<body><h1>${title}</h1><p>${text}</p><script>var x = "<b>";</script></body></html>`;

const UPLOAD = { method: "POST", path: /^\/?api\/v2\/nodes$/ };
const LOGIN = { method: "POST", path: /^\/?api\/v1\/auth$/ };

type Expect =
  { stored: true; documents?: number } | { error: RegExp; permanent: boolean; documents?: number; notIn?: RegExp };

interface AnswerCase {
  id: string;
  title: string;
  answer?: Answer;
  simFault?: FaultRule;
  /** Build the message; `file` writes a file into the test folder and returns its path. */
  msg?: (file: (name: string, content: string | Buffer) => string) => Msg;
  /** Extra cs-archive properties for this row. */
  archive?: Record<string, unknown>;
  /** The message goes to a folder the node has not archived into yet (a folder it used is not read again). */
  unusedFolder?: boolean;
  expect: Expect;
  check?: (result: { out?: Msg; caught?: Msg }, ctx: { logins: number; served: number }) => void;
}

const HTML_MARKUP = /<\/?(html|head|body|title|h1|p|script|style)\b|<!DOCTYPE/i;

const CASES: AnswerCase[] = [
  // ——— HTML answers ———
  {
    id: "h-400",
    title: "400 with an HTML body on the upload",
    answer: { ...UPLOAD, status: 400, body: page("400 Bad Request", "The category value is invalid") },
    expect: {
      error: /^ContentServerError: uploadDocument: 400 Bad Request \(HTTP 400\)$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "h-403",
    title: "403 with an HTML body (WAF / proxy refusal)",
    answer: { ...UPLOAD, status: 403, body: page("403 Forbidden", "Request blocked by policy") },
    expect: {
      error: /^ContentServerError: uploadDocument: 403 Forbidden \(HTTP 403\)$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "h-413",
    title: "413 with an nginx HTML page (request entity too large)",
    answer: {
      ...UPLOAD,
      status: 413,
      body: "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    },
    expect: {
      error: /^ContentServerError: uploadDocument: 413 Request Entity Too Large \(HTTP 413\)$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "h-404-folder",
    title: "404 with an HTML body when the target folder is read",
    answer: { method: "GET", path: /^\/?api\/v[12]\/nodes\/\d+$/, status: 404, body: page("404 Not Found") },
    unusedFolder: true,
    expect: { error: /^ContentServerError: getNode: 404 Not Found \(HTTP 404\)$/, permanent: true, documents: 0 },
  },
  {
    id: "h-500-once",
    title: "one 500 with an HTML error page on the upload: looked up, then stored once",
    answer: {
      ...UPLOAD,
      status: 500,
      body: page("500 Internal Server Error", "java.lang.NullPointerException"),
      times: 1,
    },
    expect: { stored: true, documents: 1 },
  },
  {
    id: "h-502",
    title: "a lasting 502 HTML gateway page",
    answer: { ...UPLOAD, status: 502, body: page("502 Bad Gateway", "The upstream server is not reachable") },
    expect: {
      error: /^ContentServerError: uploadDocument: 502 Bad Gateway \(HTTP 502\)$/,
      permanent: false,
      documents: 0,
    },
  },
  {
    id: "h-503-retry-after",
    title: "503 HTML maintenance page with Retry-After, once",
    answer: { ...UPLOAD, status: 503, body: page("Service Unavailable"), headers: { "Retry-After": "0" }, times: 1 },
    expect: { stored: true, documents: 1 },
  },
  {
    id: "h-429",
    title: "429 HTML with Retry-After, once",
    answer: { ...UPLOAD, status: 429, body: page("Too Many Requests"), headers: { "Retry-After": "0" }, times: 1 },
    expect: { stored: true, documents: 1 },
  },
  {
    id: "h-200-login-page",
    title: "200 with an HTML single-sign-on page instead of JSON, lasting",
    answer: { ...UPLOAD, status: 200, body: page("OTDS Sign in", "Please sign in") },
    expect: {
      error: /^ContentServerError: uploadDocument: Content Server answered HTTP 200 without JSON$/,
      permanent: false,
      documents: 0,
    },
  },
  {
    id: "h-401-login",
    title: "401 HTML on the login (auth failure)",
    answer: { ...LOGIN, status: 401, body: page("401 Unauthorized", "Invalid username or password") },
    archive: { cfgExpireFirst: true },
    expect: {
      error: /^ContentServerError: login: 401 Unauthorized \(HTTP 401\)$/,
      permanent: false,
      documents: 0,
      notIn: /livelink/,
    },
  },
  // ——— session ———
  {
    id: "t-expired-mid-upload",
    title: "the ticket expires as the upload arrives: one re-login, stored once",
    simFault: { method: "POST", path: "api/v2/nodes", expireTickets: true, times: 1 },
    expect: { stored: true, documents: 1 },
    check: (_result, { logins }) => assert.equal(logins, 1, "exactly one re-authentication"),
  },
  {
    id: "t-reset-upload",
    title: "the connection is reset on the upload: looked up, then stored once",
    simFault: { method: "POST", path: "api/v2/nodes", reset: true, times: 1 },
    expect: { stored: true, documents: 1 },
  },
  // ——— malformed messages ———
  {
    id: "w-relative-path",
    title: "msg.filename is a relative path",
    msg: () => ({ filename: "../outside/canary.pdf" }),
    expect: { error: /is not an absolute path/, permanent: true, documents: 0 },
  },
  {
    id: "w-missing-file",
    title: "msg.filename names a file that does not exist",
    msg: (file) => ({ filename: path.join(path.dirname(file("probe.txt", "x")), `no-such-file-${Date.now()}.pdf`) }),
    expect: {
      error: /^ArchiveError: cannot read \/\S*no-such-file-\d+\.pdf: no such file$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "w-directory",
    title: "msg.filename is a directory",
    msg: (file) => ({ filename: path.dirname(file("probe.txt", "x")) }),
    expect: {
      error: /^ArchiveError: cannot read \/\S*: EISDIR: illegal operation on a directory, read$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "w-outside-allowed-folders",
    title: "msg.filename names a file outside the allowed folders (/etc/passwd)",
    msg: () => ({ filename: "/etc/passwd" }),
    expect: {
      error: /^ArchiveError: msg\.filename "\/etc\/passwd" is outside the allowed folders; allowed folders: \/\S+/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "w-payload-number",
    title: "msg.payload is a number (wrong type), no filename",
    msg: () => ({ payload: 42, filename: undefined }),
    expect: { error: /no content: set msg.filename/, permanent: true, documents: 0 },
  },
  {
    id: "w-payload-string",
    title: "msg.payload is a string (wrong type), no filename",
    msg: () => ({ payload: "%PDF as text", filename: undefined }),
    expect: { error: /no content: set msg.filename/, permanent: true, documents: 0 },
  },
  {
    id: "w-folder-not-number",
    title: "the folder id from msg is not a number",
    msg: () => ({ folder: "Archive; DROP TABLE" }),
    expect: { error: /folder: "Archive; DROP TABLE" is not a node id/, permanent: true, documents: 0 },
  },
  {
    id: "w-folder-missing",
    title: "the folder id does not exist",
    msg: () => ({ folder: 99999999 }),
    expect: {
      error: /^ContentServerError: getNode: Could not get a node for 99999999 \(HTTP 400\)$/,
      permanent: true,
      documents: 0,
    },
  },
  {
    id: "w-related-no-content",
    title: "a related rendition with neither path nor content",
    msg: (file) => ({
      filename: file("w-related.pdf", "%PDF r"),
      document: { fileName: "w-related.pdf", keys: { CustomerId: "C-1" }, related: [{ fileName: "x.html" }] },
    }),
    archive: { related: "beside" },
    expect: { error: /document\.related\[0\] has neither path nor content/, permanent: true, documents: 0 },
  },
  {
    id: "w-categories-wrong-type",
    title: "a category value of the wrong type (text for an integer attribute)",
    msg: (file) => ({
      filename: file("w-categories.pdf", "%PDF c"),
      document: { fileName: "w-categories.pdf", keys: { CustomerId: "C-1", PageCount: "many" } },
    }),
    expect: { error: /Page Count:/, permanent: true, documents: 0 },
  },
];

describe("bad-input corpus: Content Server answers and malformed messages through cs-archive", function () {
  this.timeout(30_000);
  let sim: ContentServerSimulator;
  let cs: ContentServerClient;
  let proxy: Awaited<ReturnType<typeof startHtmlProxy>>;
  let dir: string;
  let seq = 0;

  before(async () => {
    sim = await startSeededContentServer();
    cs = new ContentServerClient({ baseUrl: sim.url, credentials: DEMO_LOGIN });
    proxy = await startHtmlProxy(sim.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-cs-"));
    helper.settings({ [ALLOWED_ROOTS_SETTING]: [dir] } as Record<string, unknown>);
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    await proxy?.close();
    await cs?.close();
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    proxy.arm(undefined);
    sim.clearFaults();
    await helper.unload();
  });

  const file = (name: string, content: string | Buffer) => {
    const target = path.join(dir, `${++seq}-${name}`);
    fs.writeFileSync(target, content);
    return target;
  };

  async function documents(folderId: number): Promise<CsNode[]> {
    const list: CsNode[] = [];
    for await (const child of cs.nodes.iterateChildren(folderId)) list.push(child);
    return list;
  }

  async function deploy(archive: Record<string, unknown>) {
    const flow = [
      { id: "tab1", type: "tab" },
      { id: "cfg", type: "cs-config", baseUrl: proxy.url, authMode: "cs", retryBaseDelayMs: "5", retryAttempts: "3" },
      {
        id: "map",
        z: "tab1",
        type: "metadata-map",
        server: "cfg",
        mode: "category",
        category: "Customer Communication",
        rules: [
          { target: "Customer ID", sourceType: "key", source: "CustomerId" },
          { target: "Page Count", sourceType: "key", source: "PageCount" },
        ],
        wires: [["archive"]],
      },
      {
        id: "archive",
        z: "tab1",
        type: "cs-archive",
        server: "cfg",
        targetType: "folder",
        // The target comes with each message (msg.folder), so rows can send a bad one.
        folderId: "folder",
        folderIdType: "msg",
        category: "Customer Communication",
        checksumAttribute: "SHA-256",
        ambiguousSettleMs: "10",
        ...archive,
        wires: [["out"]],
      },
      { id: "out", z: "tab1", type: "helper" },
      { id: "catcher", z: "tab1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "tab1", type: "helper" },
    ];
    await helper.load([csConfig, metadataMap, csArchive], flow as helper.TestFlows, { cfg: DEMO_LOGIN });
  }

  /** Sends one message into the map node; resolves with what came out or what a Catch node received. */
  function send(msg: Msg): Promise<{ out?: Msg; caught?: Msg }> {
    return new Promise((resolve) => {
      const onOut = (m: Msg) => finish({ out: m });
      const onCaught = (m: Msg) => finish({ caught: m });
      const finish = (result: { out?: Msg; caught?: Msg }) => {
        helper.getNode("out").removeListener("input", onOut);
        helper.getNode("caught").removeListener("input", onCaught);
        resolve(result);
      };
      helper.getNode("out").on("input", onOut);
      helper.getNode("caught").on("input", onCaught);
      helper.getNode("map").receive(msg);
    });
  }

  for (const row of CASES) {
    it(`${row.id}: ${row.title}`, async () => {
      const folder = (await cs.nodes.createFolder(2301, `corpus-${row.id}-${Date.now()}`)).id;
      const { cfgExpireFirst, ...archiveProps } = row.archive ?? {};
      await deploy(archiveProps);
      // A first good message logs in, so faults on later calls meet an established session.
      const warmUp = await send({
        folder,
        payload: Buffer.from(`warm-up ${row.id}`),
        document: good(`warm-${row.id}`),
      });
      assert.ok(warmUp.out, warmUp.caught?.error?.message);
      const target = row.unusedFolder
        ? (await cs.nodes.createFolder(2301, `corpus-${row.id}-b-${Date.now()}`)).id
        : folder;
      const before = (await documents(target)).length;
      if (cfgExpireFirst) sim.expireAllTickets();
      const loginsBefore = sim.counters.logins.otcs;
      proxy.arm(row.answer);
      if (row.simFault) sim.addFault(row.simFault);
      const base: Msg = {
        _msgid: `corpus-${row.id}`,
        folder: target,
        filename: file(`${row.id}.pdf`, `%PDF-1.4 ${row.id}`),
        document: good(row.id),
      };
      const msg = { ...base, ...(row.msg?.(file) ?? {}) };
      if (msg.filename === undefined) delete msg.filename;
      const result = await send(msg);
      const logins = sim.counters.logins.otcs - loginsBefore;
      const served = proxy.served;
      proxy.arm(undefined);
      sim.clearFaults();

      // Nothing lost: exactly one outcome, carrying the original message.
      assert.ok(!!result.out !== !!result.caught, "exactly one outcome");
      const added = (await documents(target)).length - before;
      if ("stored" in row.expect) {
        assert.equal(result.caught, undefined, result.caught?.error?.message);
        assert.ok(["created", "versioned"].includes(result.out!.cs.outcome));
        assert.equal(added, row.expect.documents ?? 1, "stored exactly once");
      } else {
        const caught = result.caught;
        assert.ok(caught, "the Catch node received the error");
        assert.equal(caught._msgid, msg._msgid, "with the original message");
        assert.match(caught.error.message, row.expect.error);
        assert.doesNotMatch(caught.error.message, HTML_MARKUP, "the error is words, not the HTML page");
        assert.doesNotMatch(caught.failure.reason, HTML_MARKUP);
        assert.equal(caught.failure.permanent, row.expect.permanent, `permanent: ${caught.failure.reason}`);
        if (row.expect.notIn) assert.doesNotMatch(JSON.stringify(caught), row.expect.notIn);
        assert.equal(added, row.expect.documents ?? 0, "nothing half-stored");
      }
      if (row.answer) assert.ok(served >= 1, "the HTML answer was served");
      row.check?.(result, { logins, served });

      // No crash: the same deployment stores the next good message.
      const next = await send({ folder, payload: Buffer.from(`after ${row.id}`), document: good(`after-${row.id}`) });
      assert.equal(next.caught, undefined, next.caught?.error?.message);
      assert.equal(next.out!.cs.outcome, "created");
    });
  }

  function good(name: string): Msg {
    return { fileName: `${name}.pdf`, keys: { CustomerId: `C-${name}`, PageCount: "2" } };
  }
});
