import type { NodeAPI, NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { ContentServerClient } from "../lib/content-server";
import { attributeLookup } from "../lib/content-server/mapping-definitions";
import { mapAttributes, MappingError, type AttributeDefinition, type MappingRule } from "../lib/mapping";
import { failureOf } from "../lib/node-red/failure";
import { registerEditorLookups } from "../lib/node-red/lookups";
import { NodeStatus } from "../lib/node-red/status";
import { toMappingRules } from "./rules";
import { compileSource, type RuleSource } from "./sources";
import type { MetadataMapDef, MetadataMapNode } from "./types";

type Lookup = (name: string) => AttributeDefinition | undefined;

export = function (RED: NodeAPI): void {
  function MetadataMap(this: MetadataMapNode, def: MetadataMapDef): void {
    RED.nodes.createNode(this, def);
    const status = new NodeStatus(this);
    const mode = def.mode === "driver" ? "driver" : "category";
    const output = (def.output ?? "").trim() || (mode === "driver" ? "payload" : "metadata");
    const category = (def.category ?? "").trim();
    const { rules, problems } = toMappingRules(def);
    const sources = new Map<MappingRule, RuleSource>();
    try {
      rules.forEach((rule, i) => sources.set(rule, compileSource(RED, this, def.rules[i])));
    } catch (err) {
      problems.push(`JSONata: ${(err as Error).message}`);
    }
    const config = def.server ? (RED.nodes.getNode(def.server) as CsConfigNode | null) : null;
    if (mode === "category" && !category) problems.push(RED._("metadata-map.errors.noCategory"));
    if (mode === "category" && !config) problems.push(RED._("metadata-map.errors.noServer"));
    if (problems.length) {
      this.error(RED._("metadata-map.errors.config", { problems: problems.join("; ") }));
      status.error(RED._("metadata-map.status.config"));
    }

    let refreshedOnce = false;
    async function lookupFor(client: ContentServerClient, msgRules: MappingRule[]): Promise<Lookup> {
      let lookup = attributeLookup(await client.categories.getCategoryDefinition(category));
      if (!refreshedOnce && msgRules.some((r) => !lookup(r.attribute))) {
        // The category may have changed since the definition was cached: read it again, once per deployment.
        refreshedOnce = true;
        client.categories.clearCache();
        lookup = attributeLookup(await client.categories.getCategoryDefinition(category));
      }
      return lookup;
    }

    async function map(msg: NodeMessage): Promise<void> {
      if (problems.length) throw new MappingError(problems.map((problem) => ({ attribute: "(config)", problem })));
      const values = new Map<MappingRule, { value: unknown } | { error: Error }>();
      await Promise.all(
        rules.map(async (rule) => {
          try {
            values.set(rule, { value: await sources.get(rule)!.read(msg) });
          } catch (err) {
            values.set(rule, { error: err as Error });
          }
        }),
      );
      const valueOf = (rule: MappingRule) => {
        const read = values.get(rule)!;
        if ("error" in read) throw read.error;
        const separator = def.rules[rules.indexOf(rule)]?.separator;
        return separator && typeof read.value === "string"
          ? read.value.split(separator).map((v) => v.trim())
          : read.value;
      };
      if (mode === "driver") {
        const result = mapAttributes(rules, valueOf);
        const data: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(result.metadata))
          RED.util.setObjectProperty(data, name, value, true);
        RED.util.setMessageProperty(msg, output, data, true);
        return;
      }
      const client = config!.getClient();
      const lookup = await lookupFor(client, rules);
      const result = mapAttributes(rules, valueOf, lookup);
      const categoryId = (await client.categories.getCategoryDefinition(category)).id;
      const target = msg as NodeMessage & { categories?: Record<string, Record<string, unknown>> };
      const previous = RED.util.getMessageProperty(msg, output) as Record<string, unknown> | undefined;
      RED.util.setMessageProperty(msg, output, { ...(isRecord(previous) ? previous : {}), ...result.metadata }, true);
      const categories = isRecord(target.categories) ? target.categories : {};
      target.categories = {
        ...categories,
        [categoryId]: { ...(isRecord(categories[categoryId]) ? categories[categoryId] : {}), ...result.categories },
      };
    }

    this.on("input", (msg, send, done) => {
      status.working(RED._("metadata-map.status.mapping"));
      map(msg).then(
        () => {
          status.ok(RED._("metadata-map.status.mapped"));
          send(msg);
          done();
        },
        (err: unknown) => {
          const failure = failureOf(err);
          (msg as NodeMessage & { failure?: unknown }).failure = failure;
          status.error(
            err instanceof MappingError
              ? RED._("metadata-map.status.problems", { count: err.problems.length })
              : RED._("metadata-map.status.failed"),
          );
          done(err as Error);
        },
      );
    });

    this.on("close", () => status.clear());
  }

  RED.nodes.registerType("metadata-map", MetadataMap);

  /** Editor: the categories the connection can see, and one category's attributes (names, types, constraints). */
  registerEditorLookups(RED, "metadata-map");
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}
