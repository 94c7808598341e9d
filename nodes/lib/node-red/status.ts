import type { Node } from "node-red";

/** One look for every node: ring = not working, dot = working; texts are i18n keys or short plain words. */
export class NodeStatus {
  constructor(private readonly node: Node) {}

  idle(text = ""): void {
    this.node.status(text ? { fill: "grey", shape: "ring", text } : {});
  }

  working(text: string): void {
    this.node.status({ fill: "blue", shape: "dot", text });
  }

  ok(text: string): void {
    this.node.status({ fill: "green", shape: "dot", text });
  }

  warn(text: string): void {
    this.node.status({ fill: "yellow", shape: "ring", text });
  }

  error(text: string): void {
    this.node.status({ fill: "red", shape: "ring", text });
  }

  clear(): void {
    this.node.status({});
  }
}

/** The time of day as a status shows it: hh:mm:ss. */
export function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}
