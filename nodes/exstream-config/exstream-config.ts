import type { NodeAPI } from "node-red";
import { ExstreamClient, type ExstreamClientOptions, type TlsOptions } from "../lib/exstream";
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
import type {
  ExstreamConfigCredentials,
  ExstreamConfigDef,
  ExstreamConfigNode,
  ExstreamConfigProperties,
} from "./types";

/** What "test connection" reads of the dialog: every stored property but the name. */
const PROPERTY_NAMES = storedPropertyNames(properties).filter((name) => name !== "name") as Array<
  keyof ExstreamConfigProperties
>;

const CREDENTIAL_NAMES: Array<keyof ExstreamConfigCredentials> = ["clientId", "clientSecret", "username", "password"];
const SECRET_NAMES: Array<keyof ExstreamConfigCredentials> = ["clientSecret", "password"];
/**
 * "Test connection": stored secrets go only where the deployed node sends them (its token URL, built from these
 * fields; over its TLS and proxy).
 */
const CONNECTION_FIELDS: ConnectionFields<ExstreamConfigProperties, ExstreamConfigCredentials> = {
  owner: "exstream-config",
  propertyNames: PROPERTY_NAMES,
  credentialNames: CREDENTIAL_NAMES,
  secretNames: SECRET_NAMES,
  destinationNames: ["baseUrl", "tokenUrl", "otdsUrl", "tokenPath", "tenant", "tls", "proxy"],
};

export = function (RED: NodeAPI): void {
  const tlsOf = (id: string | undefined) => tlsOptionsOf<TlsOptions>(RED, id, "exstream-config");
  const proxyOf = (id: string | undefined, expand: (value: string | undefined) => string | undefined) =>
    proxySettingsOf(RED, expand(id), "exstream-config", expand);

  function ExstreamConfig(this: ExstreamConfigNode, def: ExstreamConfigDef): void {
    RED.nodes.createNode(this, def);
    this.clientOptions = () =>
      buildClientOptions(
        def,
        this.credentials ?? {},
        (value) => expandEnvPlaceholders(value, RED, this),
        tlsOf(expandEnvPlaceholders(def.tls, RED, this)),
        proxyOf(def.proxy, (value) => expandEnvPlaceholders(value, RED, this)),
      );

    this.getClient = sharedClient(this, () => new ExstreamClient(this.clientOptions()));
  }

  RED.nodes.registerType<ExstreamConfigNode, ExstreamConfigDef, object, ExstreamConfigCredentials>(
    "exstream-config",
    ExstreamConfig,
    {
      credentials: {
        clientId: { type: "text" },
        clientSecret: { type: "password" },
        username: { type: "text" },
        password: { type: "password" },
      },
    },
  );

  /**
   * "Test connection" from the edit dialog: obtains a token with the dialog's values (or a deployed node's) and reads
   * the Design API version and domains. Stored secrets are used where the dialog shows the placeholder, only
   * with the deployed node's own URLs (dialogConnection).
   */
  registerTestConnectionEndpoint(RED, "exstream-config", async (req) => {
    const options = testConnectionOptions<
      ExstreamConfigProperties,
      ExstreamConfigCredentials,
      ExstreamClientOptions,
      TlsOptions
    >(RED, CONNECTION_FIELDS, (req.body ?? {}) as Record<string, unknown>, (props, credentials, { tls, proxy }) =>
      buildClientOptions(props, credentials, (value) => value, tls, proxy),
    );
    const client = new ExstreamClient({ ...options, retry: { ...options.retry, maxAttempts: 1 } });
    try {
      const check = await client.testConnection();
      return {
        ok: true,
        version:
          check.version.versionString ?? [check.version.major, check.version.minor, check.version.patch].join("."),
        domains: check.domains,
        domainFound: check.domainFound,
      };
    } finally {
      client.close();
    }
  });
};
