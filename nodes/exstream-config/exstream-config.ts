import { ExstreamClient, type ExstreamClientOptions, type TlsOptions } from "../lib/exstream";
import { defineConnectionConfig } from "../lib/node-red/define-connection";
import { buildClientOptions } from "./client-options";
import { properties } from "./properties";
import type { ExstreamConfigCredentials, ExstreamConfigProperties } from "./types";

/**
 * "Test connection" obtains a token with the dialog's values (or a deployed node's) and reads the Design API version
 * and domains; stored secrets go only to the deployed node's own token URL (built from these fields), over its TLS
 * and proxy.
 */
export = defineConnectionConfig<
  ExstreamConfigProperties,
  ExstreamConfigCredentials,
  ExstreamClientOptions,
  ExstreamClient,
  TlsOptions
>({
  type: "exstream-config",
  properties,
  credentials: { clientId: "text", clientSecret: "password", username: "text", password: "password" },
  destinations: ["baseUrl", "tokenUrl", "otdsUrl", "tokenPath", "tenant", "tls", "proxy"],
  options: (props, credentials, { expand, tls, proxy }) => buildClientOptions(props, credentials, expand, tls, proxy),
  client: (options) => new ExstreamClient(options),
  async test(client) {
    const check = await client.testConnection();
    const { versionString, major, minor, patch } = check.version;
    return {
      version: versionString ?? [major, minor, patch].join("."),
      domains: check.domains,
      domainFound: check.domainFound,
    };
  },
});
