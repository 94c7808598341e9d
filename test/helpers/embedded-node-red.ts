/*
 * Starts a real, embedded Node-RED runtime (editor disabled, admin API on) with some of this package's nodes loaded
 * straight from their TypeScript sources — no build needed, since the tests run under tsx:
 *
 *   const nr = await startEmbeddedNodeRed({ nodeTypes: ["cs-config"], users: [{ username: "admin", password: "pw",
 *                                           permissions: "*" }] });
 *   const token = await nr.token("admin", "pw");
 *   await nr.deploy(flows, token);                                        // POST /admin/flows (full deploy)
 *   await fetch(`${nr.adminUrl}/cs-config/test-connection`, { headers: { Authorization: `Bearer ${token}` } … });
 *   await nr.stop();
 *
 * Without `users`, the admin API is open (no adminAuth). Node-RED is a process-wide singleton: run one at a time.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import express from "express";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface EmbeddedUser {
  username: string;
  password: string;
  /** Node-RED permissions: "*", "read", or a list such as ["flows.read", "cs-config.write"]. */
  permissions: string | string[];
}

export interface EmbeddedNodeRedOptions {
  /** Node folders under nodes/ to load (each has <type>/<type>.ts, .html and locales/). */
  nodeTypes: string[];
  users?: EmbeddedUser[];
  /** Extra runtime settings (merged last). */
  settings?: Record<string, unknown>;
  /** Reuse this user dir (flows, credentials, ledgers) and keep it on stop, e.g. to restart the runtime. */
  userDir?: string;
}

export interface EmbeddedNodeRed {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The admin API root, `${url}/admin`. */
  adminUrl: string;
  userDir: string;
  RED: any;
  /** An admin API access token for a configured user (password grant, scope = the user's permissions). */
  token(username: string, password: string): Promise<string>;
  /** Full deploy through the admin API; credentials go inline on the nodes, as the editor sends them. */
  deploy(flows: unknown[], token?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Node-RED keeps its admin-auth strategy from the first RED.init of the process, so the strategy always looks users
 * up here, in the list of the runtime started last.
 */
let currentUsers: EmbeddedUser[] = [];

export async function startEmbeddedNodeRed(options: EmbeddedNodeRedOptions): Promise<EmbeddedNodeRed> {
  const RED = require("node-red");
  const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "nr-embedded-"));
  fs.mkdirSync(userDir, { recursive: true });
  const packageDir = writeShimPackage(userDir, options.nodeTypes);
  const app = express();
  const server = http.createServer(app);
  const users = options.users ?? [];
  currentUsers = users;
  const settings: Record<string, unknown> = {
    userDir,
    flowFile: "flows.json",
    credentialSecret: "embedded-test-secret",
    httpAdminRoot: "/admin",
    httpNodeRoot: "/api",
    disableEditor: true,
    nodesDir: [packageDir],
    logging: { console: { level: "off", metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false } },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    ...(users.length
      ? {
          adminAuth: {
            type: "credentials",
            users: async (username: string) => publicUser(currentUsers.find((u) => u.username === username)),
            authenticate: async (username: string, password: string) =>
              publicUser(currentUsers.find((u) => u.username === username && u.password === password)),
          },
        }
      : {}),
    ...options.settings,
  };
  RED.init(server, settings);
  app.use("/admin", RED.httpAdmin);
  app.use("/api", RED.httpNode);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // RED.start() resolves before the stored flows and credentials are loaded; a deploy in between would have its
  // credentials replaced by the (late) load of the stored ones. Wait until the runtime has started its flows.
  const flowsStarted = new Promise<void>((resolve) => {
    const started = (): void => {
      clearTimeout(timer);
      RED.events.removeListener("flows:started", started);
      resolve();
    };
    const timer = setTimeout(started, 5000);
    RED.events.on("flows:started", started);
  });
  await RED.start();
  await flowsStarted;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adminUrl = `${url}/admin`;

  return {
    url,
    adminUrl,
    userDir,
    RED,
    async token(username, password) {
      const user = users.find((u) => u.username === username);
      const scope = user ? [user.permissions].flat().join(" ") : "*";
      const res = await fetch(`${adminUrl}/auth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: "node-red-admin", grant_type: "password", scope, username, password }),
      });
      if (!res.ok) throw new Error(`token for ${username}: HTTP ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async deploy(flows, token) {
      const res = await fetch(`${adminUrl}/flows`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Node-RED-Deployment-Type": "full",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(flows),
      });
      if (!res.ok) throw new Error(`deploy: HTTP ${res.status} ${await res.text()}`);
    },
    async stop() {
      await RED.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.userDir) fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

function publicUser(user: EmbeddedUser | undefined): { username: string; permissions: string | string[] } | null {
  return user ? { username: user.username, permissions: user.permissions } : null;
}

/**
 * A throw-away package whose `node-red.nodes` entries require the TypeScript sources (tsx compiles them on load);
 * each node's editor HTML and locales are copied beside its entry, where Node-RED looks for them.
 */
function writeShimPackage(userDir: string, nodeTypes: string[]): string {
  const packageDir = path.join(userDir, "package-under-test");
  fs.mkdirSync(packageDir, { recursive: true });
  const nodes: Record<string, string> = {};
  for (const type of nodeTypes) {
    const source = path.join(REPO_ROOT, "nodes", type);
    const target = path.join(packageDir, type);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(
      path.join(target, `${type}.js`),
      `"use strict";\nconst mod = require(${JSON.stringify(path.join(source, `${type}.ts`))});\nmodule.exports = mod.default ?? mod;\n`,
    );
    const html = path.join(source, `${type}.html`);
    if (fs.existsSync(html)) fs.copyFileSync(html, path.join(target, `${type}.html`));
    const locales = path.join(source, "locales");
    if (fs.existsSync(locales)) fs.cpSync(locales, path.join(target, "locales"), { recursive: true });
    nodes[type] = `${type}/${type}.js`;
  }
  fs.writeFileSync(
    path.join(packageDir, "package.json"),
    JSON.stringify({ name: "package-under-test", version: "0.0.0", "node-red": { nodes } }, null, 2),
  );
  return packageDir;
}
