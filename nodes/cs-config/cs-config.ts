import type { NodeAPI } from "node-red";
import { ContentServerClient, type ContentServerClientOptions, type TlsOptions } from "../lib/content-server";
import { registerTestConnectionEndpoint } from "../lib/node-red/admin";
import {
  proxySettingsOf,
  sharedClient,
  testConnectionOptions,
  tlsOptionsOf,
  type ConnectionFields,
} from "../lib/node-red/connection-config";
import { expandEnvPlaceholders } from "../lib/node-red/env";
import { storedPropertyNames } from "../lib/node-red/properties";
import { buildClientOptions } from "./client-options";
import { properties } from "./properties";
import type { CsConfigCredentials, CsConfigDef, CsConfigNode, CsConfigProperties } from "./types";

/** What "test connection" reads of the dialog: every stored property but the name. */
const PROPERTY_NAMES = storedPropertyNames(properties).filter((name) => name !== "name") as Array<
  keyof CsConfigProperties
>;

const CREDENTIAL_NAMES: Array<keyof CsConfigCredentials> = ["username", "password", "clientId", "clientSecret"];
const SECRET_NAMES: Array<keyof CsConfigCredentials> = ["password", "clientSecret"];
/**
 * "Test connection": stored secrets go only where the deployed node sends them (Content Server, OTDS; over its TLS
 * and proxy).
 */
const CONNECTION_FIELDS: ConnectionFields<CsConfigProperties, CsConfigCredentials> = {
  owner: "cs-config",
  propertyNames: PROPERTY_NAMES,
  credentialNames: CREDENTIAL_NAMES,
  secretNames: SECRET_NAMES,
  destinationNames: ["baseUrl", "otdsUrl", "tls", "proxy"],
};

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
   * server version and user name. Stored secrets are used where the dialog shows the placeholder, only
   * with the deployed node's own URLs (dialogConnection).
   */
  registerTestConnectionEndpoint(RED, "cs-config", async (req) => {
    const options = testConnectionOptions<
      CsConfigProperties,
      CsConfigCredentials,
      ContentServerClientOptions,
      TlsOptions
    >(RED, CONNECTION_FIELDS, (req.body ?? {}) as Record<string, unknown>, (props, credentials, { tls, proxy }) =>
      buildClientOptions(props, credentials, (value) => value, tls, undefined, proxy),
    );
    const client = new ContentServerClient({ ...options, retry: { ...options.retry, maxAttempts: 1 } });
    try {
      const check = await client.testConnection();
      return { ok: true, serverVersion: check.serverVersion, userName: check.userName };
    } finally {
      await client.close();
    }
  });
};
