// Node-RED settings for the headless deployment of the seven data flows.
// Every connection value comes from the environment (see flows/README.md); nothing secret lives in this folder.
const env = process.env;
const flag = (name, fallback) => (env[name] === undefined ? fallback : !/^(0|false|no|off)$/i.test(env[name]));

if (!env.NODE_RED_CREDENTIAL_SECRET) {
  throw new Error("NODE_RED_CREDENTIAL_SECRET is not set: it encrypts the stored credentials and must never change");
}

const adminUser = env.NODE_RED_ADMIN_USER;
const adminHash = env.NODE_RED_ADMIN_PASSWORD_HASH; // bcrypt, from `npx node-red admin hash-pw`
if (!adminUser !== !adminHash) {
  throw new Error("set both NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD_HASH (or neither)");
}
const host = env.NODE_RED_HOST || "127.0.0.1";
const loopback = /^(127\.|::1$|localhost$)/.test(host);
if (!loopback && flag("NODE_RED_ADMIN", true) && !adminUser) {
  console.warn(`Node-RED listens on ${host} with the admin API open: set NODE_RED_ADMIN_USER/_PASSWORD_HASH`);
}

module.exports = {
  flowFile: "flows.json",
  credentialSecret: env.NODE_RED_CREDENTIAL_SECRET,
  uiHost: host,
  uiPort: Number(env.NODE_RED_PORT || env.PORT || 1880),
  disableEditor: !flag("NODE_RED_EDITOR", true),
  // Set NODE_RED_ADMIN=0 to switch the editor and the admin API off entirely (pure headless).
  httpAdminRoot: flag("NODE_RED_ADMIN", true) ? "/" : false,
  httpNodeRoot: "/",
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
