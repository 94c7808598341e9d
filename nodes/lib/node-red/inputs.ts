import type { Node, NodeAPI, NodeMessage } from "node-red";

/** A TypedInput value as the editor stores it: `value` plus its type (str, num, msg, flow, global, env, jsonata, …). */
export interface TypedValue {
  value: string | undefined;
  type: string | undefined;
}

type Prepared = ReturnType<NodeAPI["util"]["prepareJSONataExpression"]>;

/** JSONata expressions of each node, compiled once (evaluateNodeProperty would parse them for every message). */
const compiled = new WeakMap<Node, Map<string, Prepared>>();

function preparedJsonata(RED: NodeAPI, node: Node, expression: string): Prepared {
  let byText = compiled.get(node);
  if (!byText) compiled.set(node, (byText = new Map()));
  let prepared = byText.get(expression);
  if (!prepared) byText.set(expression, (prepared = RED.util.prepareJSONataExpression(expression, node)));
  return prepared;
}

/**
 * The one place that decides where an input comes from: the configured TypedInput wins; a blank configured value
 * falls back to `fallback(msg)` (typically a msg property), then to `defaultValue`.
 */
export async function resolveTypedValue<T = unknown>(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  typed: TypedValue,
  fallback?: (msg: NodeMessage) => unknown,
  defaultValue?: T,
): Promise<T | undefined> {
  const type = typed.type || "str";
  const configured = typed.value ?? "";
  if (configured !== "" || type === "date" || type === "jsonata") {
    const value = await new Promise<unknown>((resolve, reject) => {
      const callback = (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result));
      if (type !== "jsonata") return RED.util.evaluateNodeProperty(configured, type, node, msg, callback);
      try {
        RED.util.evaluateJSONataExpression(preparedJsonata(RED, node, configured), msg, callback);
      } catch (err) {
        reject(err as Error);
      }
    });
    if (value !== undefined && value !== "") return value as T;
  }
  const fromMsg = fallback?.(msg);
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== "") return fromMsg as T;
  return defaultValue;
}
