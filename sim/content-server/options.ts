import type { SimulatorFlags } from "../types";
import type { FaultRule } from "./faults";

export type SeedName = "demo" | "empty";
export type SearchResultShape = "schema" | "pyxecm";
export type WorkflowAttachmentMode = "copy" | "shortcut";
/** `forms`: `{forms: [form]}` as pyxecm's example shows; `schema`: data/options/schema at the top level (OpenAPI). */
export type CategoryFormShape = "forms" | "schema";
/**
 * An OTDS ticket or bearer token sent on an ordinary call: `accept`ed like an OTCSTicket, or `refuse`d (401) so that
 * only the OTCSTicket exchanged for it at `GET api/v1/auth` (pyxecm's way) works. The evidence shows only the
 * exchange; clients are seen doing both: both are offered.
 */
export type OtdsDirectUse = "accept" | "refuse";

export function otdsDirectUse(value: unknown): OtdsDirectUse {
  if (value !== "accept" && value !== "refuse") throw new Error("otds direct use must be accept or refuse");
  return value;
}

export function categoryFormShape(value: unknown): CategoryFormShape {
  if (value !== "forms" && value !== "schema") throw new Error("category form shape must be forms or schema");
  return value;
}

export function workflowAttachmentMode(value: unknown): WorkflowAttachmentMode {
  if (value !== "copy" && value !== "shortcut") throw new Error("workflow attachments must be copy or shortcut");
  return value;
}

export interface SimulatorOptions {
  port: number;
  host: string;
  basePath: string;
  /** Directory that keeps the store and content across restarts; in-memory (content in a temp dir) when absent. */
  dataDir?: string;
  seed: SeedName;
  /** A ticket unused this long answers 401; 0 = never. */
  ticketInactivityMs: number;
  bearerLifetimeMs: number;
  /** Status of GET api/v1|v2/nodes/{id} for a missing node: 400 per the OpenAPI description, 404 on some installations. */
  missingNodeStatus: 400 | 404;
  /** GET api/v2/volumes/{type} is served (true); false answers 400 like an installation without the route. */
  volumesRoute: boolean;
  /**
   * Search hits as the OpenAPI description types them (`schema`: numeric result_type/source_id, no regions) or as
   * pyxecm's example shows them (`pyxecm`: strings, and `data.regions` as an object).
   */
  searchResultShape: SearchResultShape;
  /**
   * What `doc_ids` of a new workflow put into its attachments folder: a copy of each document, or a shortcut
   * (subtype 1, `original_id`) to it. The public evidence shows neither, installations differ: both are offered.
   */
  workflowAttachments: WorkflowAttachmentMode;
  /**
   * The category create/update forms: wrapped in `forms[]` (pyxecm's example of this route) or bare (the OpenAPI
   * description's `forms_CategoriesCreateFormInfo`). The evidence disagrees: both are offered.
   */
  categoryForms: CategoryFormShape;
  /** OTDS ticket / bearer token on calls other than the exchange at `GET api/v1/auth`. */
  otdsDirectUse: OtdsDirectUse;
  faults: FaultRule[];
  /** Seed of the fault rules' random choices (`probability`), so a faulted run can be replayed; random when absent. */
  faultSeed?: number;
  oauthClient?: { id: string; secret: string };
}

const DEFAULT_INACTIVITY_MS = 2 * 60 * 60 * 1000;
const DEFAULT_BEARER_LIFETIME_MS = 60 * 60 * 1000;

function text(flags: SimulatorFlags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function number(flags: SimulatorFlags, name: string, fallback: number): number {
  const value = text(flags, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number`);
  return parsed;
}

export function searchShape(value: unknown): SearchResultShape {
  if (value !== "schema" && value !== "pyxecm") throw new Error("--search-result-shape must be schema or pyxecm");
  return value;
}

function onOff(flags: SimulatorFlags, name: string, fallback: boolean): boolean {
  const value = text(flags, name);
  if (value === undefined) return fallback;
  if (value !== "on" && value !== "off") throw new Error(`--${name} must be on or off`);
  return value === "on";
}

export function parseOptions(flags: SimulatorFlags): SimulatorOptions {
  const seed = text(flags, "seed") ?? "demo";
  if (seed !== "demo" && seed !== "empty") throw new Error(`--seed must be demo or empty, not "${seed}"`);
  const missing = number(flags, "missing-node-status", 400);
  if (missing !== 400 && missing !== 404) throw new Error("--missing-node-status must be 400 or 404");
  const basePath = "/" + (text(flags, "base-path") ?? "/cs/cs").replace(/^\/+|\/+$/g, "");
  const faults: FaultRule[] = [];
  const rules = text(flags, "faults");
  if (rules) faults.push(...(JSON.parse(rules) as FaultRule[]));
  const failRate = number(flags, "fail-rate", 0);
  if (failRate > 0) faults.push({ probability: failRate, status: number(flags, "fail-status", 503) });
  const resetRate = number(flags, "reset-rate", 0);
  if (resetRate > 0) faults.push({ probability: resetRate, reset: true });
  const latencyMs = number(flags, "latency-ms", 0);
  if (latencyMs > 0) faults.push({ latencyMs });
  const clientId = text(flags, "oauth-client-id");
  return {
    port: number(flags, "port", 0),
    host: text(flags, "host") ?? "127.0.0.1",
    basePath: basePath === "/" ? "" : basePath,
    dataDir: text(flags, "data"),
    seed,
    ticketInactivityMs: number(flags, "ticket-inactivity-ms", DEFAULT_INACTIVITY_MS),
    bearerLifetimeMs: number(flags, "bearer-lifetime-ms", DEFAULT_BEARER_LIFETIME_MS),
    missingNodeStatus: missing,
    volumesRoute: onOff(flags, "volumes-route", true),
    searchResultShape: searchShape(text(flags, "search-result-shape") ?? "schema"),
    workflowAttachments: workflowAttachmentMode(text(flags, "workflow-attachments") ?? "copy"),
    categoryForms: categoryFormShape(text(flags, "category-forms") ?? "forms"),
    otdsDirectUse: otdsDirectUse(text(flags, "otds-direct-use") ?? "accept"),
    faults,
    faultSeed: text(flags, "fault-seed") === undefined ? undefined : number(flags, "fault-seed", 0),
    oauthClient: clientId ? { id: clientId, secret: text(flags, "oauth-client-secret") ?? "" } : undefined,
  };
}
