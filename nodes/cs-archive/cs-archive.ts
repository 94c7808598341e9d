import type { NodeAPI, NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import { Archiver, DEFAULT_NAME_RULES, type ArchiverOptions, type ExistsPolicy } from "../lib/content-server/archive";
import { failureOf } from "../lib/node-red/failure";
import { allowedFileRoots } from "../lib/node-red/file-roots";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { RequestBuilder } from "./request";
import type { CsArchiveDef, CsArchiveNode } from "./types";

const POLICIES: ExistsPolicy[] = ["version", "new", "skip", "fail"];
const DEFAULT_SETTLE_MS = 1000;

type Msg = NodeMessage & Record<string, unknown>;

export = function (RED: NodeAPI): void {
  function CsArchive(this: CsArchiveNode, def: CsArchiveDef): void {
    RED.nodes.createNode(this, def);
    const status = new NodeStatus(this);
    const config = RED.nodes.getNode(def.server) as CsConfigNode | null;
    const problems: string[] = [];
    const options = archiverOptions(def, problems);
    if (!config) problems.push(RED._("cs-archive.errors.noServer"));
    if (problems.length) {
      this.error(RED._("cs-archive.errors.config", { problems: problems.join("; ") }));
      status.error(RED._("cs-archive.status.config"));
    }
    const requests = new RequestBuilder(RED, this, def, options.nameRules, () => allowedFileRoots(RED));
    let archiver: Archiver | undefined;
    let inFlight = 0;

    async function handle(msg: Msg): Promise<void> {
      if (problems.length) throw new Error(RED._("cs-archive.errors.config", { problems: problems.join("; ") }));
      const client = config!.getClient();
      archiver ??= new Archiver(client, options);
      if (def.operation === "updateMetadata") {
        const nodeId = await requests.id(msg, def.nodeId ?? "cs.nodeId", def.nodeIdType ?? "msg", "node id");
        const { categories, metadata } = await requests.categoriesOf(msg, client);
        if (!categories) throw new Error(RED._("cs-archive.errors.noMetadata"));
        await archiver.updateMetadata(nodeId, categories, metadata);
        const target = await client.nodes.getNode(nodeId);
        msg.cs = { ...record(msg.cs), nodeId, parentId: target.parentId, name: target.name, outcome: "updated" };
        return;
      }
      msg.cs = await archiver.archive(await requests.build(msg, client));
    }

    this.on("input", (msg, send, done) => {
      inFlight++;
      status.working(RED._("cs-archive.status.archiving", { count: inFlight }));
      handle(msg as Msg).then(
        () => {
          inFlight--;
          status.ok(RED._(`cs-archive.status.${String(record((msg as Msg).cs).outcome)}`));
          send(msg);
          done();
        },
        (err: unknown) => {
          inFlight--;
          (msg as Msg).failure = failureOf(err);
          status.error(RED._("cs-archive.status.failed"));
          done(err as Error);
        },
      );
    });

    this.on("close", () => status.clear());
  }

  RED.nodes.registerType("cs-archive", CsArchive);

  /** Editor: business workspace types, categories and their attributes. */
  registerEditorLookups(RED, "cs-archive");
};

function archiverOptions(def: CsArchiveDef, problems: string[]): ArchiverOptions {
  const policy = (def.existsPolicy || "version") as ExistsPolicy;
  if (!POLICIES.includes(policy)) problems.push(`unknown policy "${policy}"`);
  const maxLength = numberOr(def.maxNameLength, DEFAULT_NAME_RULES.maxLength);
  if (!Number.isInteger(maxLength) || maxLength < 8 || maxLength > DEFAULT_NAME_RULES.maxLength) {
    problems.push(`name length must be 8–${DEFAULT_NAME_RULES.maxLength}`);
  }
  const category = (def.category ?? "").trim();
  const checksum = (def.checksumAttribute ?? "").trim();
  if (checksum && !category) problems.push("the checksum attribute needs a category");
  const replacement = def.replacement ?? DEFAULT_NAME_RULES.replacement;
  const forbidden = def.forbiddenCharacters ?? DEFAULT_NAME_RULES.forbiddenCharacters;
  if ([...replacement].some((ch) => forbidden.includes(ch))) problems.push("the replacement is a forbidden character");
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
