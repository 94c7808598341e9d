import type { IncomingMessage, ServerResponse } from "node:http";
import { checkCredentials } from "./auth";
import type { SimContext } from "./context";
import { sendJson } from "./responses";

const MAX_BODY_BYTES = 64 * 1024;

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await readText(req)) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** OTDS password login (`rest/authentication/credentials` takes userName, `v1/...` takes user_name). */
async function credentials(sim: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const username = body.userName ?? body.user_name;
  const user = checkCredentials(sim, username, body.password);
  if (!user) {
    sendJson(res, 401, {
      status: 401,
      error: "Authentication failed",
      errorDetails: null,
      failureReason: "Invalid credentials",
    });
    return;
  }
  sim.counters.logins.otds++;
  const ticket = sim.sessions.login(user.id, "otds");
  sendJson(res, 200, {
    token: null,
    userId: `${user.name}@otds.admin`,
    ticket,
    resourceID: null,
    failureReason: null,
    passwordExpirationTime: 0,
    continuation: false,
    continuationContext: null,
    continuationData: null,
  });
}

function basicAuth(req: IncomingMessage): [string, string] | undefined {
  const match = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0
    ? undefined
    : [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
}

/** OAuth2 token endpoint: client credentials (form or HTTP Basic) and the password grant. */
async function token(sim: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = new URLSearchParams(await readText(req));
  const basic = basicAuth(req);
  const clientId = form.get("client_id") ?? basic?.[0];
  const clientSecret = form.get("client_secret") ?? basic?.[1];
  const grant = form.get("grant_type");
  const client = clientId ? sim.store.data.oauthClients[clientId] : undefined;
  if (!client || client.secret !== clientSecret) {
    sendJson(res, 401, { error: "invalid_client", error_description: "Client authentication failed" });
    return;
  }
  let userId: number;
  if (grant === "client_credentials") {
    userId = client.userId;
  } else if (grant === "password") {
    const user = checkCredentials(sim, form.get("username"), form.get("password"));
    if (!user) {
      sendJson(res, 400, { error: "invalid_grant", error_description: "Invalid username or password" });
      return;
    }
    userId = user.id;
  } else {
    sendJson(res, 400, { error: "unsupported_grant_type" });
    return;
  }
  sim.counters.logins.oauth++;
  sendJson(res, 200, {
    access_token: sim.sessions.login(userId, "bearer"),
    token_type: "Bearer",
    expires_in: Math.floor(sim.sessions.bearerLifetimeMs / 1000),
    issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
  });
}

/** Handles `/otdsws/...`; returns false for other paths. */
export async function handleOtds(sim: SimContext, req: IncomingMessage, res: ServerResponse, path: string) {
  const route = path.replace(/^\/+|\/+$/g, "").toLowerCase();
  if (req.method !== "POST") return false;
  if (route === "otdsws/rest/authentication/credentials" || route === "otdsws/v1/authentication/credentials") {
    await credentials(sim, req, res);
    return true;
  }
  if (route === "otdsws/oauth2/token") {
    await token(sim, req, res);
    return true;
  }
  return false;
}
