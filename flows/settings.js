// Node-RED settings for the headless deployment of the seven data flows.
// Every connection value comes from the environment (see flows/README.md); nothing secret lives in this folder.
const { URL } = require("node:url");

const env = process.env;
const flag = (name, fallback) => (env[name] === undefined ? fallback : !/^(0|false|no|off)$/i.test(env[name]));

const adminOn = flag("NODE_RED_ADMIN", true);

/** localhost, 127.x.x.x and ::1: names a web page cannot make point elsewhere. */
const isLoopbackName = (name) => /^(localhost|127(\.\d{1,3}){3}|::1)$/i.test(name);
/** The host name of a Host header or URL authority: `[::1]:1880` → `::1`, `Example.COM.:80` → `example.com`. */
const hostName = (authority) => {
  const text = String(authority || "").toLowerCase();
  const name = text.startsWith("[") ? text.slice(1, text.indexOf("]")) : text.split(":")[0];
  return name.replace(/\.$/, "");
};
const urlHost = (url) => {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
};

// The credential secret encrypts flows_cred.json: long enough not to be guessed, and never the public demo value
// (scripts/start.js uses it with its own simulators only) while a real server is configured.
const DEMO_CREDENTIAL_SECRET = "demo-only-credential-secret";
const MIN_CREDENTIAL_SECRET_CHARS = 16;
const credentialSecret = env.NODE_RED_CREDENTIAL_SECRET;
if (!credentialSecret) {
  throw new Error("NODE_RED_CREDENTIAL_SECRET is not set: it encrypts the stored credentials and must never change");
}
if (credentialSecret.length < MIN_CREDENTIAL_SECRET_CHARS) {
  throw new Error(
    `NODE_RED_CREDENTIAL_SECRET has ${credentialSecret.length} characters: use at least ` +
      `${MIN_CREDENTIAL_SECRET_CHARS} (e.g. \`openssl rand -hex 32\`)`,
  );
}
if (credentialSecret === DEMO_CREDENTIAL_SECRET) {
  const simulator = (url) => flag("DEMO_SIMULATORS", false) && isLoopbackName(hostName(urlHost(url)));
  const real = ["CS_URL", "EXSTREAM_URL"].filter((name) => env[name] && !simulator(env[name]));
  if (real.length) {
    throw new Error(
      `NODE_RED_CREDENTIAL_SECRET is the public demo secret while ${real.join(" and ")} point at a real server: ` +
        "set a secret of your own",
    );
  }
}

const adminUser = env.NODE_RED_ADMIN_USER;
const adminHash = env.NODE_RED_ADMIN_PASSWORD_HASH; // bcrypt, from `npx node-red admin hash-pw`
if (!adminUser !== !adminHash) {
  throw new Error("set both NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD_HASH (or neither)");
}

// Without adminAuth the editor and admin API (deploy = run any code) are open to whoever reaches the port.
const host = env.NODE_RED_HOST || "127.0.0.1";
const loopback = isLoopbackName(host);
if (!loopback && adminOn && !adminUser) {
  throw new Error(
    `NODE_RED_HOST=${host} would open the editor and admin API to the network without a login: set ` +
      "NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD_HASH, or NODE_RED_ADMIN=0",
  );
}

// A web page can reach a loopback-only Node-RED through DNS rebinding (its own name resolving to 127.0.0.1): the
// browser then sends that name as Host. Only loopback names and NODE_RED_ALLOWED_HOSTS (e.g. the name a reverse
// proxy forwards) are answered. Admin requests from a page of another origin are refused as well.
const allowedHosts = (env.NODE_RED_ALLOWED_HOSTS || "")
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(hostName);
const knownHost = (name) => isLoopbackName(name) || allowedHosts.includes(name);
const checkHost = loopback || allowedHosts.length > 0;
const refuse = (res, why) => {
  res.statusCode = 403;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(`${why}\n`);
};
function refuseUnknownHost(req, res, next) {
  const name = hostName(req.headers.host);
  if (!checkHost || knownHost(name)) return next();
  refuse(res, `Host "${name}" is not served here: add it to NODE_RED_ALLOWED_HOSTS if it is yours`);
}
const fromOwnOrigin = (req) => {
  const origin = req.headers.origin;
  if (!origin) return true;
  const authority = urlHost(origin).toLowerCase();
  return authority === String(req.headers.host).toLowerCase() || knownHost(hostName(authority));
};
function refuseOtherOrigins(req, res, next) {
  if (fromOwnOrigin(req)) return next();
  refuse(res, `requests from pages of ${req.headers.origin} are not accepted`);
}

// The editor's websocket (/comms: debug messages, status, notifications) is opened through the HTTP server's
// "upgrade" event, which no middleware sees, and browsers let any page open a websocket to any host. The same Host
// and Origin checks apply there: the server red.js is about to create refuses other upgrades with 403.
function guardUpgrades(server) {
  const emit = server.emit;
  server.emit = function (event, req, socket, ...rest) {
    const hostKnown = !checkHost || knownHost(hostName(req && req.headers && req.headers.host));
    if (event === "upgrade" && !(hostKnown && fromOwnOrigin(req))) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return true;
    }
    return emit.call(this, event, req, socket, ...rest);
  };
  return server;
}
for (const transport of [require("node:http"), require("node:https")]) {
  const createServer = transport.createServer;
  transport.createServer = (...args) => guardUpgrades(createServer.apply(transport, args));
}

module.exports = {
  flowFile: "flows.json",
  credentialSecret,
  uiHost: host,
  uiPort: Number(env.NODE_RED_PORT || env.PORT || 1880),
  disableEditor: !flag("NODE_RED_EDITOR", true),
  // Set NODE_RED_ADMIN=0 to switch the editor and the admin API off entirely (pure headless).
  httpAdminRoot: adminOn ? "/" : false,
  httpAdminMiddleware: [refuseUnknownHost, refuseOtherOrigins],
  httpNodeRoot: "/",
  // A function here is middleware in front of every HTTP-in route (the workflow callback included).
  httpNodeAuth: refuseUnknownHost,
  adminAuth:
    adminUser && adminHash
      ? { type: "credentials", users: [{ username: adminUser, password: adminHash, permissions: "*" }] }
      : undefined,
  // The package folder when running from a clone (npm start sets it); an npm-installed package needs nothing here.
  nodesDir: env.NODE_RED_NODES_DIR ? [env.NODE_RED_NODES_DIR] : undefined,
  logging: { console: { level: env.NODE_RED_LOG_LEVEL || "info", metrics: false, audit: false } },
  diagnostics: { enabled: false },
  runtimeState: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  editorTheme: {
    projects: { enabled: false },
    tours: false,
    palette: { catalogues: [] },
    page: { title: "Exstream ⇄ Extended ECM" },
    header: { title: "Exstream ⇄ Extended ECM" },
  },
};
