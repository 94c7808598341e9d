import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { ContentServerClient } from "../lib/content-server";
import { Archiver, DEFAULT_NAME_RULES, type ArchiverOptions, type ExistsPolicy } from "../lib/archive";
import { defineNode } from "../lib/node-red/define-node";
import { allowedFileRoots } from "../lib/node-red/file-roots";
import { RequestBuilder } from "./request";
import type { CsArchiveDef } from "./types";
import { migrations } from "./migrations";

const POLICIES: ExistsPolicy[] = ["version", "new", "skip", "fail"];
const DEFAULT_SETTLE_MS = 1000;

type Msg = NodeMessage & Record<string, unknown>;
interface State {
  client: () => ContentServerClient;
  archiver: () => Archiver;
  requests: RequestBuilder;
}

export = defineNode<CsArchiveDef, State>({
  type: "cs-archive",
  migrations,
  setUp({ RED, node, def, connection, problem }) {
    const config = connection<CsConfigNode>();
    const options = archiverOptions(def, problem);
    let archiver: Archiver | undefined;
    return {
      client: () => config!.getClient(),
      archiver: () => (archiver ??= new Archiver(config!.getClient(), options)),
      requests: new RequestBuilder(RED, node, def, options.nameRules, () => allowedFileRoots(RED)),
    };
  },
  working: "archiving",
  async run(message, { client, archiver, requests }, { def, t }) {
    const msg = message as Msg;
    if (def.operation !== "updateMetadata") {
      msg.cs = await archiver().archive(await requests.build(msg, client()));
      return { status: String(record(msg.cs).outcome) };
    }
    const nodeId = await requests.id(msg, def.nodeId ?? "cs.nodeId", def.nodeIdType ?? "msg", "node id");
    const { categories, metadata } = await requests.categoriesOf(msg, client());
    if (!categories) throw new Error(t("errors.noMetadata"));
    await archiver().updateMetadata(nodeId, categories, metadata);
    const target = await client().nodes.getNode(nodeId);
    msg.cs = { ...record(msg.cs), nodeId, parentId: target.parentId, name: target.name, outcome: "updated" };
    return { status: "updated" };
  },
});

function archiverOptions(def: CsArchiveDef, problem: (text: string) => void): ArchiverOptions {
  const policy = (def.existsPolicy || "version") as ExistsPolicy;
  if (!POLICIES.includes(policy)) problem(`unknown policy "${policy}"`);
  const maxLength = numberOr(def.maxNameLength, DEFAULT_NAME_RULES.maxLength);
  if (!Number.isInteger(maxLength) || maxLength < 8 || maxLength > DEFAULT_NAME_RULES.maxLength) {
    problem(`name length must be 8–${DEFAULT_NAME_RULES.maxLength}`);
  }
  const category = (def.category ?? "").trim();
  const checksum = (def.checksumAttribute ?? "").trim();
  if (checksum && !category) problem("the checksum attribute needs a category");
  const replacement = def.replacement ?? DEFAULT_NAME_RULES.replacement;
  const forbidden = def.forbiddenCharacters ?? DEFAULT_NAME_RULES.forbiddenCharacters;
  if ([...replacement].some((ch) => forbidden.includes(ch))) problem("the replacement is a forbidden character");
  return {
    existsPolicy: policy,
    checksumAttribute: checksum && category ? { category, attribute: checksum } : undefined,
    verifyChecksum: def.verifyChecksum === true,
    rmClassification: (def.rmClassification ?? "").trim() || undefined,
    hold: (def.hold ?? "").trim() || undefined,
    ambiguousSettleMs: numberOr(def.ambiguousSettleMs, DEFAULT_SETTLE_MS),
    nameRules: { forbiddenCharacters: forbidden, replacement, maxLength },
  };
}

function numberOr(value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === null || String(value).trim() === "") return fallback;
  return Number(value);
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
