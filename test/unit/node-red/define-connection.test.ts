import assert from "node:assert/strict";
import helper from "node-red-node-test-helper";
import type { Node } from "node-red";
import { defineConnectionConfig } from "../../../nodes/lib/node-red/define-connection";

helper.init(require.resolve("node-red"));

interface Props {
  baseUrl: string;
  tls?: string;
  proxy?: string;
}
interface Credentials {
  user?: string;
  secret?: string;
}
interface Options {
  url?: string;
  user?: string;
  secret?: string;
  retry?: { maxAttempts: number };
  logs: boolean;
}

interface TestClient {
  options: Options;
  closed: boolean;
  close(): void;
}
/** Every client made, in order, with its options and whether it was closed. */
const clients: TestClient[] = [];

const declaredConnection = defineConnectionConfig<Props, Credentials, Options, TestClient, never>({
  type: "declared-connection",
  properties: { name: { value: "" }, baseUrl: { value: "", required: true } },
  credentials: { user: "text", secret: "password" },
  destinations: ["baseUrl"],
  options: (props, credentials, { expand, log }) => ({
    url: expand(props.baseUrl),
    user: expand(credentials.user),
    secret: expand(credentials.secret),
    retry: { maxAttempts: 4 },
    logs: log !== undefined,
  }),
  client(options) {
    const client = { options, closed: false, close: () => void (client.closed = true) };
    clients.push(client);
    return client;
  },
  test: async ({ options }) => ({ reached: options.url, as: options.user, attempts: options.retry?.maxAttempts }),
});

type ConnectionNode = Node & { clientOptions(): Options; getClient(): unknown };

describe("defineConnectionConfig: a connection config node declared once", function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => {
    clients.length = 0;
    delete process.env.DECLARED_SECRET;
    return helper.unload();
  });

  const flow = [{ id: "conn", type: "declared-connection", baseUrl: "https://cs.example" }];
  const deploy = () =>
    helper.load(declaredConnection, flow, { conn: { user: "archivist", secret: "${DECLARED_SECRET}" } });

  it("builds a deployed node's options from its credentials with ${ENV} expanded, and logs through the node", async () => {
    process.env.DECLARED_SECRET = "from-the-environment";
    await deploy();
    const options = (helper.getNode("conn") as ConnectionNode).clientOptions();
    assert.deepEqual(options, {
      url: "https://cs.example",
      user: "archivist",
      secret: "from-the-environment",
      retry: { maxAttempts: 4 },
      logs: true,
    });
  });

  it("shares one client between the nodes that use it and closes it with the config node", async () => {
    await deploy();
    const node = helper.getNode("conn") as ConnectionNode;
    assert.equal(node.getClient(), node.getClient());
    assert.equal(clients.length, 1);
    await helper.unload();
    assert.equal(clients[0].closed, true);
  });

  it("tests the dialog's values with a single attempt, answers ok with what the test read, and closes that client", async () => {
    await deploy();
    const answer = await helper
      .request()
      .post("/declared-connection/test-connection")
      .send({ baseUrl: "https://other.example", user: "tester", secret: "typed" })
      .expect(200);
    assert.deepEqual(answer.body, { ok: true, reached: "https://other.example", as: "tester", attempts: 1 });
    assert.deepEqual(
      clients.map((c) => [c.options.secret, c.options.logs, c.closed]),
      [["typed", false, true]],
    );
  });

  it("lends a stored password-type credential only to the deployed node's own destinations", async () => {
    process.env.DECLARED_SECRET = "stored";
    await deploy();
    const own = await helper
      .request()
      .post("/declared-connection/test-connection")
      .send({ id: "conn", baseUrl: "https://cs.example", user: "archivist", secret: "__PWRD__" })
      .expect(200);
    assert.equal(own.body.reached, "https://cs.example");
    assert.equal(clients[0].options.secret, "stored");
    const elsewhere = await helper
      .request()
      .post("/declared-connection/test-connection")
      .send({ id: "conn", baseUrl: "https://attacker.example", user: "archivist", secret: "__PWRD__" })
      .expect(400);
    assert.match(elsewhere.body.message, /changed baseUrl: enter secret again/);
    assert.equal(clients.length, 1, "no client was made for the other destination");
  });
});
