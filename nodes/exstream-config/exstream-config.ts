import type { NodeAPI } from "node-red";
import { ExstreamClient, type ExstreamClientOptions, type TlsOptions } from "../lib/exstream";
import { registerAdminEndpoint } from "../lib/node-red/admin";
import { dialogValues, proxySettingsOf, sharedClient, tlsOptionsOf } from "../lib/node-red/connection-config";
import { expandEnvPlaceholders } from "../lib/node-red/env";
import { buildClientOptions } from "./client-options";
import type {
  ExstreamConfigCredentials,
  ExstreamConfigDef,
  ExstreamConfigNode,
  ExstreamConfigProperties,
  TestConnectionRequest,
} from "./types";

const PROPERTY_NAMES: Array<keyof ExstreamConfigProperties> = [
  "baseUrl",
  "domain",
  "tokenUrl",
  "tenant",
  "otdsUrl",
  "tokenPath",
  "grantType",
  "clientAuth",
  "scope",
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

const CREDENTIAL_NAMES: Array<keyof ExstreamConfigCredentials> = ["clientId", "clientSecret", "username", "password"];
const SECRET_NAMES: Array<keyof ExstreamConfigCredentials> = ["clientSecret", "password"];

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
   * the Design API version and domains. Stored secrets are used where the dialog shows the placeholder.
   */
  registerAdminEndpoint(RED, "post", "/exstream-config/test-connection", "exstream-config.write", async (req) => {
    const body = (req.body ?? {}) as TestConnectionRequest;
    const deployed = body.id ? (RED.nodes.getNode(body.id) as ExstreamConfigNode | null) : null;
    const stored =
      (body.id ? (RED.nodes.getCredentials(body.id) as ExstreamConfigCredentials | undefined) : undefined) ?? {};
    let options: ExstreamClientOptions;
    if (body.baseUrl === undefined && deployed) {
      options = deployed.clientOptions();
    } else {
      const { props, credentials } = dialogValues<ExstreamConfigProperties, ExstreamConfigCredentials>(
        body as Record<string, unknown>,
        PROPERTY_NAMES,
        CREDENTIAL_NAMES,
        SECRET_NAMES,
        stored,
      );
      const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED, deployed ?? undefined);
      options = buildClientOptions(props, credentials, expand, tlsOf(expand(props.tls)), proxyOf(props.proxy, expand));
    }
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
