import type { Node, NodeDef, NodeMessage } from "node-red";
import type { CommunicationDocument, GeneratedOutput } from "../lib/exstream";
import type { GeneratedExstream, RunOptions } from "../lib/generate";
import type { PropertiesWith } from "../lib/node-red/properties";
import type { properties } from "./properties";

/** exstream-generate properties as the editor stores them (strings until parsed; see properties.ts). */
export type ExstreamGenerateProperties = PropertiesWith<
  typeof properties,
  {
    server: string;
    mode?: "ondemand" | "batch" | string;
    storage?: "auto" | "files" | string;
    readKeys?: boolean | string;
  }
>;

export type ExstreamGenerateDef = NodeDef & ExstreamGenerateProperties;

/** The parsed options (one typed object with defaults, see options.ts). */
export interface GenerateOptions extends RunOptions {
  mode: "ondemand" | "batch";
  maxQueued: number;
}

export interface GenerateMessage extends NodeMessage {
  payload?: unknown;
  filename?: string;
  communication?: string;
  driverDataSource?: string;
  channel?: string;
  document?: CommunicationDocument;
  exstream?: GeneratedExstream;
  failure?: { reason: string; permanent: boolean };
}

export interface ExstreamGenerateNode extends Node {
  server?: Node;
}

export type { GeneratedOutput };
