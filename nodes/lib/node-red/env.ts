import type { Node, NodeAPI } from "node-red";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Expands `${NAME}` placeholders from the environment. Node-RED does this for node properties itself, but not for
 * credentials, and a headless deployment keeps its secrets only as placeholders in flows.json.
 * Uses Node-RED's own lookup (flow/group env first, then process.env) where the runtime offers it.
 */
export function expandEnvPlaceholders(value: string | undefined, RED?: NodeAPI, node?: Node): string | undefined {
  if (value === undefined || !value.includes("${")) return value;
  return value.replace(PLACEHOLDER, (_whole, name: string) => {
    const util = RED?.util as { getSetting?: (node: Node | undefined, name: string) => unknown } | undefined;
    const found = util?.getSetting ? util.getSetting(node, name) : process.env[name];
    return found === undefined || found === null ? "" : String(found);
  });
}
