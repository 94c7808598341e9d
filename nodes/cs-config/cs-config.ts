import type { NodeAPI } from "node-red";
import { ContentServerClient, type TlsOptions } from "../lib/content-server";
import { registerAdminEndpoint } from "../lib/node-red/admin";
import { dialogValues, proxySettingsOf, sharedClient, tlsOptionsOf } from "../lib/node-red/connection-config";
import { expandEnvPlaceholders } from "../lib/node-red/env";
import { buildClientOptions } from "./client-options";
import type {
  CsConfigCredentials,
  CsConfigDef,
  CsConfigNode,
  CsConfigProperties,
  TestConnectionRequest,
} from "./types";

const PROPERTY_NAMES: Array<keyof CsConfigProperties> = [
  "baseUrl",
  "authMode",
  "otdsUrl",
  "domain",
  "tls",
  "proxy",
  "timeoutMs",
  "deadlineMs",
  "minBytesPerSecond",
  "maxResponseMiB",
  "maxConcurrent",
  "retryAttempts",
  "retryBaseDelayMs",
  "retryMaxDelayMs",
];

const CREDENTIAL_NAMES: Array<keyof CsConfigCredentials> = ["username", "password", "clientId", "clientSecret"];
const SECRET_NAMES: Array<keyof CsConfigCredentials> = ["password", "clientSecret"];

export = function (RED: NodeAPI): void {
  const tlsOf = (id: string | undefined) => tlsOptionsOf<TlsOptions>(RED, id, "cs-config");
  const proxyOf = (id: string | undefined, expand: (value: string | undefined) => string | undefined) =>
    proxySettingsOf(RED, expand(id), "cs-config", expand);

  function CsConfig(this: CsConfigNode, def: CsConfigDef): void {
    RED.nodes.createNode(this, def);
    this.clientOptions = () =>
      buildClientOptions(
        def,
        this.credentials ?? {},
        (value) => expandEnvPlaceholders(value, RED, this),
        tlsOf(expandEnvPlaceholders(def.tls, RED, this)),
        { debug: (message) => this.debug(message), warn: (message) => this.warn(message) },
        proxyOf(def.proxy, (value) => expandEnvPlaceholders(value, RED, this)),
      );

    this.getClient = sharedClient(this, () => new ContentServerClient(this.clientOptions()));
  }

  RED.nodes.registerType<CsConfigNode, CsConfigDef, object, CsConfigCredentials>("cs-config", CsConfig, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
      clientId: { type: "text" },
      clientSecret: { type: "password" },
    },
  });

  /**
   * "Test connection" from the edit dialog: logs in with the dialog's values (or a deployed node's) and answers the
   * server version and user name. Stored secrets are used where the dialog shows the placeholder.
   */
  registerAdminEndpoint(RED, "post", "/cs-config/test-connection", "cs-config.write", async (req) => {
    const body = (req.body ?? {}) as TestConnectionRequest;
    const deployed = body.id ? (RED.nodes.getNode(body.id) as CsConfigNode | null) : null;
    const stored = (body.id ? (RED.nodes.getCredentials(body.id) as CsConfigCredentials | undefined) : undefined) ?? {};
    let options;
    if (body.baseUrl === undefined && deployed) {
      options = deployed.clientOptions();
    } else {
      const { props, credentials } = dialogValues<CsConfigProperties, CsConfigCredentials>(
        body as Record<string, unknown>,
        PROPERTY_NAMES,
        CREDENTIAL_NAMES,
        SECRET_NAMES,
        stored,
      );
      const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED, deployed ?? undefined);
      options = buildClientOptions(
        props,
        credentials,
        expand,
        tlsOf(expand(props.tls)),
        undefined,
        proxyOf(props.proxy, expand),
      );
    }
    const client = new ContentServerClient({ ...options, retry: { ...options.retry, maxAttempts: 1 } });
    try {
      const check = await client.testConnection();
      return { ok: true, serverVersion: check.serverVersion, userName: check.userName };
    } finally {
      await client.close();
    }
  });
};
