import type { Node, NodeAPI, NodeMessage } from "node-red";

/** A TypedInput value as the editor stores it: `value` plus its type (str, num, msg, flow, global, env, jsonata, …). */
export interface TypedValue {
  value: string | undefined;
  type: string | undefined;
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
    const value = await new Promise<unknown>((resolve, reject) =>
      RED.util.evaluateNodeProperty(configured, type, node, msg, (err: Error | null, result: unknown) =>
        err ? reject(err) : resolve(result),
      ),
    );
    if (value !== undefined && value !== "") return value as T;
  }
  const fromMsg = fallback?.(msg);
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== "") return fromMsg as T;
  return defaultValue;
}
