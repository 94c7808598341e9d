/**
 * Reads a delivery-log report once per run into per-customer entries. The layout is the project's own (report data
 * sources are designer-defined): `<deliveryLog><customer number="1" …><queue name channel file status [reason]/>…`.
 * Every element inside a `<customer>` becomes one entry holding its attributes. A report in another format yields no
 * entries (the path is still handed on), never an error.
 */
import { createReadStream } from "node:fs";
import sax from "sax";
import type { DeliveryLogEntry } from "./types";

export type DeliveryLogIndex = Map<string, DeliveryLogEntry[]>;

export async function readDeliveryLog(file: string): Promise<DeliveryLogIndex> {
  const index: DeliveryLogIndex = new Map();
  const parser = sax.parser(true, { trim: true });
  let customer: string | undefined;
  let depth = 0;
  let customerDepth = -1;
  parser.onopentag = (tag) => {
    depth++;
    const attributes = tag.attributes as Record<string, string>;
    if (tag.name === "customer" && customer === undefined) {
      customer = (attributes.number ?? "").trim();
      customerDepth = depth;
      if (!index.has(customer)) index.set(customer, []);
    } else if (customer !== undefined && depth === customerDepth + 1) {
      index.get(customer)!.push({ ...attributes });
    }
  };
  parser.onclosetag = () => {
    if (depth === customerDepth) {
      customer = undefined;
      customerDepth = -1;
    }
    depth--;
  };
  try {
    for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 })) {
      parser.write(chunk as string);
    }
    parser.close();
  } catch {
    return new Map();
  }
  return index;
}
