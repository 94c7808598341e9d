import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { RuleConfig } from "./types";

type Prepared = ReturnType<NodeAPI["util"]["prepareJSONataExpression"]>;

/** A rule's source, ready to be read from a message; JSONata is compiled once, at deploy. */
export interface RuleSource {
  read(msg: NodeMessage): Promise<unknown>;
}

export function compileSource(RED: NodeAPI, node: Node, rule: RuleConfig): RuleSource {
  switch (rule.sourceType) {
    case "key":
      return { read: async (msg) => fieldOf(record(record(msg).document).keys, rule.source) };
    case "wfattr":
      return { read: async (msg) => fieldOf(record(record(msg).workflow).attributes, rule.source) };
    case "jsonata": {
      const expression = RED.util.prepareJSONataExpression(rule.source, node);
      return { read: (msg) => evaluateJsonata(RED, expression, msg) };
    }
    default:
      return {
        read: (msg) =>
          new Promise((resolve, reject) =>
            RED.util.evaluateNodeProperty(
              rule.source,
              rule.sourceType,
              node,
              msg,
              (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value)),
            ),
          ),
      };
  }
}

/** JSONata through Node-RED's own evaluator; the callback form works on Node-RED 3 (sync inside) and ≥ 4 (async). */
function evaluateJsonata(RED: NodeAPI, expression: Prepared, msg: NodeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      RED.util.evaluateJSONataExpression(expression, msg, (err: Error | null, value: unknown) =>
        err ? reject(err) : resolve(value),
      );
    } catch (err) {
      reject(err as Error);
    }
  });
}

/** A manifest key or workflow attribute by its name: exact first, then ignoring case. */
function fieldOf(container: unknown, name: string): unknown {
  const fields = record(container);
  if (name in fields) return fields[name];
  const wanted = name.toLowerCase();
  const match = Object.keys(fields).find((k) => k.toLowerCase() === wanted);
  return match === undefined ? undefined : fields[match];
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
