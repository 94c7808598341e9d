import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import type { CategoryDefinition, ContentServerClient } from "../lib/content-server";
import { attributeLookup } from "../lib/content-server/mapping-definitions";
import { mapAttributes, type AttributeDefinition, type MappingRule } from "../lib/mapping";
import { defineNode } from "../lib/node-red/define-node";
import { toMappingRules } from "./rules";
import { compileSource, type RuleSource } from "./sources";
import type { MetadataMapDef } from "./types";
import { migrations } from "./migrations";

type Lookup = (name: string) => AttributeDefinition | undefined;
type Msg = NodeMessage & { categories?: Record<string, Record<string, unknown>> };
interface State {
  rules: MappingRule[];
  sources: Map<MappingRule, RuleSource>;
  output: string;
  /** Category mode: the attribute definitions by name; absent in driver mode. */
  lookup?: (rules: MappingRule[]) => Promise<{ lookup: Lookup; categoryId: number }>;
}

export = defineNode<MetadataMapDef, State>({
  type: "metadata-map",
  migrations,
  setUp({ RED, node, def, t, problem, connection }) {
    const driver = def.mode === "driver";
    const { rules, problems } = toMappingRules(def);
    problems.forEach(problem);
    const sources = new Map<MappingRule, RuleSource>();
    try {
      rules.forEach((rule, i) => sources.set(rule, compileSource(RED, node, def.rules[i])));
    } catch (err) {
      problem(`JSONata: ${(err as Error).message}`);
    }
    const output = (def.output ?? "").trim() || (driver ? "payload" : "metadata");
    if (driver) return { rules, sources, output };
    const category = (def.category ?? "").trim();
    if (!category) problem(t("errors.noCategory"));
    const config = connection<CsConfigNode>();
    return { rules, sources, output, lookup: categoryLookup(() => config!.getClient(), category) };
  },
  working: "mapping",
  async run(msg, { rules, sources, output, lookup }, { RED, def }) {
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
    if (!lookup) {
      const data: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(mapAttributes(rules, valueOf).metadata)) {
        RED.util.setObjectProperty(data, name, value, true);
      }
      RED.util.setMessageProperty(msg, output, data, true);
      return { status: "mapped" };
    }
    const { lookup: byName, categoryId } = await lookup(rules);
    const result = mapAttributes(rules, valueOf, byName);
    const target = msg as Msg;
    const previous = RED.util.getMessageProperty(msg, output) as unknown;
    RED.util.setMessageProperty(msg, output, { ...(isRecord(previous) ? previous : {}), ...result.metadata }, true);
    const categories = isRecord(target.categories) ? target.categories : {};
    const before = isRecord(categories[categoryId]) ? categories[categoryId] : {};
    target.categories = { ...categories, [categoryId]: { ...before, ...result.categories } };
    return { status: "mapped" };
  },
});

/** The category's attributes by name; read again once per deployment when a rule names one it does not know. */
function categoryLookup(client: () => ContentServerClient, category: string): NonNullable<State["lookup"]> {
  let refreshedOnce = false;
  // The client caches the definition: the lookup built from it serves every message until it is read again.
  const lookups = new WeakMap<object, Lookup>();
  const lookupOf = (definition: CategoryDefinition): Lookup => {
    let lookup = lookups.get(definition);
    if (!lookup) lookups.set(definition, (lookup = attributeLookup(definition)));
    return lookup;
  };
  return async (rules) => {
    const categories = client().categories;
    let definition = await categories.getCategoryDefinition(category);
    let lookup = lookupOf(definition);
    if (!refreshedOnce && rules.some((r) => !lookup(r.attribute))) {
      // The category may have changed since the definition was cached.
      refreshedOnce = true;
      categories.clearCache();
      definition = await categories.getCategoryDefinition(category);
      lookup = lookupOf(definition);
    }
    return { lookup, categoryId: definition.id };
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}
