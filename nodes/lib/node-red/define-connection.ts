import type { Node, NodeAPI, NodeCredentials, NodeDef } from "node-red";
import type { ProxySettings } from "../transport";
import { registerTestConnectionEndpoint } from "./admin";
import {
  proxySettingsOf,
  sharedClient,
  testConnectionOptions,
  tlsOptionsOf,
  type ConnectionFields,
  type Expand,
} from "./connection-config";
import { expandEnvPlaceholders } from "./env";
import { storedPropertyNames, type PropertySchema } from "./properties";

/** What a connection's options are built from besides its properties and credentials. */
export interface ConnectionLinks<T> {
  /** `${ENV}` expansion: the deployed node's own; "test connection" passes values through as they are. */
  expand: Expand;
  tls?: T;
  proxy?: ProxySettings;
  /** The deployed node's log (absent while testing a dialog's values). */
  log?: { debug(message: string): void; warn(message: string): void };
}

/**
 * A connection config node declared as what it is: its credentials, the fields that decide where they are sent,
 * how properties become client options, the client, and what "test connection" answers of a working connection.
 */
export interface ConnectionSpec<P, C, O, Client, T> {
  type: string;
  /** "Test connection" reads every stored property of the dialog but the name. */
  properties: PropertySchema;
  /** The credential fields in the editor's order; `password` fields are the secrets. */
  credentials: Record<keyof C & string, "text" | "password">;
  /** The fields that decide where the stored secrets are sent (URLs, tenant, TLS, proxy). */
  destinations: Array<keyof P>;
  options(props: Partial<P>, credentials: C, links: ConnectionLinks<T>): O;
  client(options: O): Client;
  /** Reads what the dialog shows of a working connection; the client makes a single attempt. */
  test(client: Client): Promise<Record<string, unknown>>;
}

type Options = { retry?: object };

/** A deployed connection config node, as the nodes that use it see it. */
type ConnectionNode<C extends object, O, Client> = Node<C> & { clientOptions(): O; getClient(): Client };

/**
 * Registers a connection config node: each deployed node builds its client options on demand (`clientOptions()`)
 * and shares one client (`getClient()`) with every node that uses it; "test connection" obtains options for the
 * dialog's values (or the deployed node's), never sending stored secrets anywhere but the deployed node's servers.
 */
export function defineConnectionConfig<
  P extends { tls?: string; proxy?: string },
  C extends object,
  O extends Options,
  Client extends { close(): unknown },
  T,
>(spec: ConnectionSpec<P, C, O, Client, T>): (RED: NodeAPI) => void {
  const credentialNames = Object.keys(spec.credentials) as Array<keyof C & string>;
  const fields: ConnectionFields<P, C> = {
    owner: spec.type,
    propertyNames: storedPropertyNames(spec.properties).filter((name) => name !== "name") as Array<keyof P>,
    credentialNames,
    secretNames: credentialNames.filter((name) => spec.credentials[name] === "password"),
    destinationNames: spec.destinations,
  };

  return function register(RED: NodeAPI): void {
    function ConnectionConfig(this: ConnectionNode<C, O, Client>, def: NodeDef & P): void {
      RED.nodes.createNode(this, def);
      const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED, this);
      const clientOptions = () =>
        spec.options(def, (this.credentials ?? {}) as C, {
          expand,
          tls: tlsOptionsOf<T>(RED, expand(def.tls), spec.type),
          proxy: proxySettingsOf(RED, expand(def.proxy), spec.type, expand),
          log: { debug: (message) => this.debug(message), warn: (message) => this.warn(message) },
        });
      this.clientOptions = clientOptions;
      this.getClient = sharedClient(this, () => spec.client(clientOptions()));
    }

    const declared = credentialNames.map((name) => [name, { type: spec.credentials[name] }]);
    RED.nodes.registerType(spec.type, ConnectionConfig, {
      credentials: Object.fromEntries(declared) as NodeCredentials<C>,
    });

    registerTestConnectionEndpoint(RED, spec.type, async (req) => {
      const options = testConnectionOptions<P, C, O, T>(
        RED,
        fields,
        (req.body ?? {}) as Record<string, unknown>,
        (props, credentials, { tls, proxy }) =>
          spec.options(props, credentials, { expand: (value) => value, tls, proxy }),
      );
      const client = spec.client({ ...options, retry: { ...options.retry, maxAttempts: 1 } });
      try {
        return { ok: true, ...(await spec.test(client)) };
      } finally {
        await client.close();
      }
    });
  };
}
