import { ContentServerClient, type ContentServerClientOptions, type TlsOptions } from "../lib/content-server";
import { defineConnectionConfig } from "../lib/node-red/define-connection";
import { buildClientOptions } from "./client-options";
import { properties } from "./properties";
import type { CsConfigCredentials, CsConfigProperties } from "./types";

/**
 * "Test connection" logs in with the dialog's values (or a deployed node's) and answers the server version and user
 * name; stored secrets go only to the deployed node's own Content Server and OTDS, over its TLS and proxy.
 */
export = defineConnectionConfig<
  CsConfigProperties,
  CsConfigCredentials,
  ContentServerClientOptions,
  ContentServerClient,
  TlsOptions
>({
  type: "cs-config",
  properties,
  credentials: { username: "text", password: "password", clientId: "text", clientSecret: "password" },
  destinations: ["baseUrl", "otdsUrl", "tls", "proxy"],
  options: (props, credentials, { expand, tls, proxy, log }) =>
    buildClientOptions(props, credentials, expand, tls, log, proxy),
  client: (options) => new ContentServerClient(options),
  async test(client) {
    const check = await client.testConnection();
    return { serverVersion: check.serverVersion, userName: check.userName };
  },
});
