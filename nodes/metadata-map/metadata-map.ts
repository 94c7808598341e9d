import type { NodeMessage } from "node-red";
import type { CsConfigNode } from "../cs-config/types";
import { categoryAttributes, mapMetadata, withCategory, withValues } from "../lib/metadata";
import type { CategoryAttributes, RuleInput } from "../lib/metadata";
import { defineNode } from "../lib/node-red/define-node";
import { migrations } from "./migrations";
import { toMappingRules } from "./rules";
import { compileSource } from "./sources";
import type { MetadataMapDef } from "./types";

type Msg = NodeMessage & { categories?: unknown };
interface State {
  inputs: Array<RuleInput<NodeMessage>>;
  output: string;
  /** Category mode: the live category's attributes; absent in driver mode. */
  attributes?: CategoryAttributes;
}

export = defineNode<MetadataMapDef, State>({
  type: "metadata-map",
  migrations,
  setUp({ RED, node, def, t, problem, connection }) {
    const driver = def.mode === "driver";
    const { rules, problems } = toMappingRules(def);
    problems.forEach(problem);
    const inputs: State["inputs"] = [];
    try {
      rules.forEach((rule, i) => {
        const { read } = compileSource(RED, node, def.rules[i]);
        inputs.push({ rule, read, separator: def.rules[i]?.separator });
      });
    } catch (err) {
      problem(`JSONata: ${(err as Error).message}`);
    }
    const output = (def.output ?? "").trim() || (driver ? "payload" : "metadata");
    if (driver) return { inputs, output };
    const category = (def.category ?? "").trim();
    if (!category) problem(t("errors.noCategory"));
    const config = connection<CsConfigNode>();
    return { inputs, output, attributes: categoryAttributes(() => config!.getClient().categories, category) };
  },
  working: "mapping",
  async run(msg, { inputs, output, attributes }, { RED }) {
    const { metadata, category } = await mapMetadata(inputs, msg, attributes);
    if (!category) {
      const data: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(metadata)) RED.util.setObjectProperty(data, name, value, true);
      RED.util.setMessageProperty(msg, output, data, true);
      return { status: "mapped" };
    }
    const previous = RED.util.getMessageProperty(msg, output) as unknown;
    RED.util.setMessageProperty(msg, output, withValues(previous, metadata), true);
    const target = msg as Msg;
    target.categories = withCategory(target.categories, category.id, category.values);
    return { status: "mapped" };
  },
});
